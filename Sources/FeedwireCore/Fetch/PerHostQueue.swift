/// Politeness for the HTTP engine: at most `maxTotal` transfers in flight,
/// at most `maxPerHost` to one host, first come first served within a host
/// and round-robin between hosts, so one publisher with many feeds neither
/// gets hammered nor starves the others.
///
/// Why not libcurl's CURLMOPT_MAX_HOST_CONNECTIONS: transfers queued inside
/// libcurl already run their timeout clock (a feed would time out waiting
/// for a slot), the limit counts connections rather than transfers, and with
/// a proxy every transfer has the proxy's "host".
///
/// A value type with no clock: the engine's loop thread owns one.
/// `@inlinable` so the engine (another module) gets a version specialised
/// for its element type instead of generic code dispatching through
/// metadata on every request.
public struct PerHostQueue<Element> {
    public let maxTotal: Int
    public let maxPerHost: Int
    @usableFromInline var _inFlight = 0
    public var inFlight: Int { _inFlight }
    @usableFromInline var _waiting = 0
    public var waiting: Int { _waiting }

    @usableFromInline struct HostState {
        /// Taken slots are nil'ed so a started element is not kept alive here.
        @usableFromInline var items: [Element?] = []
        @usableFromInline var head = 0
        @usableFromInline var active = 0
        /// Listed in `ready`.
        @usableFromInline var isReady = false
        @usableFromInline var pending: Int { items.count - head }

        @usableFromInline init() {}

        @usableFromInline enum Finish { case unknown, idle, becameReady, unchanged }

        /// Returns true when the host must be appended to `ready`.
        @inlinable mutating func push(_ element: Element, maxPerHost: Int) -> Bool {
            items.append(element)
            guard !isReady && active < maxPerHost else { return false }
            isReady = true
            return true
        }

        /// Takes the oldest element if a slot is free; the flag says whether
        /// the host must go back to the end of `ready`.
        @inlinable mutating func pop(maxPerHost: Int) -> (Element, Bool)? {
            isReady = false
            guard pending > 0, active < maxPerHost else { return nil }
            let element = items[head]!
            items[head] = nil
            head += 1
            if head > 64 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            active += 1
            if pending > 0 && active < maxPerHost {
                isReady = true
                return (element, true)
            }
            return (element, false)
        }

        @inlinable mutating func finish() -> Finish {
            guard active > 0 else { return .unknown }
            active -= 1
            if pending == 0 && active == 0 { return .idle }
            if pending > 0 && !isReady {
                isReady = true
                return .becameReady
            }
            return .unchanged
        }
    }

    @usableFromInline var hosts: [String: HostState] = [:]
    /// Hosts with waiting work and a free slot, in turn order.
    @usableFromInline var ready: [String] = []
    @usableFromInline var readyHead = 0

    @inlinable public init(maxTotal: Int, maxPerHost: Int) {
        self.maxTotal = max(1, maxTotal)
        self.maxPerHost = max(1, maxPerHost)
    }

    @inlinable public mutating func enqueue(_ element: Element, host: String) {
        _waiting += 1
        // Mutated in place through the dictionary (no copy of the host's array).
        let becameReady = hosts[host, default: HostState()].push(element, maxPerHost: maxPerHost)
        if becameReady { ready.append(host) }
    }

    /// The next element that may start now (marked in flight), or nil.
    @inlinable public mutating func next() -> (element: Element, host: String)? {
        guard _inFlight < maxTotal else { return nil }
        while readyHead < ready.count {
            let host = ready[readyHead]
            readyHead += 1
            compactReady()
            guard hosts[host] != nil, let (element, stillReady) = hosts[host]!.pop(maxPerHost: maxPerHost) else { continue }
            _waiting -= 1
            _inFlight += 1
            if stillReady { ready.append(host) }
            return (element, host)
        }
        return nil
    }

    /// A transfer to `host` that `next()` handed out has finished.
    @inlinable public mutating func finished(host: String) {
        guard hosts[host] != nil else { return }
        switch hosts[host]!.finish() {
        case .unknown: return
        case .idle:
            _inFlight -= 1
            hosts[host] = nil
        case .becameReady:
            _inFlight -= 1
            ready.append(host)
        case .unchanged:
            _inFlight -= 1
        }
    }

    /// Every waiting element (not those in flight), emptying the queue.
    @inlinable public mutating func removeAllWaiting() -> [Element] {
        var out: [Element] = []
        for (host, state) in hosts {
            out.append(contentsOf: state.items[state.head...].compactMap { $0 })
            var s = state
            s.items = []
            s.head = 0
            s.isReady = false
            hosts[host] = s.active == 0 ? nil : s
        }
        ready = []
        readyHead = 0
        _waiting = 0
        return out
    }

    @inlinable mutating func compactReady() {
        if readyHead > 256 && readyHead * 2 > ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
    }
}

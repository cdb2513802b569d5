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
public struct PerHostQueue<Element> {
    public let maxTotal: Int
    public let maxPerHost: Int
    public private(set) var inFlight = 0
    public private(set) var waiting = 0

    private struct HostState {
        /// Taken slots are nil'ed so a started element is not kept alive here.
        var items: [Element?] = []
        var head = 0
        var active = 0
        /// Listed in `ready`.
        var isReady = false
        var pending: Int { items.count - head }

        enum Finish { case unknown, idle, becameReady, unchanged }

        /// Returns true when the host must be appended to `ready`.
        mutating func push(_ element: Element, maxPerHost: Int) -> Bool {
            items.append(element)
            guard !isReady && active < maxPerHost else { return false }
            isReady = true
            return true
        }

        /// Takes the oldest element if a slot is free; the flag says whether
        /// the host must go back to the end of `ready`.
        mutating func pop(maxPerHost: Int) -> (Element, Bool)? {
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

        mutating func finish() -> Finish {
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

    private var hosts: [String: HostState] = [:]
    /// Hosts with waiting work and a free slot, in turn order.
    private var ready: [String] = []
    private var readyHead = 0

    public init(maxTotal: Int, maxPerHost: Int) {
        self.maxTotal = max(1, maxTotal)
        self.maxPerHost = max(1, maxPerHost)
    }

    public mutating func enqueue(_ element: Element, host: String) {
        waiting += 1
        // Mutated in place through the dictionary (no copy of the host's array).
        let becameReady = hosts[host, default: HostState()].push(element, maxPerHost: maxPerHost)
        if becameReady { ready.append(host) }
    }

    /// The next element that may start now (marked in flight), or nil.
    public mutating func next() -> (element: Element, host: String)? {
        guard inFlight < maxTotal else { return nil }
        while readyHead < ready.count {
            let host = ready[readyHead]
            readyHead += 1
            compactReady()
            guard hosts[host] != nil, let (element, stillReady) = hosts[host]!.pop(maxPerHost: maxPerHost) else { continue }
            waiting -= 1
            inFlight += 1
            if stillReady { ready.append(host) }
            return (element, host)
        }
        return nil
    }

    /// A transfer to `host` that `next()` handed out has finished.
    public mutating func finished(host: String) {
        guard hosts[host] != nil else { return }
        switch hosts[host]!.finish() {
        case .unknown: return
        case .idle:
            inFlight -= 1
            hosts[host] = nil
        case .becameReady:
            inFlight -= 1
            ready.append(host)
        case .unchanged:
            inFlight -= 1
        }
    }

    /// Every waiting element (not those in flight), emptying the queue.
    public mutating func removeAllWaiting() -> [Element] {
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
        waiting = 0
        return out
    }

    private mutating func compactReady() {
        if readyHead > 256 && readyHead * 2 > ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
    }
}

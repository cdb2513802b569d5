import Dispatch
import FeedwireCore
import Synchronization

/// `WakeTimerFactory` for tests: timers never fire by themselves. Each armed
/// timer has a deadline on a `FakeClock`; `run(until:)` moves the clock from
/// deadline to deadline and fires what is due, like a tiny event loop, so a
/// simulated day of scheduling takes milliseconds and never sleeps.
///
/// Handlers run synchronously on their queue (`queue.sync`), so never call
/// `fire`/`run` from that queue. Work the handlers enqueue with
/// `queue.async` runs before the next `queue.sync` (FIFO).
public final class ManualTimers: WakeTimerFactory, @unchecked Sendable {
    public let clock: FakeClock
    private let all = Mutex<[ManualTimer]>([])
    private let settleRounds: Int

    /// `settleRounds`: how many rounds of `queue.sync {}` let chained work
    /// (a completion that starts the next refresh, whose completion …) run
    /// before time moves on.
    public init(clock: FakeClock, settleRounds: Int = 64) {
        self.clock = clock
        self.settleRounds = max(1, settleRounds)
    }

    public func makeTimer(name: String, queue: DispatchQueue, handler: @escaping () -> Void) -> WakeTimer {
        let timer = ManualTimer(name: name, queue: queue, clock: clock, handler: handler)
        all.withLock { $0.append(timer) }
        return timer
    }

    /// Live (not cancelled) timers with this name, oldest first.
    public func timers(named name: String) -> [ManualTimer] {
        all.withLock { $0.filter { $0.name == name && !$0.isCancelled } }
    }

    /// The newest live timer with this name.
    public func timer(_ name: String) -> ManualTimer? { timers(named: name).last }

    /// Deadline of the named timer, if armed.
    public func deadline(_ name: String) -> Double? { timer(name)?.deadline }

    /// Fires the named timer now if it is armed (whatever its deadline).
    @discardableResult
    public func fire(_ name: String) -> Bool { timer(name)?.fire() ?? false }

    /// Moves the clock to `time`, firing every timer whose deadline passes on
    /// the way, in deadline order, with the clock set to each deadline.
    /// Returns how many timers fired. `maxFires` catches runaway loops.
    @discardableResult
    public func run(until time: Double, maxFires: Int = 1_000_000) -> Int {
        var fired = 0
        while fired < maxFires {
            settle()
            let next = all.withLock { timers in
                timers.filter { !$0.isCancelled && $0.deadline != nil }
                    .min { ($0.deadline!, $0.serial) < ($1.deadline!, $1.serial) }
            }
            guard let timer = next, let deadline = timer.deadline, deadline <= time else { break }
            if deadline > clock.now() { clock.set(deadline) }
            if timer.fire() { fired += 1 }
        }
        settle()
        if time > clock.now() { clock.set(time) }
        return fired
    }

    /// Lets work already queued on the timers' queues run (completions hop
    /// there with `queue.async`) before time moves on.
    public func settle() {
        let queues = all.withLock { timers -> [DispatchQueue] in
            var seen = Set<ObjectIdentifier>()
            return timers.filter { !$0.isCancelled }.map(\.queue).filter { seen.insert(ObjectIdentifier($0)).inserted }
        }
        for _ in 0..<settleRounds { for q in queues { q.sync {} } }
    }

    /// Runs for `seconds` of simulated time.
    @discardableResult
    public func run(for seconds: Double) -> Int { run(until: clock.now() + seconds) }

    /// Forgets cancelled timers (long simulations create many).
    public func compact() { all.withLock { $0.removeAll { $0.isCancelled } } }
}

/// One manual timer. `arm` records an absolute deadline on the fake clock.
public final class ManualTimer: WakeTimer, @unchecked Sendable {
    public let name: String
    let queue: DispatchQueue
    let clock: FakeClock
    let handler: () -> Void
    let serial: Int
    private let state = Mutex<(deadline: Double?, cancelled: Bool, armCount: Int)>((nil, false, 0))
    private static let counter = Mutex(0)

    init(name: String, queue: DispatchQueue, clock: FakeClock, handler: @escaping () -> Void) {
        self.name = name
        self.queue = queue
        self.clock = clock
        self.handler = handler
        serial = ManualTimer.counter.withLock { $0 += 1; return $0 }
    }

    public var deadline: Double? { state.withLock { $0.cancelled ? nil : $0.deadline } }
    public var isCancelled: Bool { state.withLock { $0.cancelled } }
    /// How many times it was armed.
    public var armCount: Int { state.withLock { $0.armCount } }

    public func arm(after seconds: Double) {
        let at = clock.now() + max(0, seconds)
        state.withLock {
            $0.deadline = at
            $0.armCount += 1
        }
    }

    public func disarm() { state.withLock { $0.deadline = nil } }

    public func cancel() { state.withLock { $0.cancelled = true } }

    /// Fires once if armed (the timer is one-shot: the handler re-arms it).
    @discardableResult
    public func fire() -> Bool {
        let armed = state.withLock { s -> Bool in
            guard !s.cancelled, s.deadline != nil else { return false }
            s.deadline = nil
            return true
        }
        guard armed else { return false }
        queue.sync { handler() }
        return true
    }
}

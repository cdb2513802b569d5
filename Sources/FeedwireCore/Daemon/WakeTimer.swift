import Dispatch

/// A one-shot timer the daemon re-arms itself. The daemon's timers (the
/// scheduler's single wake-up, the watchdog, housekeeping, the shutdown
/// grace) go through this seam so tests can fire them by hand with a fake
/// clock instead of sleeping.
public protocol WakeTimer: AnyObject {
    /// (Re)arms the timer to fire once after `seconds` (0 or less: as soon as possible).
    func arm(after seconds: Double)
    /// Stops a pending fire; the timer can be armed again.
    func disarm()
    /// Releases the timer for good.
    func cancel()
}

/// Makes timers whose handlers run on the given serial queue.
public protocol WakeTimerFactory: Sendable {
    func makeTimer(name: String, queue: DispatchQueue, handler: @escaping () -> Void) -> WakeTimer
}

/// The real thing: one `DispatchSourceTimer` per `WakeTimer`, created
/// suspended-then-resumed once and re-scheduled with `schedule(deadline:)`,
/// which is cheap (no new kernel object). Deadlines are on the monotonic
/// clock, so a wall-clock step does not fire them early or late.
public struct DispatchWakeTimerFactory: WakeTimerFactory {
    public init() {}

    public func makeTimer(name: String, queue: DispatchQueue, handler: @escaping () -> Void) -> WakeTimer {
        DispatchWakeTimer(queue: queue, handler: handler)
    }
}

/// Confined to its queue: `arm`/`disarm`/`cancel` are called from the
/// daemon queue, where the handler also runs.
public final class DispatchWakeTimer: WakeTimer {
    private let source: DispatchSourceTimer
    private var cancelled = false

    public init(queue: DispatchQueue, handler: @escaping () -> Void) {
        source = DispatchSource.makeTimerSource(flags: [], queue: queue)
        source.setEventHandler(handler: handler)
        source.schedule(deadline: .distantFuture, repeating: .never)
        source.activate()
    }

    deinit { cancel() }

    public func arm(after seconds: Double) {
        guard !cancelled else { return }
        let nanos = seconds <= 0 ? 0 : min(seconds, 365 * 86_400) * 1e9
        // A little leeway lets the kernel coalesce wake-ups; feed polls do not need millisecond precision.
        let leeway = DispatchTimeInterval.milliseconds(seconds > 10 ? 250 : 10)
        source.schedule(deadline: .now() + .nanoseconds(Int(nanos)), repeating: .never, leeway: leeway)
    }

    public func disarm() {
        guard !cancelled else { return }
        source.schedule(deadline: .distantFuture, repeating: .never)
    }

    public func cancel() {
        guard !cancelled else { return }
        cancelled = true
        source.cancel()
    }
}

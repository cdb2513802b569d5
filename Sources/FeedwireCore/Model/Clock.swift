import Glibc

/// Where time comes from. Everything that decides by time (poll policy,
/// backoff, reconcile, delivery) takes the time as a value; only the daemon's
/// edges read a clock, and tests pass a fake one.
public protocol Clock: Sendable {
    /// Wall-clock time in fractional Unix seconds.
    func now() -> Double
}

extension Clock {
    public var timestamp: Timestamp { Timestamp(unix: now()) }
}

/// The system's real-time clock.
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Monotonic seconds, for measuring durations (never for persisted times).
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

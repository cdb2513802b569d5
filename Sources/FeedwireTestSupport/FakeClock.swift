import FeedwireCore
import Synchronization

/// A clock tests move by hand: nothing ever sleeps.
public final class FakeClock: Clock {
    private let current: Mutex<Double>

    public init(_ start: Double = 1_764_072_000) { current = Mutex(start) }  // 2025-11-25T12:00:00Z

    public func now() -> Double { current.withLock { $0 } }

    public func advance(by seconds: Double) { current.withLock { $0 += seconds } }

    public func set(_ value: Double) { current.withLock { $0 = value } }
}

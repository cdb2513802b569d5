/// The scheduler's state as a value: which feed is due when, which are being
/// refreshed, and how many may be refreshed at once. Time is passed in; the
/// daemon's Dispatch timer only calls `takeDue(now:)` when `wakeTime` comes.
///
/// Invariants (checked by `isValid()`):
/// - a feed is either waiting in the heap or in flight, never both, so the
///   same feed is never refreshed twice concurrently;
/// - at most `maxInFlight` feeds are started while others are in flight
///   (lowering it on reload lets the excess finish). With 10,000 feeds due at
///   once (a first sync, a restart after a long stop) they go out in waves
///   of that size as earlier refreshes finish, instead of 10,000 transfers
///   queueing inside the HTTP engine at once.
public struct DueQueue: Sendable {
    public private(set) var heap = DueHeap()
    /// Feeds being refreshed, with the time each started.
    public private(set) var inFlight: [String: Double] = [:]
    /// Upper bound on refreshes in flight (at least 1).
    public var maxInFlight: Int {
        didSet { maxInFlight = max(1, maxInFlight) }
    }
    /// Feeds asked to poll again (`pollNow`) while in flight.
    private var pollAgain: Set<String> = []
    /// Feeds removed while in flight: their completion must not reschedule them.
    private var dropped: Set<String> = []

    public init(maxInFlight: Int) { self.maxInFlight = max(1, maxInFlight) }

    public var scheduledCount: Int { heap.count }
    public var inFlightCount: Int { inFlight.count }
    /// Earliest due time of a waiting feed.
    public var nextDue: Double? { heap.first?.due }

    /// When the timer should fire next: the earliest due time, or nil when
    /// nothing waits or every slot is taken (a completion will re-arm).
    public var wakeTime: Double? {
        inFlight.count < maxInFlight ? heap.first?.due : nil
    }

    public func isInFlight(_ name: String) -> Bool { inFlight[name] != nil }
    public func isScheduled(_ name: String) -> Bool { heap.contains(name) }
    /// Known to the scheduler: waiting or in flight (and not dropped).
    public func isTracked(_ name: String) -> Bool {
        heap.contains(name) || (inFlight[name] != nil && !dropped.contains(name))
    }
    public func due(of name: String) -> Double? { heap.due(of: name) }

    /// Schedules a feed, or moves it. A feed in flight is left alone: its
    /// completion decides its next time (and un-drops it if it was removed).
    public mutating func schedule(_ name: String, at due: Double) {
        if inFlight[name] != nil {
            dropped.remove(name)
            return
        }
        heap.schedule(name, at: due)
    }

    /// Forgets a feed. If it is in flight, its completion will not reschedule it.
    public mutating func remove(_ name: String) {
        heap.remove(name)
        if inFlight[name] != nil {
            dropped.insert(name)
            pollAgain.remove(name)
        }
    }

    /// Makes a feed due now. When it is in flight, it is polled again right
    /// after it finishes (never concurrently). Returns false for unknown feeds.
    @discardableResult
    public mutating func pollNow(_ name: String, now: Double) -> Bool {
        if inFlight[name] != nil {
            guard !dropped.contains(name) else { return false }
            pollAgain.insert(name)
            return true
        }
        guard heap.contains(name) else { return false }
        heap.schedule(name, at: min(now, heap.due(of: name) ?? now))
        return true
    }

    /// Pops the feeds due at `now`, earliest first, up to the free slots, and
    /// marks them in flight.
    public mutating func takeDue(now: Double) -> [String] {
        var taken: [String] = []
        while inFlight.count < maxInFlight, let first = heap.first, first.due <= now {
            heap.remove(first.name)
            inFlight[first.name] = now
            taken.append(first.name)
        }
        return taken
    }

    /// A refresh finished. `next` nil means the feed is not polled again
    /// (disabled). Returns the time it was scheduled at, or nil when it is
    /// no longer tracked (removed while in flight, disabled, or not in flight).
    @discardableResult
    public mutating func finish(_ name: String, next: Double?, now: Double) -> Double? {
        guard inFlight.removeValue(forKey: name) != nil else { return nil }
        if dropped.remove(name) != nil {
            pollAgain.remove(name)
            return nil
        }
        let again = pollAgain.remove(name) != nil
        guard var due = next else { return nil }
        if again { due = min(due, now) }
        heap.schedule(name, at: due)
        return due
    }

    /// The start time of the oldest refresh in flight.
    public var oldestInFlightStart: Double? { inFlight.values.min() }

    /// Checks the invariants (tests).
    public func isValid() -> Bool {
        guard heap.isValid() else { return false }
        for name in inFlight.keys where heap.contains(name) { return false }
        return dropped.isSubset(of: Set(inFlight.keys)) && pollAgain.isSubset(of: Set(inFlight.keys))
    }
}

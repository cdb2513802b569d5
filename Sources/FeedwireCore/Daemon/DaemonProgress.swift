import Synchronization

/// Progress of a large first sync (feeds never fetched): pure bookkeeping
/// that says when to log ("first sync: 120/480 feeds, 3 failing").
public struct FirstSyncProgress: Sendable, Equatable {
    public private(set) var pending: Set<String> = []
    public private(set) var total = 0
    public private(set) var done = 0
    public private(set) var failing: Set<String> = []
    public private(set) var startedAt: Double?
    private var lastLogAt: Double = 0
    private var lastLogDone = 0
    /// Log every this many feeds …
    public var everyFeeds: Int
    /// … or this many seconds, whichever comes first.
    public var everySeconds: Double

    public init(everyFeeds: Int = 50, everySeconds: Double = 10) {
        self.everyFeeds = max(1, everyFeeds)
        self.everySeconds = everySeconds
    }

    public var isActive: Bool { !pending.isEmpty }

    /// Feeds that have never been fetched join the sync.
    public mutating func add(_ name: String, now: Double) {
        guard !pending.contains(name) else { return }
        if pending.isEmpty {
            // A new sync starts (at start-up, or feeds added by a reload).
            total = 0
            done = 0
            failing = []
            startedAt = now
            lastLogAt = now
            lastLogDone = 0
        }
        pending.insert(name)
        total += 1
    }

    /// A feed left the configuration.
    public mutating func remove(_ name: String) {
        guard pending.remove(name) != nil else { return }
        total -= 1
    }

    public enum Event: Equatable, Sendable {
        case none
        case progress
        case finished
    }

    /// A feed's first refresh finished. Says whether to log.
    public mutating func record(_ name: String, failed: Bool, now: Double) -> Event {
        guard pending.remove(name) != nil else { return .none }
        done += 1
        if failed { failing.insert(name) }
        if pending.isEmpty { return .finished }
        return due(now: now) ? markLogged(now) : .none
    }

    /// Time-based progress (housekeeping), so a slow sync still reports.
    public mutating func tick(now: Double) -> Event {
        guard isActive, done > lastLogDone, now - lastLogAt >= everySeconds else { return .none }
        return markLogged(now)
    }

    private func due(now: Double) -> Bool {
        done - lastLogDone >= everyFeeds || now - lastLogAt >= everySeconds
    }

    private mutating func markLogged(_ now: Double) -> Event {
        lastLogAt = now
        lastLogDone = done
        return .progress
    }

    /// `first sync: 120/480 feeds, 3 failing`
    public var summary: String {
        "first sync: \(done)/\(total) feeds" + (failing.isEmpty ? "" : ", \(failing.count) failing")
    }
}

/// What `/healthz` and the watchdog judge by, written by the daemon queue
/// and read by the metrics queue (so a stuck daemon queue shows as a stale beat).
public final class LoopHealth: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// Last time the daemon queue ran its housekeeping.
        public var lastBeat: Double
        /// Whether the scheduler was making progress at that beat, and why not.
        public var progressing: Bool
        public var problem: String?
        public var storeHealthy: Bool
        public var stopping: Bool
    }

    private let state: Mutex<Snapshot>
    /// A beat older than this means the daemon queue is stuck.
    public let staleAfter: Double

    public init(now: Double, staleAfter: Double) {
        state = Mutex(Snapshot(lastBeat: now, progressing: true, problem: nil, storeHealthy: true, stopping: false))
        self.staleAfter = staleAfter
    }

    public func beat(now: Double, progressing: Bool, problem: String?, storeHealthy: Bool, stopping: Bool) {
        state.withLock {
            $0 = Snapshot(lastBeat: now, progressing: progressing, problem: problem, storeHealthy: storeHealthy,
                          stopping: stopping)
        }
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Healthy, or the reason it is not.
    public func check(now: Double) -> (healthy: Bool, reason: String) {
        let s = snapshot
        if s.stopping { return (false, "stopping") }
        if now - s.lastBeat > staleAfter {
            return (false, "the daemon loop has not run for \(DurationText.format(now - s.lastBeat))")
        }
        if !s.storeHealthy { return (false, "the state database is not usable") }
        if !s.progressing { return (false, s.problem ?? "the scheduler is not making progress") }
        return (true, "ok")
    }
}

/// Short human durations for logs and `STATUS=`: `40 s`, `15 min`, `2 h 5 min`, `3 d 4 h`.
public enum DurationText {
    public static func format(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        if s < 90 { return "\(s) s" }
        let minutes = (s + 30) / 60
        if minutes < 90 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 48 { return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min" }
        return hours % 24 == 0 ? "\(hours / 24) d" : "\(hours / 24) d \(hours % 24) h"
    }
}

import FeedwireCore
import Synchronization

/// The outbox in memory, faithful to `DeliveryQueue`'s doc comments: for
/// delivery tests and for a restart test (two workers over one queue).
public final class InMemoryDeliveryQueue: DeliveryQueue {
    struct State {
        var rows: [Int64: OutboxMessage] = [:]
        var nextID: Int64 = 1
        var remotes: [String: RemoteMessage] = [:]
        var disabled: [String: String] = [:]
        var deliveredAt: [Int64: Timestamp] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Writes a row as the store would (in the event's transaction): pending, due at `now`.
    @discardableResult
    public func enqueue(event: ChangeEvent, entry: StoryEntry?, target: String, now: Timestamp) -> OutboxMessage {
        state.withLock { s in
            let id = s.nextID
            s.nextID += 1
            var event = event
            if event.id == 0 { event.id = id }
            let row = OutboxMessage(id: id, target: target, event: event, entry: entry, notBefore: now, createdAt: now,
                                    idempotencyKey: OutboxMessage.idempotencyKey(event: event, target: target))
            s.rows[id] = row
            return row
        }
    }

    /// Every row, by id.
    public var all: [OutboxMessage] { state.withLock { s in s.rows.values.sorted { $0.id < $1.id } } }

    public func row(_ id: Int64) -> OutboxMessage? { state.withLock { $0.rows[id] } }

    static func key(_ target: String, _ story: Int64) -> String { "\(target)\u{0}\(story)" }

    public func dueMessages(target: String, now: Timestamp, limit: Int) throws -> [OutboxMessage] {
        state.withLock { s in
            guard s.disabled[target] == nil else { return [] }
            return Array(s.rows.values.filter { $0.target == target && $0.state == .pending && $0.notBefore <= now }
                .sorted { $0.id < $1.id }.prefix(limit))
        }
    }

    public func pendingCounts() throws -> [String: Int] {
        state.withLock { s in
            var counts: [String: Int] = [:]
            for r in s.rows.values where r.state == .pending { counts[r.target, default: 0] += 1 }
            return counts
        }
    }

    public func nextDue(target: String) throws -> Timestamp? {
        state.withLock { s in s.rows.values.filter { $0.target == target && $0.state == .pending }.map(\.notBefore).min() }
    }

    public func markDelivered(_ ids: [Int64], at: Timestamp, remote: RemoteMessage?) throws {
        state.withLock { s in
            for id in ids {
                guard var r = s.rows[id] else { continue }
                r.state = .delivered
                r.lastError = nil
                s.rows[id] = r
                s.deliveredAt[id] = at
                // As the SQLite store: the first message that announced a story is the one later edits refer to.
                if let remote, let story = r.event.storyID ?? r.entry?.item.storyID, s.remotes[InMemoryDeliveryQueue.key(r.target, story)] == nil {
                    s.remotes[InMemoryDeliveryQueue.key(r.target, story)] = remote
                }
            }
        }
    }

    public func markSending(_ ids: [Int64], key: String) throws {
        state.withLock { s in
            for id in ids {
                guard var r = s.rows[id], r.state == .pending else { continue }
                r.sentKey = key
                s.rows[id] = r
            }
        }
    }

    public func markRetry(_ id: Int64, attempts: Int, notBefore: Timestamp, error: String) throws {
        state.withLock { s in
            guard var r = s.rows[id], r.state == .pending else { return }
            r.attempts = attempts
            r.notBefore = notBefore
            r.lastError = error
            s.rows[id] = r
        }
    }

    public func markDead(_ ids: [Int64], at: Timestamp, error: String) throws {
        state.withLock { s in
            for id in ids {
                guard var r = s.rows[id], r.state == .pending else { continue }
                r.state = .dead
                r.lastError = error
                s.rows[id] = r
            }
        }
    }

    public func remoteMessage(target: String, storyID: Int64) throws -> RemoteMessage? {
        state.withLock { $0.remotes[InMemoryDeliveryQueue.key(target, storyID)] }
    }

    public func disabledReason(target: String) throws -> String? {
        state.withLock { $0.disabled[target] }
    }

    public func disableTarget(_ target: String, reason: String, at: Timestamp) throws {
        state.withLock { $0.disabled[target] = reason }
    }

    public func enableTarget(_ target: String) throws {
        state.withLock { _ = $0.disabled.removeValue(forKey: target) }
    }

    public func listMessages(target: String?, states: [OutboxState], limit: Int) throws -> [OutboxMessage] {
        state.withLock { s in
            Array(s.rows.values.filter { (target == nil || $0.target == target) && states.contains($0.state) }
                .sorted { $0.id > $1.id }.prefix(limit))
        }
    }

    public func requeue(target: String?, ids: [Int64]?, now: Timestamp) throws -> Int {
        state.withLock { s in
            var n = 0
            for (id, var r) in s.rows where r.state == .dead || r.state == .pending {
                if let target, r.target != target { continue }
                if let ids, !ids.contains(id) { continue }
                r.state = .pending
                r.attempts = 0
                r.notBefore = now
                s.rows[id] = r
                n += 1
            }
            return n
        }
    }

    public func drop(target: String?, ids: [Int64]?, at: Timestamp) throws -> Int {
        state.withLock { s in
            var n = 0
            for (id, var r) in s.rows where r.state == .pending {
                if let target, r.target != target { continue }
                if let ids, !ids.contains(id) { continue }
                r.state = .dead
                r.lastError = "dropped by operator"
                s.rows[id] = r
                n += 1
            }
            return n
        }
    }
}

import FeedwireSQLite

/// `DeliveryQueue`: the outbox as the delivery worker sees it. Rows are
/// written by `refresh`/`recordFetch` in the same transaction as their
/// events; here they only change state. At-least-once: a row becomes
/// `delivered` only when the worker says the service accepted it.
extension SQLiteStore: DeliveryQueue {
    static let outboxColumns = "o.id, o.target, o.state, o.attempts, o.not_before, o.created_at, o.idempotency_key, o.last_error, o.sent_key"

    /// Decodes outbox columns 0–8 and event columns from 9.
    func decodeMessages(_ sql: String, _ values: [SQLiteValue]) throws -> [OutboxMessage] {
        let rows = try db.query(sql, values) { s in
            (s.int64(0), s.text(1), OutboxState(rawValue: s.text(2)) ?? .pending, s.int(3), Timestamp(seconds: s.int64(4)),
             Timestamp(seconds: s.int64(5)), s.text(6), s.optionalText(7), s.optionalText(8), SQLiteStore.decodeEvent(s, offset: 9))
        }
        return try rows.map { row in
            OutboxMessage(id: row.0, target: row.1, event: row.9, entry: try entryLocked(itemID: row.9.itemID), state: row.2,
                          attempts: row.3, notBefore: row.4, createdAt: row.5, idempotencyKey: row.6, lastError: row.7,
                          sentKey: row.8)
        }
    }

    public func dueMessages(target: String, now: Timestamp, limit: Int) throws -> [OutboxMessage] {
        try locked {
            guard try disabledReasonLocked(target) == nil else { return [] }
            return try decodeMessages("""
                SELECT \(SQLiteStore.outboxColumns), \(SQLiteStore.eventColumns)
                FROM outbox o JOIN events e ON e.id = o.event_id
                WHERE o.target = ? AND o.state = 'pending' AND o.not_before <= ? ORDER BY o.id LIMIT ?
                """, [.text(target), .integer(now.seconds), .int(max(0, limit))])
        }
    }

    public func pendingCounts() throws -> [String: Int] {
        try locked {
            var counts: [String: Int] = [:]
            for (target, count) in try db.query("SELECT target, count(*) FROM outbox WHERE state = 'pending' GROUP BY target", [], {
                ($0.text(0), $0.int(1))
            }) { counts[target] = count }
            return counts
        }
    }

    public func nextDue(target: String) throws -> Timestamp? {
        try locked {
            try db.scalarInt("SELECT min(not_before) FROM outbox WHERE target = ? AND state = 'pending'", [.text(target)])
                .map { Timestamp(seconds: $0) }
        }
    }

    public func markDelivered(_ ids: [Int64], at: Timestamp, remote: RemoteMessage?) throws {
        guard !ids.isEmpty else { return }
        try write {
            for id in ids {
                try db.run("UPDATE outbox SET state = 'delivered', done_at = ?2, last_error = NULL WHERE id = ?1",
                           [.integer(id), .integer(at.seconds)])
                guard let remote else { continue }
                // The first message that announced a story is the one later
                // edits refer to (Matrix m.replace, Telegram/Discord edits, thread roots).
                try db.run("""
                    INSERT OR IGNORE INTO remote_messages(target, story_id, remote_id, thread, at)
                    SELECT o.target, e.story_id, ?2, ?3, ?4 FROM outbox o JOIN events e ON e.id = o.event_id
                    WHERE o.id = ?1 AND e.story_id IS NOT NULL
                    """, [.integer(id), .text(remote.id), .optional(remote.thread), .integer(at.seconds)])
            }
        }
    }

    public func markSending(_ ids: [Int64], key: String) throws {
        guard !ids.isEmpty else { return }
        try write {
            for id in ids {
                try db.run("UPDATE outbox SET sent_key = ?2 WHERE id = ?1 AND state = 'pending' AND sent_key IS NOT ?2",
                           [.integer(id), .text(key)])
            }
        }
    }

    public func markRetry(_ id: Int64, attempts: Int, notBefore: Timestamp, error: String) throws {
        try write {
            try db.run("UPDATE outbox SET attempts = ?2, not_before = ?3, last_error = ?4 WHERE id = ?1 AND state = 'pending'",
                       [.integer(id), .int(attempts), .integer(notBefore.seconds), .text(error)])
        }
    }

    public func markDead(_ ids: [Int64], at: Timestamp, error: String) throws {
        try write {
            for id in ids {
                try db.run("UPDATE outbox SET state = 'dead', done_at = ?2, last_error = ?3 WHERE id = ?1 AND state = 'pending'",
                           [.integer(id), .integer(at.seconds), .text(error)])
            }
        }
    }

    public func remoteMessage(target: String, storyID: Int64) throws -> RemoteMessage? {
        try locked {
            try db.query("SELECT remote_id, thread FROM remote_messages WHERE target = ? AND story_id = ?",
                         [.text(target), .integer(storyID)]) { RemoteMessage(id: $0.text(0), thread: $0.optionalText(1)) }.first
        }
    }

    public func disabledReason(target: String) throws -> String? {
        try locked { try disabledReasonLocked(target) }
    }

    func disabledReasonLocked(_ target: String) throws -> String? {
        try db.scalarText("SELECT disabled_reason FROM targets WHERE name = ? AND disabled_at IS NOT NULL", [.text(target)])
    }

    public func disableTarget(_ target: String, reason: String, at: Timestamp) throws {
        try write {
            try db.run("""
                INSERT INTO targets(name, disabled_reason, disabled_at) VALUES (?1, ?2, ?3)
                ON CONFLICT(name) DO UPDATE SET disabled_reason = excluded.disabled_reason, disabled_at = excluded.disabled_at
                """, [.text(target), .text(reason), .integer(at.seconds)])
        }
    }

    public func enableTarget(_ target: String) throws {
        try write { try db.run("DELETE FROM targets WHERE name = ?", [.text(target)]) }
    }

    public func listMessages(target: String?, states: [OutboxState], limit: Int) throws -> [OutboxMessage] {
        try locked {
            var sql = "SELECT \(SQLiteStore.outboxColumns), \(SQLiteStore.eventColumns) FROM outbox o JOIN events e ON e.id = o.event_id WHERE 1 = 1"
            var values: [SQLiteValue] = []
            if let target {
                sql += " AND o.target = ?"
                values.append(.text(target))
            }
            if !states.isEmpty {
                sql += " AND o.state IN (\(Array(repeating: "?", count: states.count).joined(separator: ", ")))"
                values += states.map { .text($0.rawValue) }
            }
            sql += " ORDER BY o.id DESC LIMIT ?"
            values.append(.int(max(0, limit)))
            return try decodeMessages(sql, values)
        }
    }

    public func requeue(target: String?, ids: [Int64]?, now: Timestamp) throws -> Int {
        try write {
            let (filter, values) = SQLiteStore.outboxFilter(target: target, ids: ids, firstParameter: 2)
            return try db.run("""
                UPDATE outbox SET state = 'pending', attempts = 0, not_before = ?1, done_at = NULL
                WHERE state IN ('dead', 'pending') \(filter)
                """, [.integer(now.seconds)] + values)
        }
    }

    public func drop(target: String?, ids: [Int64]?, at: Timestamp) throws -> Int {
        try write {
            let (filter, values) = SQLiteStore.outboxFilter(target: target, ids: ids, firstParameter: 2)
            return try db.run("""
                UPDATE outbox SET state = 'dead', done_at = ?1, last_error = 'dropped by operator'
                WHERE state = 'pending' \(filter)
                """, [.integer(at.seconds)] + values)
        }
    }

    /// ` AND target = ? AND id IN (…)` with numbered parameters from `firstParameter`.
    static func outboxFilter(target: String?, ids: [Int64]?, firstParameter: Int) -> (String, [SQLiteValue]) {
        var sql = ""
        var values: [SQLiteValue] = []
        var n = firstParameter
        if let target {
            sql += " AND target = ?\(n)"
            values.append(.text(target))
            n += 1
        }
        if let ids {
            if ids.isEmpty { return (" AND 0", []) }
            let placeholders = ids.indices.map { "?\(n + $0)" }.joined(separator: ", ")
            sql += " AND id IN (\(placeholders))"
            values += ids.map { .integer($0) }
        }
        return (sql, values)
    }
}

/// `feedwire outbox list`: rows as a table for the terminal.
public enum OutboxListing {
    public static func format(_ messages: [OutboxMessage], now: Timestamp) -> String {
        guard !messages.isEmpty else { return "no messages" }
        var lines = ["ID\tTARGET\tSTATE\tATTEMPTS\tNEXT\tEVENT\tSTORY\tLAST ERROR"]
        for m in messages {
            let next: String
            if m.state == .pending {
                next = m.notBefore <= now ? "now" : "in " + duration(Double(m.notBefore - now))
            } else {
                next = "-"
            }
            let title = m.entry.map { TextLimit.prefix(StoryMessage.plainTitle($0.item.title, $0.item.titleType), characters: 60) }
                ?? m.event.message.map { TextLimit.prefix(TextLimit.singleLine($0), characters: 60) } ?? ""
            let error = m.lastError.map { TextLimit.prefix(TextLimit.singleLine($0), characters: 120) } ?? ""
            lines.append("\(m.id)\t\(m.target)\t\(m.state.rawValue)\t\(m.attempts)\t\(next)\t\(m.event.kind.rawValue) \(m.event.feed)\t\(title)\t\(error)")
        }
        return lines.joined(separator: "\n")
    }

    static func duration(_ s: Double) -> String {
        if s < 120 { return "\(Int(s)) s" }
        if s < 7_200 { return "\(Int(s / 60)) min" }
        return "\(Int(s / 3_600)) h"
    }
}

/// `feedwire outbox list|retry|drop` over any `DeliveryQueue`: the
/// commands' logic, kept here so it is tested without a database.
public enum OutboxAdmin {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Rows (pending and dead by default), newest first, and the disabled targets among `targets`.
    public static func list(_ outbox: DeliveryQueue, target: String?, ids: [Int64], states: [OutboxState], limit: Int,
                            targets: [String], now: Timestamp) throws -> String {
        var rows = try outbox.listMessages(target: target, states: states, limit: ids.isEmpty ? limit : Int.max / 2)
        if !ids.isEmpty { rows = rows.filter { ids.contains($0.id) } }
        var out = OutboxListing.format(rows, now: now)
        let counts = try outbox.pendingCounts()
        for name in (target.map { [$0] } ?? targets) {
            if let reason = try outbox.disabledReason(target: name) {
                out += "\nnotifier \(name) is disabled (\(reason)); \(counts[name] ?? 0) message(s) wait. "
                    + "Fix it in feeds.conf, then `feedwire outbox retry --target \(name)`."
            }
        }
        return out
    }

    /// Dead (and waiting) rows become pending now; the named target, or
    /// every disabled one among `targets` when none is named, is enabled again.
    public static func retry(_ outbox: DeliveryQueue, target: String?, ids: [Int64], targets: [String], now: Timestamp) throws -> String {
        let n = try outbox.requeue(target: target, ids: ids.isEmpty ? nil : ids, now: now)
        var lines = ["\(n) message(s) will be sent again" + (target.map { " to \($0)" } ?? "")]
        let toEnable = target.map { [$0] } ?? (ids.isEmpty ? targets : [])
        for name in toEnable where try outbox.disabledReason(target: name) != nil {
            try outbox.enableTarget(name)
            lines.append("notifier \(name) enabled again")
        }
        return lines.joined(separator: "\n")
    }

    /// Waiting rows become dead ("dropped by operator"). Refuses to drop
    /// everything without a target or ids.
    public static func drop(_ outbox: DeliveryQueue, target: String?, ids: [Int64], now: Timestamp) throws -> String {
        guard target != nil || !ids.isEmpty else {
            throw Failure(description: "outbox drop needs --target NAME or --id N: it will not drop every waiting message at once")
        }
        let n = try outbox.drop(target: target, ids: ids.isEmpty ? nil : ids, at: now)
        return "\(n) message(s) dropped" + (target.map { " for \($0)" } ?? "") + "; `feedwire outbox retry` can send them again"
    }
}

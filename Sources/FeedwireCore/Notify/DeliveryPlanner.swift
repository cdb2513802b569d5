/// Decides the next request for one target from its due outbox rows. Pure:
/// the remote messages it may edit come in through a closure.
///
/// - **Folding.** A pending `updated` for a story whose `new` is still
///   pending is folded into the `new`: one message, carrying the newest
///   text, covers both rows. Several pending updates of one story become
///   one update (the earliest previous title, the latest diffs).
/// - **Digests.** When more than `threshold` messages wait, the target
///   switches to digest mode until its queue is empty: each request is one
///   digest holding as many waiting messages as the service's limits allow.
/// - **Updates** go out as an in-place edit, a thread reply or a new message
///   marked "Updated", per the target's `edit` mode and what the service can do.
/// - **Replays.** Rows that were sent but whose answer was never recorded
///   (`sentKey`: the process died in flight, or the attempt failed) go out
///   first, exactly as they went before: the same rows under the same key.
///   Regrouping them with rows that arrived since would give the message a
///   new key, and a receiver that already has it could not drop the repeat.
public enum DeliveryPlanner {
    /// Digest keys start with this (`fw-d<first>-<last>-n<count>-<target>`);
    /// item keys are `fw-<item>-…`, other events `fw-e<event>-…`.
    static let digestKeyPrefix = "fw-d"

    /// One message-to-be: a story (with folded rows) or a health event.
    public struct Unit: Sendable, Equatable {
        public var rows: [OutboxMessage]
        public var kind: EventKind
        public var storyID: Int64?
        /// The row whose event and key the message is sent under.
        public var lead: OutboxMessage
        /// The newest entry among the rows.
        public var entry: StoryEntry?

        public var rowIDs: [Int64] { rows.map(\.id) }
    }

    /// Groups due rows (oldest first) into units, folding updates.
    public static func units(_ due: [OutboxMessage]) -> [Unit] {
        var units: [Unit] = []
        var byStory: [Int64: Int] = [:]
        for row in due.sorted(by: { $0.id < $1.id }) {
            let kind = row.event.kind
            let story = row.event.storyID ?? row.entry?.item.storyID
            if (kind == .new || kind == .updated), let story, let index = byStory[story] {
                var unit = units[index]
                unit.rows.append(row)
                if let e = row.entry { unit.entry = e }
                if unit.kind == .updated {
                    // Several updates: send under the newest one's key and diffs, keep the first previous title.
                    var event = row.event
                    if event.previousTitle == nil || unit.lead.event.previousTitle != nil {
                        event.previousTitle = unit.lead.event.previousTitle ?? event.previousTitle
                    }
                    var lead = row
                    lead.event = event
                    unit.lead = lead
                }
                units[index] = unit
                continue
            }
            let unit = Unit(rows: [row], kind: kind, storyID: story, lead: row, entry: row.entry)
            if (kind == .new || kind == .updated), let story { byStory[story] = units.count }
            units.append(unit)
        }
        return units
    }

    public struct Plan: Sendable, Equatable {
        public var delivery: PlannedDelivery?
        /// Whether the target is (still) in digest mode after this plan.
        public var digestMode: Bool
    }

    /// The next delivery for `target`.
    /// - Parameters:
    ///   - forcePost: rows whose in-place edit found nothing to edit: post them as new messages.
    ///   - remote: the message that announced a story to this target, if any.
    public static func plan(due: [OutboxMessage], target: String, threshold: Int, digestMode: Bool,
                            formatter: any ChatFormatter, endpoint: NotifierEndpoint,
                            forcePost: Set<Int64> = [], remote: (Int64) -> RemoteMessage?) -> Plan {
        if let delivery = replay(due: due, endpoint: endpoint, formatter: formatter, forcePost: forcePost, remote: remote) {
            return Plan(delivery: delivery, digestMode: digestMode)
        }
        let units = units(due)
        guard !units.isEmpty else { return Plan(delivery: nil, digestMode: false) }
        let digesting = digestMode || units.count > max(threshold, 1)
        if digesting && units.count > 1 {
            // Lines are built for a growing prefix only (32, 64, 128 …): a
            // burst of thousands costs what one full message holds, not more.
            var lines: [DigestLine] = []
            var n = 0
            var window = min(units.count, 32)
            while true {
                lines += units[lines.count..<window].map(digestLine)
                n = formatter.digestCapacity(lines, endpoint: endpoint)
                if n < lines.count || window == units.count { break }
                window = min(units.count, window * 2)
            }
            let chosen = Array(units.prefix(max(1, n)))
            let rows = chosen.flatMap(\.rows)
            let ids = rows.map(\.id)
            let key = "\(digestKeyPrefix)\(ids.min() ?? 0)-\(ids.max() ?? 0)-n\(ids.count)-\(target)"
            let delivery = PlannedDelivery(body: .digest(DigestMessage(lines: Array(lines.prefix(chosen.count)))), mode: .post,
                                           rowIDs: ids, attempts: rows.map(\.attempts), idempotencyKey: key, detectedAt: rows.map(\.event.at))
            return Plan(delivery: delivery, digestMode: true)
        }
        let unit = units[0]
        let body = MessageBody.make(unit.lead, entry: unit.entry)
        var mode = DeliveryMode.post
        if unit.kind == .updated, let story = unit.storyID, forcePost.isDisjoint(with: unit.rowIDs) {
            mode = updateMode(editMode: endpoint.editMode, formatter: formatter, remote: remote(story))
        }
        let delivery = PlannedDelivery(body: body, mode: mode, rowIDs: unit.rowIDs, attempts: unit.rows.map(\.attempts),
                                       idempotencyKey: unit.lead.idempotencyKey, storyID: unit.storyID, detectedAt: unit.rows.map(\.event.at))
        return Plan(delivery: delivery, digestMode: digesting && units.count > 1)
    }

    /// The message already sent under the oldest due row's `sentKey`, again:
    /// every due row sent under that key, as a digest when the key is a
    /// digest's, else as the one message it was. Nil when no due row was sent.
    static func replay(due: [OutboxMessage], endpoint: NotifierEndpoint, formatter: any ChatFormatter,
                       forcePost: Set<Int64>, remote: (Int64) -> RemoteMessage?) -> PlannedDelivery? {
        guard let key = due.sorted(by: { $0.id < $1.id }).first(where: { $0.sentKey != nil })?.sentKey else { return nil }
        let units = units(due.filter { $0.sentKey == key })
        guard let unit = units.first else { return nil }
        let rows = units.flatMap(\.rows)
        if key.hasPrefix(digestKeyPrefix) || units.count > 1 {
            return PlannedDelivery(body: .digest(DigestMessage(lines: units.map(digestLine))), mode: .post,
                                   rowIDs: rows.map(\.id), attempts: rows.map(\.attempts), idempotencyKey: key,
                                   detectedAt: rows.map(\.event.at))
        }
        var mode = DeliveryMode.post
        if unit.kind == .updated, let story = unit.storyID, forcePost.isDisjoint(with: unit.rowIDs) {
            mode = updateMode(editMode: endpoint.editMode, formatter: formatter, remote: remote(story))
        }
        return PlannedDelivery(body: MessageBody.make(unit.lead, entry: unit.entry), mode: mode, rowIDs: unit.rowIDs,
                               attempts: unit.rows.map(\.attempts), idempotencyKey: key, storyID: unit.storyID,
                               detectedAt: unit.rows.map(\.event.at))
    }

    /// How an update reaches a target that may have announced the story.
    public static func updateMode(editMode: EditMode, formatter: any ChatFormatter, remote: RemoteMessage?) -> DeliveryMode {
        // Google Chat threads by a key derived from the story: no remote needed.
        let threadWithoutRemote = formatter.type == .gchat
        switch editMode {
        case .new:
            return .post
        case .auto, .inPlace:
            if formatter.canEdit, let remote { return .edit(remote) }
            if formatter.canThread, remote != nil || threadWithoutRemote { return .reply(remote) }
            return .post
        case .thread:
            if formatter.canThread, remote != nil || threadWithoutRemote { return .reply(remote) }
            return .post
        }
    }

    static func digestLine(_ unit: Unit) -> DigestLine {
        if unit.kind.isHealth { return HealthMessage.make(unit.lead.event).digestLine(rowIDs: unit.rowIDs) }
        return StoryMessage.make(event: unit.lead.event, entry: unit.entry, withSummary: false).digestLine(rowIDs: unit.rowIDs)
    }
}

import FeedwireSQLite

/// Writing a reconcile result and fetch bookkeeping. Every function here
/// runs inside the caller's transaction.
extension SQLiteStore {
    /// Applies a reconcile result in one transaction: items, revisions,
    /// events, one outbox row per (event, target), and the feed's row.
    /// `targets[i]` are the notifier names for `result.events[i]`.
    public func apply(_ result: ReconcileResult, document: ParsedFeed? = nil, documentHash: Int64? = nil,
                      fetch: FetchRecord? = nil, targets: [[String]] = [], policy: TrackPolicy = TrackPolicy(),
                      healthRoute: (EventWithItem) -> [String] = { _ in [] }) throws -> RefreshOutcome {
        try write {
            try applyLocked(result, document: document, documentHash: documentHash, fetch: fetch, targets: targets,
                            policy: policy, healthRoute: healthRoute)
        }
    }

    /// Loads the whole reconcile input for a document, texts and story keys
    /// included (tests and tools; `refresh` loads lazily, reconciles and
    /// applies in one transaction).
    public func reconcileInput(feed: String, items: [PreparedItem], now: Timestamp, policy: TrackPolicy = TrackPolicy()) throws -> ReconcileInput {
        try locked { try loadInput(feedID: try feedID(feed), feed: feed, items: items, now: now, policy: policy, full: true) }
    }

    func applyLocked(_ result: ReconcileResult, document: ParsedFeed?, documentHash: Int64?, fetch: FetchRecord?,
                     targets: [[String]], policy: TrackPolicy,
                     healthRoute: (EventWithItem) -> [String]) throws -> RefreshOutcome {
        let now = result.now
        let feedID = result.feedID
        var outcome = RefreshOutcome(notes: result.notes, newItems: result.newItems.count, edits: result.edits.count,
                                     vanished: result.vanished.count, baseline: result.isBaseline)

        // New items: ids come after the AUTOINCREMENT high-water mark, so they are never reused.
        var newIDs: [Int64] = []
        if !result.newItems.isEmpty {
            var next = (try db.scalarInt("SELECT seq FROM sqlite_sequence WHERE name = 'items'") ?? 0) + 1
            let insertItem = try db.prepare("""
                INSERT INTO items(id, feed_id, story_id, guid, guid_key, link, link_key, link_is_story, url_guid_key,
                    title_key, title, title_type, summary, summary_type, content, content_type, published, updated,
                    first_seen, last_changed, revision, raw_fp, extra, date_clamped, present)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, 1,
                    ?20, ?21, ?22, 1)
                """)

            for item in result.newItems {
                let id = next
                next += 1
                newIDs.append(id)
                let p = item.prepared
                let s = insertItem
                try s.bind(id, at: 1)
                try s.bind(feedID, at: 2)
                try s.bind(item.storyID ?? id, at: 3)
                try s.bind(p.guid, at: 4)
                try s.bind(p.guidKey, at: 5)
                try s.bind(p.link, at: 6)
                try s.bind(p.linkKey, at: 7)
                try s.bind(p.linkIsStory, at: 8)
                try s.bind(p.urlGuidKey, at: 9)
                try s.bind(p.titleKey, at: 10)
                try s.bind(p.item.title ?? "", at: 11)
                try s.bind(SQLiteStore.code(p.item.titleType ?? .text), at: 12)
                try s.bind(p.item.summary, at: 13)
                try s.bind(SQLiteStore.code(p.item.summaryType ?? .html), at: 14)
                try s.bind(p.item.content, at: 15)
                try s.bind(SQLiteStore.code(p.item.contentType ?? .html), at: 16)
                try s.bind(item.published?.seconds, at: 17)
                try s.bind(item.updated?.seconds, at: 18)
                try s.bind(now.seconds, at: 19)
                try s.bind(p.rawFP, at: 20)
                try s.bind(ItemExtra.encode(authors: p.item.authors, categories: p.item.categories,
                                            enclosures: p.item.enclosures, image: p.item.image), at: 21)
                try s.bind(item.dateClamped, at: 22)
                try s.execute()
            }
        }

        for edit in result.edits {
            let p = edit.prepared
            try db.run("""
                UPDATE items SET guid = ?2, guid_key = ?3, link = ?4, link_key = ?5, link_is_story = ?6, url_guid_key = ?7,
                    title_key = ?8, title = ?9, title_type = ?10, summary = ?11, summary_type = ?12, content = ?13,
                    content_type = ?14, published = ?15, updated = ?16, last_changed = ?17, revision = ?18, raw_fp = ?19,
                    extra = ?20, date_clamped = ?21, present = 1, gone_at = NULL
                WHERE id = ?1
                """, [
                    .integer(edit.itemID), .optional(p.guid), .optional(p.guidKey), .optional(p.link), .optional(p.linkKey),
                    .bool(p.linkIsStory), .optional(p.urlGuidKey), .integer(p.titleKey), .text(p.item.title ?? ""),
                    .integer(SQLiteStore.code(p.item.titleType ?? .text)), .optional(p.item.summary),
                    .integer(SQLiteStore.code(p.item.summaryType ?? .html)), .optional(p.item.content),
                    .integer(SQLiteStore.code(p.item.contentType ?? .html)), .optional(edit.published?.seconds),
                    .optional(edit.updated?.seconds), .integer(now.seconds), .int(edit.revision), .integer(p.rawFP),
                    .optional(ItemExtra.encode(authors: p.item.authors, categories: p.item.categories,
                                               enclosures: p.item.enclosures, image: p.item.image)),
                    .bool(edit.dateClamped),
                ])
            // The superseded revision keeps its fingerprints (revision 1 gets its row now).
            try db.run("""
                INSERT INTO revisions(item_id, revision, seen_at, superseded_at, text_fp, story_text_key, title)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                ON CONFLICT(item_id, revision) DO UPDATE SET superseded_at = excluded.superseded_at,
                    text_fp = excluded.text_fp, story_text_key = excluded.story_text_key, title = excluded.title
                """, [.integer(edit.itemID), .int(edit.revision - 1), .integer(edit.record.firstSeen.seconds),
                      .integer(now.seconds), .integer(edit.previous.textFP), .integer(edit.previous.storyTextKey),
                      .text(FieldLimits.cut(edit.previous.title, to: 1_024))])
            let drifted = edit.identityChanged
            try insertRevision(itemID: edit.itemID, revision: edit.revision, seenAt: now, fields: edit.changedFields,
                               titleDiff: edit.titleDiff, textDiff: edit.textDiff, guid: drifted ? p.guid : nil,
                               link: drifted ? p.link : nil, announced: edit.announced)
            if policy.keepRevisions > 0 {
                try db.run("DELETE FROM revisions WHERE item_id = ?1 AND revision <= ?2",
                           [.integer(edit.itemID), .int(edit.revision - policy.keepRevisions)])
            }
        }

        for change in result.identityChanges {
            try db.run("""
                UPDATE items SET guid = ?2, guid_key = ?3, link = ?4, link_key = ?5, url_guid_key = ?6 WHERE id = ?1
                """, [.integer(change.itemID), .optional(change.guid), .optional(change.guidKey), .optional(change.link),
                      .optional(change.linkKey), .optional(change.urlGuidKey)])
        }
        for id in result.reappeared {
            try db.run("UPDATE items SET present = 1, gone_at = NULL WHERE id = ?", [.integer(id)])
        }
        for id in result.vanished {
            try db.run("UPDATE items SET present = 0, gone_at = ? WHERE id = ?", [.integer(now.seconds), .integer(id)])
        }

        // Events and their outbox rows.
        for (index, planned) in result.events.enumerated() {
            var event = planned.event
            var record = planned.record
            if case let .new(n) = planned.item {
                let id = newIDs[n]
                let story = result.newItems[n].storyID ?? id
                event.itemID = id
                event.storyID = story
                record?.id = id
                record?.storyID = story
            }
            let saved = try insertEvent(event)
            outcome.events.append(saved)
            let entry = record.map { StoryEntry(item: $0, sources: []) }
            let names = index < targets.count ? targets[index] : []
            outcome.outboxRows += try insertOutbox(saved, targets: names, now: now, entry: entry)
        }

        try updateFeedAfterRefresh(result, feedID: feedID, document: document, documentHash: documentHash)
        if let fetch {
            for event in try recordFetchLocked(feedID: feedID, feed: result.feed, fetch) {
                let saved = try insertEvent(event)
                outcome.events.append(saved)
                outcome.outboxRows += try insertOutbox(saved, targets: healthRoute(EventWithItem(event: saved, entry: nil)), now: now)
            }
        }
        if !(result.newItems.isEmpty && result.edits.isEmpty && result.vanished.isEmpty && result.reappeared.isEmpty
            && result.identityChanges.isEmpty) {
            try bumpContentVersion()
        }
        return outcome
    }

    /// A new current revision (its text fingerprints are filled in when it is superseded).
    func insertRevision(itemID: Int64, revision: Int, seenAt: Timestamp, fields: [ItemField], titleDiff: TextDiff?,
                        textDiff: TextDiff?, guid: String?, link: String?, announced: Bool) throws {
        let s = try db.prepare("""
            INSERT OR REPLACE INTO revisions(item_id, revision, seen_at, fields, title_diff, text_diff, guid, link, announced)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """)
        try s.bind(itemID, at: 1)
        try s.bind(revision, at: 2)
        try s.bind(seenAt.seconds, at: 3)
        try s.bind(SQLiteStore.fieldBits(fields), at: 4)
        try s.bind(titleDiff.map { $0.json.serialized }, at: 5)
        try s.bind(textDiff.map { $0.json.serialized }, at: 6)
        try s.bind(guid, at: 7)
        try s.bind(link, at: 8)
        try s.bind(announced, at: 9)
        try s.execute()
    }

    /// The feed row after a reconciled document: hash, baseline, notes,
    /// GUID stability, title/link, publishing statistics.
    func updateFeedAfterRefresh(_ result: ReconcileResult, feedID: Int64, document: ParsedFeed?, documentHash: Int64?) throws {
        let now = result.now
        var notedBits = 0
        for note in result.notes { notedBits |= note.kind.rawValue }
        var newCount = 0
        var lastNew: Int64?
        var gap: Double?
        if result.isBaseline {
            // The baseline says how often the feed publishes: the mean gap of its dates.
            let dates = result.newItems.compactMap { $0.published?.seconds }.sorted()
            if dates.count >= 2 { gap = Double(dates[dates.count - 1] - dates[0]) / Double(dates.count - 1) }
            lastNew = dates.last ?? now.seconds
        } else if !result.newItems.isEmpty {
            newCount = result.newItems.count
            lastNew = now.seconds
        }
        try db.run("""
            UPDATE feeds SET
                doc_hash = COALESCE(?2, doc_hash),
                baseline_at = COALESCE(baseline_at, ?3),
                noted = noted | ?4,
                guid_unstable = guid_unstable | ?5,
                title = COALESCE(?6, title),
                link = COALESCE(?7, link),
                new_items = new_items + ?8,
                mean_gap = CASE
                    WHEN ?9 IS NOT NULL THEN ?9
                    WHEN ?8 > 0 AND last_new_at IS NOT NULL AND ?10 > last_new_at THEN
                        CASE WHEN mean_gap IS NULL THEN (?10 - last_new_at) * 1.0 / ?8
                             ELSE 0.7 * mean_gap + 0.3 * ((?10 - last_new_at) * 1.0 / ?8) END
                    ELSE mean_gap END,
                last_new_at = COALESCE(?10, last_new_at)
            WHERE id = ?1 AND ((?2 IS NOT NULL AND doc_hash IS NOT ?2) OR baseline_at IS NULL OR (noted | ?4) != noted
                OR (?5 AND guid_unstable = 0) OR (?6 IS NOT NULL AND title IS NOT ?6) OR (?7 IS NOT NULL AND link IS NOT ?7)
                OR ?8 > 0 OR ?9 IS NOT NULL)
            """, [
                .integer(feedID), .optional(documentHash), .integer(now.seconds), .int(notedBits),
                .bool(result.markGuidUnstable), .optional(document?.title), .optional(document?.link), .int(newCount),
                gap.map { .real($0) } ?? .null, .optional(lastNew),
            ])
    }

    /// Fetch bookkeeping and the health events it implies (not yet stored).
    func recordFetchLocked(feedID: Int64, feed: String, _ record: FetchRecord) throws -> [ChangeEvent] {
        let row = try db.query("SELECT url, disabled, consecutive_errors FROM feeds WHERE id = ?", [.integer(feedID)]) {
            ($0.text(0), $0.bool(1), $0.int(2))
        }.first
        guard let (url, disabled, errors) = row else { throw StoreError.unknownFeed(feed) }
        var events: [ChangeEvent] = []
        let at = record.at
        var consecutive = errors
        if record.outcome.isSuccess {
            if record.failingAfter > 0, errors >= record.failingAfter {
                events.append(ChangeEvent(kind: .feedRecovered, at: at, feed: feed,
                                          message: "feed \(feed) answers again after \(errors) failed fetches"))
            }
            consecutive = 0
        } else {
            consecutive += 1
            if record.failingAfter > 0, consecutive == record.failingAfter, record.outcome != .gone {
                events.append(ChangeEvent(kind: .feedFailing, at: at, feed: feed,
                                          message: "feed \(feed) failed \(consecutive) times in a row: \(record.error ?? record.outcome.rawValue)"))
            }
        }
        var newURL = url
        if let moved = record.movedTo, moved != url {
            newURL = moved
            events.append(ChangeEvent(kind: .feedMoved, at: at, feed: feed,
                                      message: "feed \(feed) moved permanently to \(moved); update its url in feeds.conf",
                                      fromURL: url, toURL: moved))
        }
        var nowDisabled = disabled
        var reason: String?
        if record.outcome == .gone, !disabled {
            nowDisabled = true
            reason = "410 Gone at \(at.rfc3339): the publisher removed the feed"
            events.append(ChangeEvent(kind: .feedDisabled, at: at, feed: feed,
                                      message: "feed \(feed) answered 410 Gone and is no longer polled; "
                                          + "remove it from feeds.conf or change its url"))
        }
        try db.run("""
            UPDATE feeds SET url = ?2, last_fetch = ?3, last_success = CASE WHEN ?4 THEN ?3 ELSE last_success END,
                last_outcome = ?5, last_status = ?6, last_error = ?7, consecutive_errors = ?8,
                next_due = COALESCE(?9, next_due), disabled = ?10, disabled_reason = COALESCE(?11, disabled_reason),
                etag = CASE WHEN ?12 THEN ?13 ELSE etag END,
                last_modified = CASE WHEN ?12 THEN ?14 ELSE last_modified END
            WHERE id = ?1
            """, [
                .integer(feedID), .text(newURL), .integer(at.seconds), .bool(record.outcome.isSuccess),
                .text(record.outcome.rawValue), .optional(record.httpStatus.map { Int64($0) }),
                .optional(record.outcome.isSuccess ? nil : record.error), .int(consecutive),
                .optional(record.nextDue?.seconds), .bool(nowDisabled), .optional(reason),
                .bool(record.validators != nil), .optional(record.validators?.etag), .optional(record.validators?.lastModified),
            ])
        return events
    }

    /// Stores an event; returns it with its id.
    func insertEvent(_ event: ChangeEvent) throws -> ChangeEvent {
        let s = try db.prepare("""
            INSERT INTO events(kind, at, feed, item_id, story_id, revision, fields, previous_title, title_diff, text_diff,
                message, from_url, to_url)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
            """)
        try s.bind(event.kind.rawValue, at: 1)
        try s.bind(event.at.seconds, at: 2)
        try s.bind(event.feed, at: 3)
        try s.bind(event.itemID, at: 4)
        try s.bind(event.storyID, at: 5)
        try s.bind(event.revision.map { Int64($0) }, at: 6)
        try s.bind(SQLiteStore.fieldBits(event.changedFields), at: 7)
        try s.bind(event.previousTitle, at: 8)
        try s.bind(event.titleDiff.map { $0.json.serialized }, at: 9)
        try s.bind(event.textDiff.map { $0.json.serialized }, at: 10)
        try s.bind(event.message, at: 11)
        try s.bind(event.fromURL, at: 12)
        try s.bind(event.toURL, at: 13)
        try s.execute()
        var saved = event
        saved.id = db.lastInsertRowID
        return saved
    }

    /// One pending outbox row per target (a duplicate idempotency key is
    /// ignored: that notification is already queued). Returns rows written.
    @discardableResult
    func insertOutbox(_ event: ChangeEvent, targets: [String], now: Timestamp, entry: StoryEntry? = nil) throws -> Int {
        guard !targets.isEmpty else { return 0 }
        var written = 0
        for target in Set(targets).sorted() {
            written += try db.run("""
                INSERT OR IGNORE INTO outbox(event_id, target, state, attempts, not_before, created_at, idempotency_key)
                VALUES (?1, ?2, 'pending', 0, ?3, ?3, ?4)
                """, [.integer(event.id), .text(target), .integer(now.seconds),
                      .text(OutboxMessage.idempotencyKey(event: event, target: target))])
        }
        return written
    }

    static func fieldBits(_ fields: [ItemField]) -> Int64 {
        var bits: Int64 = 0
        for field in fields {
            switch field {
            case .title: bits |= 1
            case .summary: bits |= 2
            case .content: bits |= 4
            }
        }
        return bits
    }

    static func fields(_ bits: Int64) -> [ItemField] {
        var fields: [ItemField] = []
        if bits & 1 != 0 { fields.append(.title) }
        if bits & 2 != 0 { fields.append(.summary) }
        if bits & 4 != 0 { fields.append(.content) }
        return fields
    }
}

import FeedwireSQLite

/// `StoryReader`: what outputs read. Cross-feed copies (items sharing a
/// `story_id`) become one entry; the entry's item is the first-seen item of
/// the story present in a selected feed, and `sources` lists every selected
/// feed carrying the story, that item's feed first.
extension SQLiteStore: StoryReader {
    public func stories(_ query: StoryQuery) throws -> [StoryEntry] {
        if let feeds = query.feeds, feeds.isEmpty { return [] }
        return try locked {
            let (sql, values) = SQLiteStore.storiesSQL(query)
            let records = try db.query(sql, values, SQLiteStore.decodeRecord)
            return try records.map { record in
                StoryEntry(item: record, sources: try sourcesLocked(story: record.storyID, first: record, feeds: query.feeds))
            }
        }
    }

    /// The statement behind `stories`. Its sort expressions must stay
    /// identical to the output order indexes of schema v2
    /// (`items_published_order`, `items_changed_order`), or SQLite sorts
    /// every present item again on each publish.
    static func storiesSQL(_ query: StoryQuery) -> (String, [SQLiteValue]) {
        let (feedFilterI, feedValues) = feedFilter("f", query.feeds)
        let (feedFilterJ, _) = feedFilter("g", query.feeds)
        let sortKey = query.sort == .changed ? "i.last_changed" : "COALESCE(i.published, i.first_seen)"
        var values: [SQLiteValue] = feedValues + feedValues
        var sql = """
            SELECT \(itemColumns) FROM items i JOIN feeds f ON f.id = i.feed_id
            WHERE i.present = 1 \(feedFilterI)
              AND i.id = (SELECT min(j.id) FROM items j JOIN feeds g ON g.id = j.feed_id
                          WHERE j.story_id = i.story_id AND j.present = 1 \(feedFilterJ))
            """
        if let notBefore = query.notBefore {
            sql += " AND \(sortKey) >= ?"
            values.append(.integer(notBefore.seconds))
        }
        sql += " ORDER BY \(sortKey) DESC, i.id DESC LIMIT ?"
        values.append(.int(max(0, query.limit)))
        return (sql, values)
    }

    public func events(afterID: Int64, limit: Int) throws -> [EventWithItem] {
        try locked {
            let events = try db.query("SELECT \(SQLiteStore.eventColumns) FROM events e WHERE e.id > ? ORDER BY e.id LIMIT ?",
                                      [.integer(afterID), .int(max(0, limit))], SQLiteStore.decodeEvent)
            return try events.map { EventWithItem(event: $0, entry: try entryLocked(itemID: $0.itemID)) }
        }
    }

    public func recentEvents(kinds: [EventKind], feeds: [String]?, limit: Int) throws -> [EventWithItem] {
        if let feeds, feeds.isEmpty { return [] }
        return try locked {
            var sql = "SELECT \(SQLiteStore.eventColumns) FROM events e WHERE 1 = 1"
            var values: [SQLiteValue] = []
            if !kinds.isEmpty {
                sql += " AND e.kind IN (\(Array(repeating: "?", count: kinds.count).joined(separator: ", ")))"
                values += kinds.map { .text($0.rawValue) }
            }
            if let feeds {
                sql += " AND e.feed IN (\(Array(repeating: "?", count: feeds.count).joined(separator: ", ")))"
                values += feeds.map { .text($0) }
            }
            sql += " ORDER BY e.id DESC LIMIT ?"
            values.append(.int(max(0, limit)))
            let events = try db.query(sql, values, SQLiteStore.decodeEvent)
            return try events.map { EventWithItem(event: $0, entry: try entryLocked(itemID: $0.itemID)) }
        }
    }

    public func contentVersion() throws -> Int64 {
        try locked { try db.scalarInt("SELECT value FROM meta WHERE key = 'content_version'") ?? 0 }
    }

    // MARK: Helpers (called with the mutex held)

    /// ` AND alias.name IN (?, …)` and its values; for "every feed", every
    /// feed of the current configuration (`syncFeeds`), so that a feed removed
    /// from feeds.conf leaves the outputs while its state is kept.
    static func feedFilter(_ alias: String, _ feeds: [String]?) -> (String, [SQLiteValue]) {
        guard let feeds else { return (" AND \(alias).configured = 1", []) }
        return (" AND \(alias).name IN (\(Array(repeating: "?", count: feeds.count).joined(separator: ", ")))",
                feeds.map { .text($0) })
    }

    /// Feeds carrying a story (present items), `first`'s feed first.
    func sourcesLocked(story: Int64, first: ItemRecord, feeds: [String]?) throws -> [StorySource] {
        let (filter, values) = SQLiteStore.feedFilter("f", feeds)
        let rows = try db.query("""
            SELECT f.name, f.title, f.url, f.link, i.link, i.id FROM items i JOIN feeds f ON f.id = i.feed_id
            WHERE i.story_id = ? AND i.present = 1 \(filter) ORDER BY i.id
            """, [.integer(story)] + values) {
            (StorySource(feed: $0.text(0), feedTitle: $0.optionalText(1), feedURL: $0.text(2), feedLink: $0.optionalText(3),
                         itemLink: $0.optionalText(4)), $0.int64(5))
        }
        var sources: [StorySource] = []
        if let own = rows.first(where: { $0.1 == first.id })?.0 {
            sources.append(own)
        } else if let own = try db.query("SELECT name, title, url, link FROM feeds WHERE name = ?", [.text(first.feed)], {
            StorySource(feed: $0.text(0), feedTitle: $0.optionalText(1), feedURL: $0.text(2), feedLink: $0.optionalText(3),
                        itemLink: first.link)
        }).first {
            sources.append(own)
        }
        for (source, _) in rows where !sources.contains(where: { $0.feed == source.feed }) { sources.append(source) }
        return sources
    }

    /// The story entry for an item (its current state and every feed carrying its story).
    func entryLocked(itemID: Int64?) throws -> StoryEntry? {
        guard let itemID else { return nil }
        guard let record = try db.query(
            "SELECT \(SQLiteStore.itemColumns) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.id = ?",
            [.integer(itemID)], SQLiteStore.decodeRecord).first else { return nil }
        return StoryEntry(item: record, sources: try sourcesLocked(story: record.storyID, first: record, feeds: nil))
    }

    static let eventColumns = """
        e.id, e.kind, e.at, e.feed, e.item_id, e.story_id, e.revision, e.fields, e.previous_title, e.title_diff,
        e.text_diff, e.message, e.from_url, e.to_url
        """

    static func decodeEvent(_ s: Statement, offset: Int32) -> ChangeEvent {
        func diff(_ column: Int32) -> TextDiff? {
            s.optionalText(column).flatMap { try? JSONValue.parse($0) }.flatMap(TextDiff.init(json:))
        }
        return ChangeEvent(
            id: s.int64(offset), kind: EventKind(rawValue: s.text(offset + 1)) ?? .new,
            at: Timestamp(seconds: s.int64(offset + 2)), feed: s.text(offset + 3), itemID: s.optionalInt64(offset + 4),
            storyID: s.optionalInt64(offset + 5), revision: s.optionalInt64(offset + 6).map { Int($0) },
            changedFields: fields(s.int64(offset + 7)), previousTitle: s.optionalText(offset + 8),
            titleDiff: diff(offset + 9), textDiff: diff(offset + 10), message: s.optionalText(offset + 11),
            fromURL: s.optionalText(offset + 12), toURL: s.optionalText(offset + 13))
    }

    static func decodeEvent(_ s: Statement) -> ChangeEvent { decodeEvent(s, offset: 0) }
}

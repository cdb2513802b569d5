import FeedwireSQLite

/// Retention in small batches, and the item history `feedwire history` shows.
extension SQLiteStore {
    /// One batch, in its own short IMMEDIATE transaction:
    /// 1. tombstones that vanished more than `keepItems` ago are deleted with
    ///    their revisions (FK cascade), their events and those events'
    ///    outbox rows — present items are never pruned (they would come back as new);
    /// 2. feed-level events older than `keepItems` with no pending delivery;
    /// 3. revisions beyond the newest `keepRevisions` of an item (normally
    ///    pruned as new revisions are written; this catches a lowered setting).
    /// `moreWork` says a limit was hit: call again (after letting polls run).
    public func pruneBatch(_ policy: RetentionPolicy, now: Timestamp) throws -> RetentionReport {
        let cutoff = now.seconds - Int64(policy.keepItems)
        let batch = max(1, policy.batchSize)
        return try write {
            var report = RetentionReport()
            let ids = try db.query("SELECT id FROM items WHERE present = 0 AND gone_at < ? ORDER BY gone_at LIMIT ?",
                                   [.integer(cutoff), .int(batch)]) { $0.int64(0) }
            if !ids.isEmpty {
                let list = ids.map(String.init).joined(separator: ",")  // integers from our own query
                report.eventsDeleted += try db.run("DELETE FROM events WHERE item_id IN (\(list))")
                report.revisionsDeleted += Int(try db.scalarInt("SELECT count(*) FROM revisions WHERE item_id IN (\(list))") ?? 0)
                report.itemsDeleted = try db.run("DELETE FROM items WHERE id IN (\(list))")
                try bumpContentVersion()
            }
            let feedEvents = try db.run("""
                DELETE FROM events WHERE id IN (
                    SELECT e.id FROM events e WHERE e.item_id IS NULL AND e.at < ?1
                    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.id AND o.state = 'pending') LIMIT ?2)
                """, [.integer(cutoff), .int(batch)])
            report.eventsDeleted += feedEvents
            let keep = max(1, policy.keepRevisions)
            let revisions = try db.run("""
                DELETE FROM revisions WHERE (item_id, revision) IN (
                    SELECT r.item_id, r.revision FROM revisions r JOIN items i ON i.id = r.item_id
                    WHERE r.revision <= i.revision - ?1 LIMIT ?2)
                """, [.int(keep), .int(batch)])
            report.revisionsDeleted += revisions
            report.moreWork = ids.count == batch || feedEvents == batch || revisions == batch
            return report
        }
    }

    public func item(id: Int64) throws -> ItemRecord? {
        try locked {
            try db.query("SELECT \(SQLiteStore.itemColumns) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.id = ?",
                         [.integer(id)], SQLiteStore.decodeRecord).first
        }
    }

    public func items(matching reference: String) throws -> [ItemRecord] {
        let trimmed = PreparedItem.trim(reference)
        let canonical = Fingerprint.url(URLCanonicalizer.canonical(trimmed))
        let guid = Fingerprint.of(trimmed)
        return try locked {
            let byURL = try db.query("""
                SELECT \(SQLiteStore.itemColumns) FROM items i JOIN feeds f ON f.id = i.feed_id
                WHERE i.link_key = ?1 OR i.url_guid_key = ?1 ORDER BY i.id DESC
                """, [.integer(canonical)], SQLiteStore.decodeRecord)
            if !byURL.isEmpty { return byURL }
            // GUIDs are indexed per feed: look in each feed.
            return try db.query("""
                SELECT \(SQLiteStore.itemColumns) FROM feeds f JOIN items i ON i.feed_id = f.id
                WHERE i.guid_key = ?1 ORDER BY i.id DESC
                """, [.integer(guid)], SQLiteStore.decodeRecord)
        }
    }

    public func revisions(itemID: Int64) throws -> [RevisionRecord] {
        guard let item = try item(id: itemID) else { return [] }
        let current = TextNormalizer.normalize(item.title, type: item.titleType)
        return try locked {
            var revisions = try db.query("""
                SELECT item_id, revision, seen_at, superseded_at, title, fields, title_diff, text_diff, guid, link, announced
                FROM revisions WHERE item_id = ? ORDER BY revision
                """, [.integer(itemID)]) { s in
                func diff(_ column: Int32) -> TextDiff? {
                    s.optionalText(column).flatMap { try? JSONValue.parse($0) }.flatMap(TextDiff.init(json:))
                }
                return RevisionRecord(
                    itemID: s.int64(0), revision: s.int(1), seenAt: Timestamp(seconds: s.int64(2)), supersededAt: s.timestamp(3),
                    title: s.optionalText(4), changedFields: SQLiteStore.fields(s.int64(5)), titleDiff: diff(6),
                    textDiff: diff(7), guid: s.optionalText(8), link: s.optionalText(9), announced: s.bool(10))
            }
            // Revision 1 has a row only once superseded: until then it is the item as first seen.
            if item.revision == 1, revisions.isEmpty {
                revisions = [RevisionRecord(itemID: itemID, revision: 1, seenAt: item.firstSeen)]
            }
            // The current revision's title is the item's.
            if let last = revisions.indices.last, revisions[last].title == nil { revisions[last].title = current }
            return revisions
        }
    }
}

extension SQLiteStore {
    /// A feed's items, oldest first (tests, tools).
    public func feedItems(_ feed: String, includeTombstones: Bool = false) throws -> [ItemRecord] {
        try locked {
            try db.query("""
                SELECT \(SQLiteStore.itemColumns) FROM items i JOIN feeds f ON f.id = i.feed_id
                WHERE f.name = ? \(includeTombstones ? "" : "AND i.present = 1") ORDER BY i.id
                """, [.text(feed)], SQLiteStore.decodeRecord)
        }
    }

    /// Row counts of the main tables (tests, benchmark).
    public func tableCounts() throws -> [String: Int] {
        try locked {
            var counts: [String: Int] = [:]
            for table in ["feeds", "items", "revisions", "events", "outbox"] {
                counts[table] = Int(try db.scalarInt("SELECT count(*) FROM \(table)") ?? 0)
            }
            return counts
        }
    }
}

import FeedwireSQLite

/// Reading items: the columns every item query selects, and their decoding.
extension SQLiteStore {
    /// Columns 0–18 build an `ItemRecord`; 19–25 are keys and the raw fingerprint.
    static let itemColumns = """
        i.id, i.story_id, f.name, i.guid, i.link, i.title, i.title_type, i.summary, i.summary_type, i.content,
        i.content_type, i.published, i.updated, i.first_seen, i.last_changed, i.revision, i.extra, i.date_clamped,
        i.present, i.guid_key, i.link_key, i.url_guid_key, i.title_key, i.raw_fp, i.gone_at, i.link_is_story
        """

    static func decodeRecord(_ s: Statement) -> ItemRecord {
        var record = ItemRecord(
            id: s.int64(0), storyID: s.int64(1), feed: s.text(2), guid: s.optionalText(3), link: s.optionalText(4),
            title: s.text(5), titleType: textType(s.int(6)), summary: s.optionalText(7), summaryType: textType(s.int(8)),
            content: s.optionalText(9), contentType: textType(s.int(10)), published: s.timestamp(11),
            updated: s.timestamp(12), firstSeen: Timestamp(seconds: s.int64(13)), lastChanged: Timestamp(seconds: s.int64(14)),
            revision: s.int(15), dateClamped: s.bool(17), present: s.bool(18))
        if let extra = s.optionalText(16) { ItemExtra.decode(extra, into: &record) }
        return record
    }

    static func decodeStored(_ s: Statement) -> StoredItem {
        StoredItem(
            record: decodeRecord(s), guidKey: s.optionalInt64(19), linkKey: s.optionalInt64(20),
            urlGuidKey: s.optionalInt64(21), titleKey: s.int64(22), rawFP: s.int64(23), goneAt: s.timestamp(24))
    }

    /// Tombstones of one feed by key column (statements built once).
    static let tombstoneQueries: [String: String] = Dictionary(uniqueKeysWithValues: ["title_key", "guid_key", "link_key"].map {
        ($0, "SELECT \(itemColumns) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.\($0) = ? AND i.feed_id = ? AND i.present = 0")
    })

    static let storyKeyChunk = 16

    static let storyCandidateQuery: String = {
        let list = (1...storyKeyChunk).map { "?\($0)" }.joined(separator: ", ")
        return """
            SELECT i.id, i.story_id, f.name, i.link_key, i.url_guid_key, i.link_is_story FROM items i
            JOIN feeds f ON f.id = i.feed_id
            WHERE (i.link_key IN (\(list)) OR i.url_guid_key IN (\(list))) AND i.feed_id != ?\(storyKeyChunk + 1)
            """
    }()

    static func textType(_ code: Int) -> TextType { code == 1 ? .html : .text }
    static func code(_ type: TextType) -> Int64 { type == .html ? 1 : 0 }

    /// `itemColumns` with summary, content and extras left out (NULL): the
    /// same positions, so `decodeStored` reads both.
    static let lightItemColumns = """
        i.id, i.story_id, f.name, i.guid, i.link, i.title, i.title_type, NULL, i.summary_type, NULL,
        i.content_type, i.published, i.updated, i.first_seen, i.last_changed, i.revision, NULL, i.date_clamped,
        i.present, i.guid_key, i.link_key, i.url_guid_key, i.title_key, i.raw_fp, i.gone_at, i.link_is_story
        """

    static let itemByID = "SELECT \(itemColumns) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.id = ?"

    /// Loads what `Reconciler` reads for one feed and one document.
    ///
    /// Present items whose raw text the document repeats under the same GUID
    /// or link are loaded without their text (nothing will be compared);
    /// story text keys are not loaded. `complete` adds whatever a
    /// reconcile run reports missing; with `full` everything is loaded at once.
    func loadInput(feedID: Int64, feed: String, items: [PreparedItem], now: Timestamp, policy: TrackPolicy,
                   full: Bool = false) throws -> ReconcileInput {
        let state = try db.query("SELECT baseline_at, guid_unstable, noted FROM feeds WHERE id = ?", [.integer(feedID)]) {
            FeedTrackState(feedID: feedID, name: feed, baselineAt: $0.timestamp(0), guidUnstable: $0.bool(1), notedKinds: $0.int(2))
        }.first ?? FeedTrackState(feedID: feedID, name: feed)

        var stored = try db.query(
            "SELECT \(SQLiteStore.lightItemColumns) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.feed_id = ? AND i.present = 1",
            [.integer(feedID)]) { s -> StoredItem in
            var item = SQLiteStore.decodeStored(s)
            item.textLoaded = false
            return item
        }
        // Raw text repeated under the same GUID or link: no text needed.
        struct RawKey: Hashable { var isGuid: Bool, key: Int64, raw: Int64 }
        var repeated = Set<RawKey>()
        for item in items {
            if let g = item.guidKey { repeated.insert(RawKey(isGuid: true, key: g, raw: item.rawFP)) }
            if let l = item.linkKey { repeated.insert(RawKey(isGuid: false, key: l, raw: item.rawFP)) }
        }
        for index in stored.indices {
            let st = stored[index]
            let same = (st.guidKey.map { repeated.contains(RawKey(isGuid: true, key: $0, raw: st.rawFP)) } ?? false)
                || (st.linkKey.map { repeated.contains(RawKey(isGuid: false, key: $0, raw: st.rawFP)) } ?? false)
            if full || !same { try loadText(&stored[index]) }
        }
        var seen = Set(stored.map(\.id))
        let presentGuids = Set(stored.compactMap(\.guidKey))
        let presentLinks = Set(stored.compactMap(\.linkKey))

        // Items not found among present ones by GUID or link: tombstones sharing
        // a key (identity and drift rungs) and other feeds' items sharing a story key.
        var storyCandidates: [StoryCandidate] = []
        var candidateIDs = Set<Int64>()
        var storyKeys: [Int64] = []
        var feedHasItems = !stored.isEmpty
        if !feedHasItems {
            feedHasItems = try db.scalarInt("SELECT 1 FROM items WHERE feed_id = ? LIMIT 1", [.integer(feedID)]) != nil
        }
        for item in items {
            let known = (item.guidKey.map(presentGuids.contains) ?? false) || (item.linkKey.map(presentLinks.contains) ?? false)
            if known { continue }
            if feedHasItems {
                var lookups: [(String, Int64)] = [("title_key", item.titleKey)]
                if let g = item.guidKey { lookups.append(("guid_key", g)) }
                if let l = item.linkKey { lookups.append(("link_key", l)) }
                for (column, key) in lookups {
                    let found = try db.query(SQLiteStore.tombstoneQueries[column]!, [.integer(key), .integer(feedID)],
                                             SQLiteStore.decodeStored)
                    for s in found where !seen.contains(s.id) {
                        seen.insert(s.id)
                        stored.append(s)
                    }
                }
            }
            storyKeys.append(contentsOf: item.storyKeys)
        }
        // Other feeds' items sharing a story key, 16 keys per statement
        // (SQLite's multi-index OR over the two key indexes).
        var offset = 0
        let unique = Array(Set(storyKeys)).sorted()
        while offset < unique.count {
            var chunk = Array(unique[offset..<min(unique.count, offset + SQLiteStore.storyKeyChunk)])
            offset += chunk.count
            while chunk.count < SQLiteStore.storyKeyChunk { chunk.append(chunk[0]) }
            let found = try db.query(SQLiteStore.storyCandidateQuery, chunk.map { .integer($0) } + [.integer(feedID)]) {
                StoryCandidate(itemID: $0.int64(0), storyID: $0.int64(1), feed: $0.text(2),
                               linkKey: $0.optionalInt64(3), urlGuidKey: $0.optionalInt64(4), linkIsStory: $0.bool(5))
            }
            for c in found where !candidateIDs.contains(c.itemID) {
                candidateIDs.insert(c.itemID)
                storyCandidates.append(c)
            }
        }

        guard !stored.isEmpty else { return ReconcileInput(feed: state, stored: [], storyCandidates: storyCandidates) }

        // Flap check: revisions superseded within the window.
        var recent: [Int64: [PastRevision]] = [:]
        let revisions = try db.query("""
            SELECT r.item_id, r.revision, r.text_fp, r.superseded_at FROM revisions r JOIN items i ON i.id = r.item_id
            WHERE r.superseded_at >= ? AND i.feed_id = ? AND r.text_fp IS NOT NULL
            """, [.integer(now.seconds - policy.flapWindow), .integer(feedID)]) {
            ($0.int64(0), PastRevision(revision: $0.int(1), textFP: $0.int64(2), supersededAt: Timestamp(seconds: $0.int64(3))))
        }
        for (item, revision) in revisions { recent[item, default: []].append(revision) }

        // Stories with several items: their sizes (their texts only when needed).
        let shared = try db.query("""
            SELECT story_id, count(*) FROM items WHERE story_id IN (SELECT story_id FROM items WHERE feed_id = ?)
            GROUP BY story_id HAVING count(*) > 1
            """, [.integer(feedID)]) { ($0.int64(0), $0.int(1)) }
        var storySizes: [Int64: Int] = [:]
        for (story, size) in shared { storySizes[story] = size }
        for index in stored.indices {
            stored[index].recentRevisions = recent[stored[index].id] ?? []
            if let size = storySizes[stored[index].record.storyID] { stored[index].storySize = size }
        }
        var input = ReconcileInput(feed: state, stored: stored, storyCandidates: storyCandidates)
        if full {
            try complete(&input, texts: [], stories: Set(storySizes.keys))
        }
        return input
    }

    /// Replaces a light item with the fully loaded row.
    func loadText(_ item: inout StoredItem) throws {
        guard !item.textLoaded else { return }
        if let full = try db.query(SQLiteStore.itemByID, [.integer(item.id)], SQLiteStore.decodeRecord).first {
            item.record = full
        }
        item.textLoaded = true
    }

    /// Loads what a reconcile run reported missing: items' texts, and every
    /// text the given stories showed (superseded revisions carry their key;
    /// current texts are normalised now).
    func complete(_ input: inout ReconcileInput, texts: Set<Int64>, stories: Set<Int64>) throws {
        for index in input.stored.indices where texts.contains(input.stored[index].id) {
            try loadText(&input.stored[index])
        }
        for story in stories {
            var keys = Set(try db.query("""
                SELECT r.story_text_key FROM revisions r JOIN items i ON i.id = r.item_id
                WHERE i.story_id = ? AND r.story_text_key IS NOT NULL
                """, [.integer(story)]) { $0.int64(0) })
            let members = try db.query(
                "SELECT \(SQLiteStore.itemColumns) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.story_id = ?",
                [.integer(story)], SQLiteStore.decodeRecord)
            for member in members { keys.insert(ItemText(member).storyTextKey) }
            for index in input.stored.indices where input.stored[index].record.storyID == story {
                input.stored[index].storyTextKeys = keys
            }
        }
    }

    /// Reconciles, loading what a run reports missing and running again.
    func reconcileLoading(_ input: inout ReconcileInput, items: [PreparedItem], now: Timestamp,
                          policy: TrackPolicy) throws -> ReconcileResult {
        var result = Reconciler.reconcile(input, items: items, now: now, policy: policy)
        var rounds = 0
        while !result.isComplete {
            rounds += 1
            if rounds > 3 {
                // Cannot happen with a correct reconcile; load everything rather than loop.
                for index in input.stored.indices { try loadText(&input.stored[index]) }
                let all = Set(input.stored.filter { $0.storySize > 1 }.map(\.record.storyID))
                try complete(&input, texts: [], stories: all)
                return Reconciler.reconcile(input, items: items, now: now, policy: policy)
            }
            try complete(&input, texts: result.missingTexts, stories: result.missingStories)
            result = Reconciler.reconcile(input, items: items, now: now, policy: policy)
        }
        return result
    }
}

/// Authors, categories, enclosures and image, stored together as compact
/// JSON in `items.extra` (absent when all are empty).
enum ItemExtra {
    /// Compact JSON written directly (this runs for every new item).
    static func encode(authors: [Person], categories: [String], enclosures: [Enclosure], image: String?) -> String? {
        guard !authors.isEmpty || !categories.isEmpty || !enclosures.isEmpty || image != nil else { return nil }
        var out = "{"
        func key(_ k: String) {
            if out.utf8.count > 1 { out += "," }
            out += "\"\(k)\":"
        }
        func member(_ k: String, _ v: String?, first: inout Bool) {
            guard let v else { return }
            out += first ? "" : ","
            first = false
            out += "\"\(k)\":"
            JSONValue.writeString(v, to: &out)
        }
        if !authors.isEmpty {
            key("a")
            out += "["
            for (n, p) in authors.enumerated() {
                out += n == 0 ? "{" : ",{"
                var first = true
                member("n", p.name, first: &first)
                member("e", p.email, first: &first)
                member("u", p.uri, first: &first)
                out += "}"
            }
            out += "]"
        }
        if !categories.isEmpty {
            key("c")
            out += "["
            for (n, c) in categories.enumerated() {
                if n > 0 { out += "," }
                JSONValue.writeString(c, to: &out)
            }
            out += "]"
        }
        if !enclosures.isEmpty {
            key("e")
            out += "["
            for (n, e) in enclosures.enumerated() {
                out += n == 0 ? "{" : ",{"
                var first = true
                member("u", e.url, first: &first)
                member("t", e.type, first: &first)
                if let length = e.length { out += ",\"l\":\(length)" }
                out += "}"
            }
            out += "]"
        }
        if let image {
            key("i")
            JSONValue.writeString(image, to: &out)
        }
        return out + "}"
    }

    static func decode(_ text: String, into record: inout ItemRecord) {
        guard let value = try? JSONValue.parse(text) else { return }
        if let authors = value["a"]?.arrayValue {
            record.authors = authors.map { Person(name: $0["n"]?.stringValue, email: $0["e"]?.stringValue, uri: $0["u"]?.stringValue) }
        }
        if let categories = value["c"]?.arrayValue { record.categories = categories.compactMap(\.stringValue) }
        if let enclosures = value["e"]?.arrayValue {
            record.enclosures = enclosures.compactMap { e in
                e["u"]?.stringValue.map { Enclosure(url: $0, type: e["t"]?.stringValue, length: e["l"]?.intValue) }
            }
        }
        record.image = value["i"]?.stringValue
    }
}

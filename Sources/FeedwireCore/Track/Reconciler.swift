/// Reconcile: (stored state of a feed, its parsed document, other feeds'
/// items sharing story keys, now, policy) → (writes, events). Pure and
/// deterministic; the store applies the result in one transaction. The
/// store may load stored items without their text; a result that needed it
/// lists what was missing (`isComplete` is false) and the store reconciles
/// again with it loaded.
///
/// What it decides, per document item (newest `maxItems` only):
/// - **same item** (`ItemMatcher`'s identity ladder and drift rules): if the
///   raw text is unchanged nothing is written; otherwise the normalised text
///   (`ItemText`) decides. Equal fingerprints are noise (whitespace,
///   encoding, tracking parameters, image query churn) — nothing written. A
///   return to a text the item showed within `flapWindow`, or a text whose
///   source `updated` date is older than the stored one (a stale cache), is
///   flapping — nothing written, the newest revision stays current.
///   Anything else is a **real edit**: a new revision and an `updated` event
///   with the changed fields and word diffs, unless the item is one source
///   of a story whose other sources already showed this text.
/// - **new item**: stored with revision 1; joins the story of an item of
///   another feed sharing its canonical link or URL-shaped GUID (a copy: no
///   `new` event); otherwise a `new` event — except on the feed's first
///   fetch (the baseline), where only the newest `backfill` are announced.
///   A source date more than `futureTolerance` ahead is clamped to now.
/// - **stored present items missing** from the document become tombstones
///   (`gone` event); a tombstone seen again is present again without a
///   `new` event. A document without items tombstones nothing.
public enum Reconciler {
    public static func reconcile(_ input: ReconcileInput, items documentItems: [PreparedItem], now: Timestamp,
                                 policy: TrackPolicy) -> ReconcileResult {
        let feed = input.feed
        var result = ReconcileResult(feed: feed.name, feedID: feed.feedID, now: now, isBaseline: feed.baselineAt == nil)
        var notes = Notes(feed: feed)
        let allItems = usable(documentItems)
        let items = select(allItems, max: policy.maxItems)
        result.documentItems = documentItems.count
        result.processedItems = items.count
        if items.count < allItems.count {
            notes.add(.truncated, "the document has \(allItems.count) items; only the newest \(items.count) are processed")
        }

        var matcher = ItemMatcher(stored: input.stored, items: items, allItems: allItems, policy: policy, now: now,
                                  guidUnstable: feed.guidUnstable)
        matcher.run()
        if !matcher.duplicateGuids.isEmpty {
            notes.add(.duplicateGuids, "\(matcher.duplicateGuids.count) GUID(s) are shared by several items of one "
                + "document; those items are identified by link, then title and date")
        }
        if matcher.reusedGuidRefused > 0 {
            notes.add(.reusedGuid, "a GUID already used by another story was reused for a new one; treated as a new item")
        }
        detectUnstableGuids(matcher, feed: feed, result: &result, notes: &notes)

        var storyTextKeysAdded: [Int64: Set<Int64>] = [:]
        for d in items.indices {
            guard let s = matcher.match[d] else { continue }
            compare(items[d], input.stored[s], matcher: &matcher, d: d, s: s, now: now, policy: policy, result: &result,
                    announcedTexts: &storyTextKeysAdded)
        }

        addNewItems(items, matcher: &matcher, input: input, now: now, policy: policy, result: &result)

        // Vanished: present before, unmatched, and not among the items beyond `maxItems`.
        let unprocessed = allItems.count > items.count ? Set(allItems.map(\.position)).subtracting(items.map(\.position)) : []
        var keptGuids = Set<Int64>()
        var keptLinks = Set<Int64>()
        for item in allItems where unprocessed.contains(item.position) {
            if let g = item.guidKey { keptGuids.insert(g) }
            if let l = item.linkKey { keptLinks.insert(l) }
        }
        let vanishing = input.stored.indices.filter { s in
            let st = input.stored[s]
            guard st.record.present, !matcher.storedMatched[s] else { return false }
            if let g = st.guidKey, keptGuids.contains(g) { return false }
            if let l = st.linkKey, keptLinks.contains(l) { return false }
            return true
        }
        if allItems.isEmpty, !vanishing.isEmpty {
            notes.add(.emptyDocument, "the document has no items although \(vanishing.count) were present; "
                + "nothing is marked gone until items appear again")
        } else {
            for s in vanishing {
                var record = input.stored[s].record
                record.present = false
                result.vanished.append(record.id)
                result.events.append(PlannedEvent(
                    event: ChangeEvent(kind: .gone, at: now, feed: feed.name, itemID: record.id, storyID: record.storyID,
                                       revision: record.revision),
                    item: .stored(record.id), record: record))
            }
        }
        result.notes = notes.list
        result.missingTexts = matcher.missingTexts
        return result
    }

    // MARK: Steps

    /// The document's items without exact repeats (an entry listed twice —
    /// same GUID, link, title, date and text — is one item) and without
    /// entries that have nothing to identify or show them (no GUID, link,
    /// title or text).
    static func usable(_ items: [PreparedItem]) -> [PreparedItem] {
        struct Key: Hashable {
            var guid: Int64?, link: Int64?, title: Int64, raw: Int64, date: Timestamp?
        }
        var seen = Set<Key>()
        return items.filter { p in
            let blank = p.guid == nil && p.link == nil && p.title.isEmpty
                && (p.item.summary ?? "").allSatisfy(\.isWhitespace) && (p.item.content ?? "").allSatisfy(\.isWhitespace)
            guard !blank else { return false }
            return seen.insert(Key(guid: p.guidKey, link: p.linkKey, title: p.titleKey, raw: p.rawFP, date: p.date)).inserted
        }
    }

    /// The newest `max` items: by date when most items have one, else in document order.
    static func select(_ items: [PreparedItem], max: Int) -> [PreparedItem] {
        guard items.count > max else { return items }
        let dated = items.filter { $0.date != nil }.count
        guard dated * 2 >= items.count else { return Array(items.prefix(max)) }
        let sorted = items.sorted { a, b in
            let da = a.date ?? Timestamp(seconds: .min), db = b.date ?? Timestamp(seconds: .min)
            return da != db ? da > db : a.position < b.position
        }
        return Array(sorted.prefix(max)).sorted { $0.position < $1.position }
    }

    /// GUIDs that changed while the link (and text) stayed, for most matched
    /// items of one fetch: the feed's GUIDs are not identities.
    static func detectUnstableGuids(_ matcher: ItemMatcher, feed: FeedTrackState, result: inout ReconcileResult,
                                    notes: inout Notes) {
        guard !feed.guidUnstable else { return }
        var withGuids = 0
        var changed = 0
        for d in matcher.items.indices {
            guard let s = matcher.match[d], let guid = matcher.items[d].guidKey,
                  let storedGuid = matcher.stored[s].guidKey else { continue }
            withGuids += 1
            if guid != storedGuid, matcher.items[d].rawFP == matcher.stored[s].rawFP { changed += 1 }
        }
        if changed >= 2, changed * 2 >= withGuids {
            result.markGuidUnstable = true
            notes.add(.unstableGuids, "\(changed) of \(withGuids) items came back with new GUIDs but the same link "
                + "and text; items of this feed are identified by link from now on")
        }
    }

    static func clamp(_ date: Timestamp?, now: Timestamp, policy: TrackPolicy) -> (Timestamp?, Bool) {
        guard let date else { return (nil, false) }
        if date - now > policy.futureTolerance { return (now, true) }
        return (date, false)
    }

    /// A matched pair: reappearance, identity changes, noise, flapping or a real edit.
    static func compare(_ item: PreparedItem, _ st: StoredItem, matcher: inout ItemMatcher, d: Int, s: Int, now: Timestamp,
                        policy: TrackPolicy, result: inout ReconcileResult, announcedTexts: inout [Int64: Set<Int64>]) {
        let reappeared = !st.record.present
        let identityChanged = item.guidKey != st.guidKey || item.linkKey != st.linkKey || item.urlGuidKey != st.urlGuidKey
            || (item.guid != st.record.guid) || (item.link != st.record.link)
        var isEdit = false
        var texts: (new: ItemText, old: ItemText)?
        if item.rawFP != st.rawFP {
            let t = matcher.text(d)
            let old = matcher.storedText(s)
            texts = (t, old)
            if t.textFP != old.textFP {
                let stale = item.item.updated.map { u in st.record.updated.map { u < $0 } ?? false } ?? false
                let flap = st.recentRevisions.contains { $0.textFP == t.textFP && now - $0.supersededAt <= policy.flapWindow }
                isEdit = !stale && !flap
            }
        }
        guard isEdit, let (text, old) = texts else {
            if reappeared { result.reappeared.append(st.id) }
            if identityChanged {
                result.identityChanges.append(IdentityChange(
                    itemID: st.id, guid: item.guid, guidKey: item.guidKey, link: item.link, linkKey: item.linkKey,
                    urlGuidKey: item.urlGuidKey))
            }
            return
        }

        let fields = text.changedFields(from: old)
        let titleDiff = fields.contains(.title) ? WordDiff.diff(old.title, text.title) : nil
        var textDiff: TextDiff?
        if fields.contains(.summary) {
            textDiff = WordDiff.diff(old.summary, text.summary)
        } else if fields.contains(.content) {
            textDiff = WordDiff.diff(old.content, text.content)
        }
        if st.storySize > 1, st.storyTextKeys == nil { result.missingStories.insert(st.record.storyID) }
        let shown = (st.storyTextKeys ?? []).union(announcedTexts[st.record.storyID] ?? [])
        let announced = !(st.storySize > 1 && shown.contains(text.storyTextKey))
        announcedTexts[st.record.storyID, default: []].insert(text.storyTextKey)

        let (updated, _) = clamp(item.item.updated, now: now, policy: policy)
        var published = st.record.published
        var dateClamped = st.record.dateClamped
        if published == nil, let date = item.date {
            (published, dateClamped) = clamp(date, now: now, policy: policy)
        }
        var record = st.record
        let p = item.item
        record.guid = item.guid
        record.link = item.link
        record.title = p.title ?? ""
        record.titleType = p.titleType ?? .text
        record.summary = p.summary
        record.summaryType = p.summaryType ?? .html
        record.content = p.content
        record.contentType = p.contentType ?? .html
        record.published = published
        record.updated = updated
        record.dateClamped = dateClamped
        record.lastChanged = now
        record.revision = st.record.revision + 1
        record.authors = p.authors
        record.categories = p.categories
        record.enclosures = p.enclosures
        record.image = p.image
        record.present = true

        let edit = ItemEdit(
            itemID: st.id, prepared: item, text: text, previous: old, revision: record.revision, changedFields: fields,
            previousTitle: fields.contains(.title) ? old.title : nil, titleDiff: titleDiff, textDiff: textDiff,
            published: published, updated: updated, dateClamped: dateClamped, announced: announced,
            reappeared: reappeared, identityChanged: identityChanged, record: record)
        result.edits.append(edit)
        if announced {
            result.events.append(PlannedEvent(
                event: ChangeEvent(kind: .updated, at: now, feed: result.feed, itemID: st.id, storyID: st.record.storyID,
                                   revision: record.revision, changedFields: fields, previousTitle: edit.previousTitle,
                                   titleDiff: titleDiff, textDiff: textDiff),
                item: .stored(st.id), record: record))
        }
    }

    static func addNewItems(_ items: [PreparedItem], matcher: inout ItemMatcher, input: ReconcileInput, now: Timestamp,
                            policy: TrackPolicy, result: inout ReconcileResult) {
        var fresh: [Int] = items.indices.filter { matcher.match[$0] == nil }
        guard !fresh.isEmpty else { return }
        // Oldest first, so events (and notifications) follow publication order.
        fresh.sort { a, b in
            let da = items[a].date ?? now, db = items[b].date ?? now
            return da != db ? da < db : items[a].position > items[b].position
        }
        var announce = Set(fresh)
        if result.isBaseline {
            let newestFirst = fresh.reversed().prefix(policy.backfill)
            announce = Set(newestFirst)
        }
        for d in fresh {
            let item = items[d]
            var storyKeys = item.storyKeys
            if let l = item.linkKey, matcher.duplicateLinks.contains(l) { storyKeys.removeAll { $0 == l } }
            if let g = item.guidKey, matcher.duplicateGuids.contains(g), let u = item.urlGuidKey { storyKeys.removeAll { $0 == u } }
            let story = input.storyCandidates
                .filter { candidate in candidate.feed != input.feed.name && candidate.storyKeys.contains { storyKeys.contains($0) } }
                .min { $0.storyID < $1.storyID }
            let (published, clamped) = clamp(item.date, now: now, policy: policy)
            let (updated, _) = clamp(item.item.updated, now: now, policy: policy)
            let newItem = NewItem(prepared: item, storyID: story?.storyID, published: published,
                                  updated: updated, dateClamped: clamped)
            let index = result.newItems.count
            result.newItems.append(newItem)
            if story == nil, announce.contains(d) {
                result.events.append(PlannedEvent(
                    event: ChangeEvent(kind: .new, at: now, feed: result.feed, revision: 1),
                    item: .new(index), record: newItem.record(feed: result.feed, firstSeen: now)))
            }
        }
    }

    /// Notes to log, each kind once per feed.
    struct Notes {
        let feed: FeedTrackState
        var list: [TrackNote] = []

        mutating func add(_ kind: TrackNote.Kind, _ message: String) {
            guard feed.notedKinds & kind.rawValue == 0, !list.contains(where: { $0.kind == kind }) else { return }
            list.append(TrackNote(kind: kind, feed: feed.name, message: message))
        }
    }
}

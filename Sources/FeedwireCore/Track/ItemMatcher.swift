/// Pairs document items with stored items of the same feed: the identity
/// ladder, then the GUID-drift rules. Pure; one-to-one; stronger rungs first.
///
/// Ladder (each rung only for items the rungs above left unmatched):
/// 1. **GUID** (guid / atom:id / JSON id / rdf:about): used when the GUID is
///    unique in this document, names exactly one stored item, and the feed's
///    GUIDs are not known to be unstable. Refused when everything else
///    disagrees — different link, title and date and dissimilar text —
///    because that is a GUID reused for another story (newsroom `dup_guid`).
/// 2. **Canonical link**, when unique in the document, a story URL (not a
///    bare home page) and carried by exactly one stored item of the feed.
///    This also catches drift that changed only the GUID.
/// 3. **Normalised title + published date**, exactly one stored item.
/// 4. **Title drift**: same normalised title as one item present at the last
///    fetch or vanished within `titleDriftWindow`, and bodies at least
///    `reusedGuidSimilarity` alike (a daily "Morning briefing" with new text
///    is a new item every day); title-only items match on the title.
/// 5. **Text drift** (GUID, link and title all changed): an item that
///    vanishes in this very fetch, with a compatible date (equal, or one
///    missing) and a near-identical body — word 3-shingle Jaccard ≥
///    `driftSimilarity`, or, with equal dates, one body containing ≥ 90 % of
///    the other (an appended correction) at Jaccard ≥ 0.5.
struct ItemMatcher {
    enum Rung: Sendable, Equatable { case guid, link, titleDate, titleDrift, textDrift }

    /// Most body comparisons the text-drift rung makes in one fetch.
    static let textComparisonBudget = 20_000

    let stored: [StoredItem]
    let items: [PreparedItem]
    let policy: TrackPolicy
    let now: Timestamp
    let guidUnstable: Bool

    /// Stored index matched to each document item.
    private(set) var match: [Int?]
    private(set) var rung: [Rung?]
    private(set) var storedMatched: [Bool]
    private(set) var reusedGuidRefused = 0
    /// GUIDs occurring more than once in the document.
    let duplicateGuids: Set<Int64>
    let duplicateLinks: Set<Int64>

    private var byGuid: [Int64: [Int]] = [:]
    private var byLink: [Int64: [Int]] = [:]
    private var byTitle: [Int64: [Int]] = [:]
    private var texts: [Int: ItemText] = [:]
    private var storedTexts: [Int: ItemText] = [:]
    private var storedBodies: [Int: Shingles] = [:]
    private var docBodies: [Int: Shingles] = [:]

    init(stored: [StoredItem], items: [PreparedItem], allItems: [PreparedItem], policy: TrackPolicy, now: Timestamp,
         guidUnstable: Bool) {
        self.stored = stored
        self.items = items
        self.policy = policy
        self.now = now
        self.guidUnstable = guidUnstable
        match = Array(repeating: nil, count: items.count)
        rung = Array(repeating: nil, count: items.count)
        storedMatched = Array(repeating: false, count: stored.count)
        var guidCount: [Int64: Int] = [:]
        var linkCount: [Int64: Int] = [:]
        for item in allItems {
            if let g = item.guidKey { guidCount[g, default: 0] += 1 }
            if let l = item.linkKey { linkCount[l, default: 0] += 1 }
        }
        duplicateGuids = Set(guidCount.filter { $0.value > 1 }.keys)
        duplicateLinks = Set(linkCount.filter { $0.value > 1 }.keys)
        for (index, s) in stored.enumerated() {
            if let g = s.guidKey { byGuid[g, default: []].append(index) }
            if let l = s.linkKey { byLink[l, default: []].append(index) }
            byTitle[s.titleKey, default: []].append(index)
        }
    }

    /// Normalised text of document item `d` (computed once).
    mutating func text(_ d: Int) -> ItemText {
        if let t = texts[d] { return t }
        let t = ItemText(items[d].item)
        texts[d] = t
        return t
    }

    /// Stored items whose text was needed but not loaded.
    private(set) var missingTexts = Set<Int64>()

    /// Normalised text of stored item `s` (computed once, from its stored text).
    mutating func storedText(_ s: Int) -> ItemText {
        if let t = storedTexts[s] { return t }
        if !stored[s].textLoaded { missingTexts.insert(stored[s].id) }
        let t = stored[s].text
        storedTexts[s] = t
        return t
    }

    mutating func run() {
        if !guidUnstable { guidRung() }
        linkRung()
        titleDateRung()
        titleDriftRung()
        textDriftRung()
    }

    private mutating func assign(_ d: Int, _ s: Int, _ r: Rung) {
        match[d] = s
        rung[d] = r
        storedMatched[s] = true
    }

    // MARK: Rungs

    private mutating func guidRung() {
        for d in items.indices {
            let item = items[d]
            guard let key = item.guidKey, !duplicateGuids.contains(key), let candidates = byGuid[key] else { continue }
            let same = candidates.filter { stored[$0].record.guid == item.guid }
            guard same.count == 1, let s = same.first, !storedMatched[s] else { continue }
            if isReusedGuid(d, s) {
                reusedGuidRefused += 1
                continue
            }
            assign(d, s, .guid)
        }
    }

    private mutating func linkRung() {
        for d in items.indices where match[d] == nil {
            let item = items[d]
            guard let key = item.linkKey, item.linkIsStory, !duplicateLinks.contains(key),
                  let candidates = byLink[key], candidates.count == 1, let s = candidates.first, !storedMatched[s]
            else { continue }
            assign(d, s, .link)
        }
    }

    private mutating func titleDateRung() {
        for d in items.indices where match[d] == nil {
            let item = items[d]
            guard !item.title.isEmpty, let candidates = byTitle[item.titleKey] else { continue }
            let same = candidates.filter { !storedMatched[$0] && !stored[$0].record.dateClamped && stored[$0].record.published == item.date }
            guard same.count == 1, let s = same.first else { continue }
            assign(d, s, .titleDate)
        }
    }

    private mutating func titleDriftRung() {
        for d in items.indices where match[d] == nil {
            let item = items[d]
            guard !item.title.isEmpty, let candidates = byTitle[item.titleKey] else { continue }
            let recent = candidates.filter { s in
                guard !storedMatched[s] else { return false }
                let st = stored[s]
                if st.record.present { return true }
                guard let gone = st.goneAt else { return false }
                return now - gone <= policy.titleDriftWindow
            }
            guard recent.count == 1, let s = recent.first else { continue }
            // Same title, different date or none: the bodies must agree too (a
            // daily "Morning briefing" is a new item every day). Title-only
            // items have no body to compare; the title decides.
            let sim = similarity(d, s)
            guard sim.jaccard >= policy.reusedGuidSimilarity || (sim.jaccard == 0 && sim.containment == 0 && bodiesEmpty(d, s))
            else { continue }
            assign(d, s, .titleDrift)
        }
    }

    private mutating func textDriftRung() {
        let open = items.indices.filter { match[$0] == nil }
        let vanishing = stored.indices.filter { !storedMatched[$0] && stored[$0].record.present }
        guard !open.isEmpty, !vanishing.isEmpty else { return }
        var pairs: [(d: Int, s: Int, score: Double)] = []
        var comparisons = 0
        for d in open {
            for s in vanishing {
                let a = items[d].date
                let b = stored[s].record.dateClamped ? nil : stored[s].record.published
                if let a, let b, a != b { continue }
                // A feed that replaced hundreds of undated items at once would cost
                // a quadratic number of comparisons; past the budget, they are new.
                comparisons += 1
                if comparisons > Self.textComparisonBudget { break }
                let sim = similarity(d, s)
                let datesEqual = a != nil && a == b
                if sim.jaccard >= policy.driftSimilarity || (datesEqual && sim.containment >= 0.9 && sim.jaccard >= 0.5) {
                    pairs.append((d, s, sim.jaccard))
                }
            }
        }
        pairs.sort { $0.score != $1.score ? $0.score > $1.score : ($0.d, $0.s) < ($1.d, $1.s) }
        for pair in pairs where match[pair.d] == nil && !storedMatched[pair.s] {
            assign(pair.d, pair.s, .textDrift)
        }
    }

    // MARK: Evidence

    /// A GUID match whose link, title and date all differ and whose text is
    /// unlike: a different story under a reused GUID.
    private mutating func isReusedGuid(_ d: Int, _ s: Int) -> Bool {
        let item = items[d]
        let st = stored[s]
        guard let a = item.linkKey, let b = st.linkKey, a != b else { return false }
        guard item.titleKey != st.titleKey else { return false }
        guard let da = item.date, let db = st.record.published, da != db else { return false }
        return similarity(d, s).jaccard < policy.reusedGuidSimilarity
    }

    private mutating func bodiesEmpty(_ d: Int, _ s: Int) -> Bool {
        _ = similarity(d, s)
        return (docBodies[d]?.isEmpty ?? true) && (storedBodies[s]?.isEmpty ?? true)
    }

    private mutating func similarity(_ d: Int, _ s: Int) -> (jaccard: Double, containment: Double) {
        let docShingles: Shingles
        if let cached = docBodies[d] {
            docShingles = cached
        } else {
            docShingles = Shingles(text(d).body)
            docBodies[d] = docShingles
        }
        let storedShingles: Shingles
        if let cached = storedBodies[s] {
            storedShingles = cached
        } else {
            storedShingles = Shingles(storedText(s).body)
            storedBodies[s] = storedShingles
        }
        if docShingles.isEmpty || storedShingles.isEmpty { return (0, 0) }
        return (docShingles.jaccard(storedShingles), docShingles.containment(storedShingles))
    }
}

@testable import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct CrossFeedStoryTests {
    let original = story(1, site: "https://wire.example.com", published: epoch - 600)

    /// newsroom `syndicate`: same canonical link, utm on the served link,
    /// the target's own guid, maybe another title case.
    func copy(of source: ParsedItem, guid: String? = "https://kyiv.example.ua/news/7", utm: Bool = true,
              titleCase: Bool = false) -> ParsedItem {
        var c = source
        c.link = source.link! + (utm ? "?utm_source=wire&utm_medium=syndication&utm_campaign=partner" : "")
        c.id = guid
        if titleCase { c.title = source.title!.uppercased() }
        return c
    }

    @Test(arguments: [
        ("utm + own guid", true, "https://kyiv.example.ua/news/7", false),
        ("same guid", false, "https://wire.example.com/story/1", false),
        ("upper case title", true, "tag:kyiv,2025:7", true),
        ("permalink guid with utm", true, "https://wire.example.com/story/1?utm_source=wire", false),
    ])
    func aCopyJoinsTheStoryWithoutASecondNew(_ label: String, _ utm: Bool, _ guid: String, _ upper: Bool) throws {
        let h = try TrackHarness()
        try h.fetch("a", [story(50, site: "https://wire.example.com")])
        try h.fetch("b", [story(60, site: "https://kyiv.example.ua")])
        let first = try h.fetch("a", [original, story(50, site: "https://wire.example.com")])
        #expect(first.kinds == [.new])
        let c = copy(of: original, guid: guid, utm: utm, titleCase: upper)
        let second = try h.fetch("b", [c, story(60, site: "https://kyiv.example.ua")])
        #expect(second.events.isEmpty, "\(label)")
        let originalRecord = try #require(try h.item(original.link))
        let copyRecord = try #require(try h.items("b").first { $0.link == original.link })
        #expect(copyRecord.storyID == originalRecord.id)
        #expect(copyRecord.id != originalRecord.id)
        // Outputs show the story once, with both sources.
        let stories = try h.store.stories(StoryQuery())
        let merged = try #require(stories.first { $0.item.storyID == originalRecord.id })
        #expect(merged.item.id == originalRecord.id)
        #expect(merged.sources.map(\.feed) == ["a", "b"])
        #expect(stories.filter { $0.item.storyID == originalRecord.id }.count == 1)
        // Selecting only feed b still shows it, from b.
        let onlyB = try h.store.stories(StoryQuery(feeds: ["b"]))
        #expect(onlyB.first { $0.item.storyID == originalRecord.id }?.sources.map(\.feed) == ["b"])
    }

    @Test func anEditOfACopyRepeatingTheStorysTextIsNotAnnounced() throws {
        let h = try TrackHarness()
        try h.fetch("a", [story(50, site: "https://wire.example.com")])
        try h.fetch("b", [story(60, site: "https://kyiv.example.ua")])
        try h.fetch("a", [original])
        let c = copy(of: original, titleCase: true)
        try h.fetch("b", [c])
        // The original is edited; later the copy picks up the same edit (in its own casing).
        var edited = original
        edited.title = "UPDATE: " + original.title!
        #expect(try h.fetch("a", [edited]).kinds == [.updated])
        var editedCopy = c
        editedCopy.title = edited.title!.uppercased()
        let copyEdit = try h.fetch("b", [editedCopy])
        #expect(copyEdit.events.isEmpty)
        #expect(copyEdit.edits == 1)  // recorded as a revision all the same
        let copyRecord = try #require(try h.items("b").first { $0.link == original.link })
        #expect(copyRecord.revision == 2)
        #expect(try h.store.revisions(itemID: copyRecord.id).last?.announced == false)
        // A text the story never showed is news.
        editedCopy.summary = c.summary! + "<p>Local reaction added by the Kyiv desk.</p>"
        #expect(try h.fetch("b", [editedCopy]).kinds == [.updated])
    }

    @Test func aHomePageLinkIsNotAStoryKey() throws {
        let h = try TrackHarness()
        try h.fetch("a", [])
        try h.fetch("b", [])
        let one = item(guid: "a-1", link: "https://example.com/", title: "One", summary: "<p>one</p>")
        let two = item(guid: "b-1", link: "https://example.com/", title: "Two", summary: "<p>two</p>")
        #expect(try h.fetch("a", [one]).kinds == [.new])
        #expect(try h.fetch("b", [two]).kinds == [.new])
        #expect(try h.store.stories(StoryQuery()).count == 2)
    }

    @Test func copiesInABaselineJoinTheStory() throws {
        let h = try TrackHarness()
        try h.fetch("a", [original])
        try h.fetch("b", [copy(of: original)])
        let records = try h.items("b")
        #expect(records.first?.storyID == (try h.item(original.link))?.id)
    }
}

@Suite struct ReconcilePropertyTests {
    func document(_ n: Int, seed: UInt64) -> [ParsedItem] {
        var rng = ShuffleRandom(seed: seed)
        return (1...n).map { k in
            var i = story(k, site: "https://p.example.com")
            if rng.next() % 3 == 0 { i.id = nil }
            if rng.next() % 5 == 0 { i.published = nil }
            if rng.next() % 4 == 0 { i.content = "<div>Body \(k) <b>bold</b> &amp; more</div>" }
            return i
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func theSameDocumentTwiceWritesNothing(_ seed: UInt64) throws {
        let h = try TrackHarness()
        let doc = document(25, seed: seed)
        try h.fetch("a", doc)
        try h.fetch("a", doc + [story(99, site: "https://p.example.com", published: h.now)])
        let counts = try h.store.tableCounts()
        let changes = h.store.totalChanges
        let again = try h.fetch("a", doc + [story(99, site: "https://p.example.com", published: h.now - 60)])
        #expect(again.events.isEmpty)
        #expect(h.store.totalChanges == changes)
        #expect(try h.store.tableCounts() == counts)
    }

    @Test(arguments: [11, 12, 13, 14, 15] as [UInt64])
    func shufflingTheItemsChangesNothing(_ seed: UInt64) throws {
        let h = try TrackHarness()
        let doc = document(30, seed: seed)
        try h.fetch("a", doc)
        var rng = ShuffleRandom(seed: seed)
        for _ in 0..<3 {
            var shuffled = doc
            shuffled.shuffle(using: &rng)
            let changes = h.store.totalChanges
            #expect(try h.fetch("a", shuffled).events.isEmpty)
            #expect(h.store.totalChanges == changes)
        }
    }

    @Test func theReconcileFunctionIsPure() throws {
        let h = try TrackHarness()
        try h.fetch("a", document(10, seed: 7))
        let next = Array(document(10, seed: 7).dropFirst(2)) + [story(50, site: "https://p.example.com", published: h.now)]
        let prepared = PreparedItem.prepare({ var d = ParsedFeed(format: .rss20); d.items = next; return d }())
        let input = try h.store.reconcileInput(feed: "a", items: prepared, now: h.now)
        let one = Reconciler.reconcile(input, items: prepared, now: h.now, policy: h.policy)
        let two = Reconciler.reconcile(input, items: prepared, now: h.now, policy: h.policy)
        #expect(one == two)
        #expect(one.events.map(\.event.kind).sorted { $0.rawValue < $1.rawValue } == [.gone, .gone, .new])
    }
}

/// A small deterministic generator for shuffles.
struct ShuffleRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

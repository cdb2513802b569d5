import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct NotificationRouterTests {
    func config() -> FeedwireConfig {
        var kyiv = FeedConfig(name: "kyiv", url: "https://k.example/rss")
        kyiv.tags = ["Ukraine", "war"]
        var europe = FeedConfig(name: "europe", url: "https://e.example/atom")
        europe.tags = ["eu"]
        let wire = FeedConfig(name: "wire", url: "https://w.example/rss")
        var all = NotifierConfig(name: "all", type: .discord, url: Secret(.inline("https://d.example/1/t")))
        all.events = ["new", "updated"]
        var ukraine = NotifierConfig(name: "ukraine", type: .slack, url: Secret(.inline("https://s.example/x")))
        ukraine.tags = ["ukraine"]
        ukraine.events = ["new"]
        var keyword = NotifierConfig(name: "energy", type: .matrix, url: Secret(.inline("https://m.example")))
        keyword.include = ["\\bgrid\\b", "ENERGY"]
        keyword.exclude = ["opinion"]
        keyword.feeds = ["europe", "wire"]
        var ops = NotifierConfig(name: "ops", type: .ntfy, url: Secret(.inline("https://ntfy.sh/ops")))
        ops.events = ["health"]
        var bad = NotifierConfig(name: "bad", type: .webhook, url: Secret(.inline("https://h.example")))
        bad.include = ["(unclosed"]
        bad.events = ["new", "gone"]
        return FeedwireConfig(feeds: [kyiv, europe, wire], notifiers: [all, ukraine, keyword, ops, bad])
    }

    @Test func routesByKindFeedTagsAndKeywords() {
        let r = NotificationRouter(config: config())
        #expect(r.targets(kind: .new, feed: "kyiv", title: "Shelling overnight", text: "") == ["all", "ukraine"])
        #expect(r.targets(kind: .updated, feed: "kyiv", title: "Shelling overnight", text: "") == ["all"])
        #expect(r.targets(kind: .new, feed: "europe", title: "EU Grid deal", text: "") == ["all", "energy"])
        #expect(r.targets(kind: .new, feed: "europe", title: "Deal", text: "the Energy ministers") == ["all", "energy"])
        #expect(r.targets(kind: .new, feed: "europe", title: "Opinion: the grid", text: "") == ["all"])
        #expect(r.targets(kind: .new, feed: "europe", title: "gridlock", text: "") == ["all"])
        #expect(r.targets(kind: .new, feed: "kyiv", title: "grid", text: "") == ["all", "ukraine"])
        #expect(r.targets(kind: .feedFailing, feed: "kyiv", title: "", text: "") == ["ops"])
        #expect(r.targets(kind: .gone, feed: "wire", title: "x", text: "") == [])
    }

    @Test func invalidPatternsAreReportedAndIgnored() {
        let r = NotificationRouter(config: config())
        #expect(r.invalidPatterns.map(\.pattern) == ["(unclosed"])
        #expect(r.invalidPatterns[0].description.contains("notifier bad"))
        // Its only include pattern is invalid: nothing matches it (no flood), others are unaffected.
        #expect(r.targets(kind: .gone, feed: "wire", title: "(unclosed", text: "") == [])
        var c = config()
        c.notifiers[4].include.append("x")
        #expect(NotificationRouter(config: c).targets(kind: .gone, feed: "wire", title: "x", text: "") == ["bad"])
    }

    @Test func convenienceConvertsHTML() {
        var c = config()
        c.notifiers[2].include = ["power grid"]
        let r = NotificationRouter(config: c)
        let entry = NotifyFixtures.entry(id: 1, title: "Deal", summary: "<p>The <b>power</b>   grid &amp; more</p>", feed: "wire")
        #expect(r.targets(for: NotifyFixtures.newEvent(entry), entry: entry) == ["all", "energy"])
    }
}

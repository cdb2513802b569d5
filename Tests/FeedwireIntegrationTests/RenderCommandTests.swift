import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// `feedwire render OUTPUT-NAME` through the binary, on a state database
/// filled through the store's own refresh path.
@Suite struct RenderCommandTests {
    /// Two feeds carrying one shared story (same link) and a story each.
    func fillStore(_ path: String) throws {
        let store = try SQLiteStore(path: path, mode: .writer)
        let feeds = [FeedConfig(name: "wire", url: "https://wire.example.org/rss"),
                     FeedConfig(name: "daily", url: "https://daily.example.org/atom")]
        let now = Timestamp(year: 2025, month: 11, day: 25, hour: 14)
        try store.syncFeeds(feeds, now: now)
        for (n, feed) in feeds.enumerated() {
            var doc = ParsedFeed(format: .rss20)
            doc.title = feed.name == "wire" ? "Wire Service" : "Euro Daily"
            var shared = ParsedItem()
            shared.id = "\(feed.name)-shared"
            shared.title = "Air defence downs drones over Kyiv"
            shared.link = "https://news.example.org/kyiv-drones"
            shared.published = now - 600
            var own = ParsedItem()
            own.id = "\(feed.name)-own"
            own.title = "Story only in \(feed.name) ]]> <&>"
            own.link = "https://\(feed.name).example.org/story"
            own.published = now - Int64(1_200 + n * 60)
            doc.items = [shared, own]
            _ = try store.refresh(RefreshRequest(feed: feed.name, document: doc, now: now + Int64(n)), route: { _ in [] })
        }
    }

    func config(_ dir: TemporaryDirectory) throws -> String {
        try dir.write("feeds.conf", """
            [daemon]
            state = "\(dir.file("state.db"))"

            [[feed]]
            name = "wire"
            url = "https://wire.example.org/rss"

            [[feed]]
            name = "daily"
            url = "https://daily.example.org/atom"

            [[output]]
            name = "merged"
            path = "\(dir.file("merged.xml"))"
            format = "rss"
            title = "Merged"

            [[output]]
            name = "page"
            path = "\(dir.file("live.html"))"
            format = "html"
            title = "Live"
            """)
    }

    @Test
    func writesTheOutputOnceAndLeavesItAloneWhenNothingChanged() throws {
        let dir = TemporaryDirectory()
        try fillStore(dir.file("state.db"))
        let conf = try config(dir)
        let (code, output) = try runFeedwireCombined(["render", "merged", "--config", conf])
        #expect(code == 0, "\(output)")
        #expect(output.contains("merged.xml: written (rss, 3 stories)"), "\(output)")
        let rss = try String(contentsOfFile: dir.file("merged.xml"), encoding: .utf8)
        #expect(rss.components(separatedBy: "<title>Air defence downs drones over Kyiv</title>").count == 2, "the shared story once")
        #expect(rss.contains("<feedwire:source"), "with its second source")
        #expect(rss.contains("Story only in wire ]]&gt; &lt;&amp;&gt;"))

        let (again, message) = try runFeedwireCombined(["render", "merged", "--config", conf])
        #expect(again == 0 && message.contains("unchanged"), "\(message)")

        let preview = dir.file("preview.html")
        let (page, pageOutput) = try runFeedwireCombined(["render", "page", "--config", conf, "-o", preview])
        #expect(page == 0, "\(pageOutput)")
        #expect(try String(contentsOfFile: preview, encoding: .utf8).contains("Air defence downs drones over Kyiv"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("live.html")))
    }

    @Test
    func unknownOutputIsAUsageErrorAndAMissingDatabaseCannotStart() throws {
        let dir = TemporaryDirectory()
        let conf = try config(dir)
        let (unknown, message) = try runFeedwireCombined(["render", "nope", "--config", conf])
        #expect(unknown == 2, "\(message)")
        #expect(message.contains("no [[output]] named \"nope\"") && message.contains("merged, page"))
        let (missing, why) = try runFeedwireCombined(["render", "merged", "--config", conf])
        #expect(missing == 3, "\(why)")
        #expect(why.contains("state.db"))
    }
}

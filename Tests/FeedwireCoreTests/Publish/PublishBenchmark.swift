import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// `make bench-publish`: how long regenerating a 200-item merged feed takes.
/// A benchmark, not a test: it only runs when `FEEDWIRE_BENCH=publish`
/// (set by the make target, on a release build) and prints numbers; it
/// asserts nothing about time.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FEEDWIRE_BENCH"] == "publish"))
struct PublishBenchmark {
    /// Stories shaped like real wire copy: ~100-character titles, ~300-byte
    /// HTML summaries, ~3 KB HTML bodies, two categories, a third of them
    /// carried by two feeds, a tenth edited.
    static func stories(count: Int, start: Timestamp) -> [StoryEntry] {
        let words = ["Kyiv", "Brussels", "ministry", "said", "drone", "sanctions", "border", "energy", "talks", "grain",
                     "officials", "overnight", "parliament", "budget", "Warsaw", "Odesa", "region", "attack", "deal", "summit"]
        var rng = SystemRandomNumberGenerator()
        func sentence(_ n: Int) -> String { (0..<n).map { _ in words.randomElement(using: &rng)! }.joined(separator: " ") }
        let feeds = (0..<30).map { i in
            StorySource(feed: "feed-\(i)", feedTitle: "Source number \(i)", feedURL: "https://feed\(i).example.org/rss",
                        feedLink: "https://feed\(i).example.org/")
        }
        return (0..<count).map { i in
            let id = Int64(i + 1)
            var src = feeds[i % feeds.count]
            src.itemLink = "https://feed\(i % feeds.count).example.org/news/\(id)"
            var sources = [src]
            if i % 3 == 0 {
                var other = feeds[(i + 7) % feeds.count]
                other.itemLink = "https://feed\((i + 7) % feeds.count).example.org/story/\(id)"
                sources.append(other)
            }
            let published = start + Int64(i) * 30
            let item = ItemRecord(
                id: id, storyID: id, feed: src.feed, guid: "guid-\(id)", link: src.itemLink,
                title: sentence(14).capitalized, summary: "<p>\(sentence(45)).</p>",
                content: (0..<8).map { _ in "<p>\(sentence(60)).</p>" }.joined(),
                published: published, firstSeen: published + 20,
                lastChanged: i % 10 == 0 ? published + 900 : nil, revision: i % 10 == 0 ? 2 : 1,
                authors: [Person(name: "Reporter \(i % 17)")], categories: ["Europe", "Ukraine"])
            return StoryEntry(item: item, sources: sources)
        }
    }

    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    static func p95(_ xs: [Double]) -> Double { xs.sorted()[min(xs.count - 1, Int(Double(xs.count) * 0.95))] }

    @Test func renderAndWrite200Items() throws {
        let dir = TemporaryDirectory(prefix: "feedwire-bench")
        let base = Self.stories(count: 200, start: Timestamp(seconds: 1_764_000_000))
        let rounds = 60
        print("publish benchmark: 200 stories, \(rounds) rounds each, times in ms (median / p95)")
        for format in [OutputFormat.rss, .atom, .json, .html] {
            var o = OutputConfig(name: "bench", path: dir.file("bench.\(format.rawValue)"))
            o.format = format
            o.title = "Bench"
            let context = RenderContext(output: o)
            var render: [Double] = [], write: [Double] = [], same: [Double] = []
            var size = 0
            for round in 0..<rounds {
                // Every round a different newest story, so the file really changes.
                var stories = base
                stories[0].item.title = "Breaking \(round)"
                stories[0].item.lastChanged = stories[0].item.lastChanged + Int64(round)
                let t0 = monotonicSeconds()
                let bytes = OutputRenderer.render(stories, context: context)
                let t1 = monotonicSeconds()
                let wrote = try AtomicFileWriter().write(bytes, to: o.path)
                let t2 = monotonicSeconds()
                let unchanged = try AtomicFileWriter().write(bytes, to: o.path)
                let t3 = monotonicSeconds()
                precondition(wrote && !unchanged)
                render.append((t1 - t0) * 1000)
                write.append((t2 - t1) * 1000)
                same.append((t3 - t2) * 1000)
                size = bytes.count
            }
            let line = "  \(format.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(size / 1024) KiB: "
                + String(format: "render %.2f / %.2f, atomic write (fsync) %.2f / %.2f, unchanged check %.2f / %.2f, render+write %.2f",
                         Self.median(render), Self.p95(render), Self.median(write), Self.p95(write),
                         Self.median(same), Self.p95(same), Self.median(render) + Self.median(write))
            print(line)
        }
    }

    /// End to end (the issue's figure): a store of 100,000 items (200 feeds
    /// × 500, filled through `SQLiteStore.refresh`, the daemon's own path),
    /// then one 200-item merged RSS output published from it, with the time
    /// split into store query, render and write. Schema v2's partial
    /// expression indexes let SQLite walk the newest present items in order
    /// instead of sorting every item (958 ms before them, on this machine).
    @Test func regenerateFrom100kItemStore() throws {
        let dir = TemporaryDirectory(prefix: "feedwire-bench-store")
        let dbPath = dir.file("state.db")
        let store = try SQLiteStore(path: dbPath, mode: .writer)
        let start = Timestamp(seconds: 1_764_000_000)
        let feedCount = 200, perFeed = 500
        var feeds: [FeedConfig] = []
        for f in 0..<feedCount {
            var feed = FeedConfig(name: "feed-\(f)", url: "https://feed\(f).example.org/rss")
            feed.tags = [f % 2 == 0 ? "ukraine" : "europe"]
            feeds.append(feed)
        }
        let fillStart = monotonicSeconds()
        try store.syncFeeds(feeds, now: start)
        let all = Self.stories(count: feedCount * perFeed, start: start)
        for f in 0..<feedCount {
            var doc = ParsedFeed(format: .rss20)
            doc.title = "Source number \(f)"
            doc.link = "https://feed\(f).example.org/"
            doc.items = (0..<perFeed).map { k in
                let s = all[f * perFeed + k].item
                var p = ParsedItem()
                p.id = "guid-\(f)-\(k)"
                p.title = s.title
                p.link = "https://feed\(f).example.org/news/\(k)"
                p.summary = s.summary
                p.summaryType = .html
                p.content = s.content
                p.contentType = .html
                p.published = s.published
                p.authors = s.authors
                p.categories = s.categories
                return p
            }
            _ = try store.refresh(RefreshRequest(feed: "feed-\(f)", document: doc, now: start + Int64(f)), route: { _ in [] })
        }
        print(String(format: "store of %d items filled through SQLiteStore.refresh in %.1f s", feedCount * perFeed, monotonicSeconds() - fillStart))

        var o = OutputConfig(name: "merged", path: dir.file("merged.xml"))
        o.format = .rss
        let config = FeedwireConfig(feeds: feeds, outputs: [o])
        func measure(_ label: String, rounds: Int) throws {
            let publisher = OutputPublisher()
            for changed in [true, false] {
                var query: [Double] = [], render: [Double] = [], write: [Double] = [], total: [Double] = []
                for round in 0..<rounds {
                    // A changed file each round (the title moves), or the same one (nothing to write).
                    o.title = changed ? "Merged \(round)" : "Merged"
                    let t0 = monotonicSeconds()
                    let r = try publisher.publish(o, config: config, reader: store, now: start + 86_400, force: true)
                    total.append((monotonicSeconds() - t0) * 1000)
                    precondition(r.count == 200 && (r.changed == changed || round == 0))
                    query.append(Double(r.queryNanos) / 1e6)
                    render.append(Double(r.renderNanos) / 1e6)
                    write.append(Double(r.writeNanos) / 1e6)
                }
                print("  \(label), \(changed ? "file changes  " : "file unchanged"): " + String(
                    format: "store query %.2f / %.2f, render %.2f / %.2f, write %.2f / %.2f, total %.2f / %.2f ms (median / p95)",
                    Self.median(query), Self.p95(query), Self.median(render), Self.p95(render),
                    Self.median(write), Self.p95(write), Self.median(total), Self.p95(total)))
            }
        }
        print("200-item merged RSS from \(feedCount * perFeed) items (target: total <= 50 ms)")
        // Schema v2 has the output order indexes (items_published_order, items_changed_order).
        try measure("schema v\(SQLiteStore.schemaVersion)", rounds: 30)
    }
}

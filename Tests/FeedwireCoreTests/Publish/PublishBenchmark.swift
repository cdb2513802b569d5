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
}

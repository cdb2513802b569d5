import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

@Suite struct OutputPublisherTests {
    let config = FeedwireConfig(feeds: SampleStories.feeds)
    let now = SampleStories.now

    func output(_ format: OutputFormat, in dir: TemporaryDirectory, _ configure: (inout OutputConfig) -> Void = { _ in }) -> OutputConfig {
        var o = OutputConfig(name: "out-\(format.rawValue)", path: dir.file("out.\(format.rawValue)"))
        o.format = format
        o.title = "Live"
        configure(&o)
        return o
    }

    func mtime(_ path: String) -> Int {
        var st = stat()
        _ = stat(path, &st)
        return st.st_mtim.tv_sec
    }

    func setOldMtime(_ path: String) {
        var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    @Test(arguments: [OutputFormat.rss, .atom, .json, .html, .changes])
    func sameStateSameBytesNoRewrite(format: OutputFormat) throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories, events: SampleStories.events)
        let o = output(format, in: dir)
        let first = try OutputPublisher().publish(o, config: config, reader: reader, now: now)
        #expect(first.status == .written)
        #expect(first.count == (format == .changes ? 8 : 10))  // changes: the new and updated events only
        let bytes = try Data(contentsOf: URL(fileURLWithPath: o.path))
        setOldMtime(o.path)

        // A new publisher (a restart), later, same state: identical bytes, file untouched.
        let second = try OutputPublisher().publish(o, config: config, reader: reader, now: now + 3_600)
        #expect(second.status == .unchanged)
        #expect(try Data(contentsOf: URL(fileURLWithPath: o.path)) == bytes)
        #expect(mtime(o.path) == 1_000_000_000)

        // The store moving without touching this output's stories: still no rewrite.
        reader.touch()
        #expect(try OutputPublisher().publish(o, config: config, reader: reader, now: now + 7_200).status == .unchanged)
        #expect(mtime(o.path) == 1_000_000_000)
    }

    @Test func skipsWorkUntilTheStoreMovesThenRewritesOnAnEdit() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories)
        let o = output(.rss, in: dir)
        let publisher = OutputPublisher()
        #expect(try publisher.publish(o, config: config, reader: reader, now: now).status == .written)
        let queries = reader.storyQueries.count
        #expect(try publisher.publish(o, config: config, reader: reader, now: now + 60).status == .skipped)
        #expect(reader.storyQueries.count == queries, "no store query when nothing moved")

        // A different output configuration is never skipped.
        var renamed = o
        renamed.title = "Live (renamed)"
        #expect(try publisher.publish(renamed, config: config, reader: reader, now: now + 60).status == .written)

        // An edit: new bytes, lastBuildDate moves to the edit time.
        var stories = SampleStories.stories
        stories[1].item.title = "EU leaders agree 20th sanctions package"
        stories[1].item.revision = 2
        stories[1].item.lastChanged = now + 120
        reader.stories = stories
        let edited = try publisher.publish(renamed, config: config, reader: reader, now: now + 180)
        #expect(edited.status == .written)
        let text = try String(contentsOfFile: o.path, encoding: .utf8)
        #expect(text.contains("<lastBuildDate>Tue, 25 Nov 2025 14:07:00 +0000</lastBuildDate>"))
        #expect(text.contains("<title>EU leaders agree 20th sanctions package</title>"))
        #expect(text.contains("<guid isPermaLink=\"false\">urn:feedwire:item:111</guid>"), "GUID unchanged by the edit")
        #expect(text.contains("Updated 14:07 UTC"))
    }

    @Test func deletedFileIsWrittenAgainEvenWhenTheStoreDidNotMove() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories)
        let o = output(.atom, in: dir)
        let publisher = OutputPublisher()
        try publisher.publish(o, config: config, reader: reader, now: now)
        try FileManager.default.removeItem(atPath: o.path)
        #expect(try publisher.publish(o, config: config, reader: reader, now: now).status == .written)
        #expect(FileManager.default.fileExists(atPath: o.path))
    }

    @Test func maxAgeExpiryRendersAgainWithoutAStoreChange() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories)
        let o = output(.json, in: dir) { $0.maxAge = 3 * 3600 }
        let publisher = OutputPublisher()
        #expect(try publisher.publish(o, config: config, reader: reader, now: now).count == 6)
        #expect(try publisher.publish(o, config: config, reader: reader, now: now + 60).status == .skipped)
        // 11:47 + 3 h: story 107 ages out.
        let later = Timestamp(year: 2025, month: 11, day: 25, hour: 14, minute: 48)
        let result = try publisher.publish(o, config: config, reader: reader, now: later)
        #expect(result.status == .written)
        #expect(result.count == 5)
    }

    @Test func renderToAnotherPathAndForce() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories)
        let o = output(.html, in: dir)
        let publisher = OutputPublisher()
        try publisher.publish(o, config: config, reader: reader, now: now)
        let preview = dir.file("preview.html")
        let r = try publisher.publish(o, config: config, reader: reader, now: now, path: preview, force: true)
        #expect(r.status == .written && r.path == preview)
        #expect(try Data(contentsOf: URL(fileURLWithPath: preview)) == Data(contentsOf: URL(fileURLWithPath: o.path)))
        #expect(try publisher.publish(o, config: config, reader: reader, now: now, force: true).status == .unchanged)
    }

    @Test func aStoryCarriedByThreeFeedsAppearsOnceWithEverySourceInEveryFormat() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories)
        for format in [OutputFormat.rss, .atom, .json, .html] {
            let o = output(format, in: dir)
            try OutputPublisher().publish(o, config: config, reader: reader, now: now)
            let text = try String(contentsOfFile: o.path, encoding: .utf8)
            let guidCount = text.components(separatedBy: "urn:feedwire:item:112").count - 1
            #expect(guidCount == (format == .html ? 0 : 1), "\(format)")
            #expect(text.components(separatedBy: "Air defence downs 41 of 48 drones").count - 1 == 1, "\(format)")
            for feedTitle in ["The Kyiv Independent", "Wire Service — Europe", "Українська правда"] {
                #expect(text.contains(feedTitle), "\(format): \(feedTitle)")
            }
        }
    }

    @Test func changesFeedHonoursEventKindsAndFeeds() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories, events: SampleStories.events)
        let updatesOnly = output(.changes, in: dir) { $0.events = [.updated] }
        #expect(try OutputPublisher().publish(updatesOnly, config: config, reader: reader, now: now).count == 3)
        let health = output(.changes, in: dir) { $0.events = [.feedMoved]; $0.path = dir.file("health.atom") }
        #expect(try OutputPublisher().publish(health, config: config, reader: reader, now: now).count == 1)
        let kyiv = output(.changes, in: dir) { $0.feeds = ["kyiv-independent"]; $0.path = dir.file("kyiv.atom") }
        // new 105, updated 105, new 107, new 112, updated 112
        #expect(try OutputPublisher().publish(kyiv, config: config, reader: reader, now: now).count == 5)
    }
}

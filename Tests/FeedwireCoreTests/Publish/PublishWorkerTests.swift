import Dispatch
import FeedwireCore
import FeedwireTestSupport
import Foundation
import Logging
import Testing

@Suite struct PublishWorkerTests {
    func config(_ dir: TemporaryDirectory, outputs: [OutputConfig]) -> FeedwireConfig {
        var c = FeedwireConfig(feeds: SampleStories.feeds, outputs: outputs)
        c.daemon.changelog = dir.file("changes.jsonl")
        return c
    }

    func output(_ name: String, _ format: OutputFormat, path: String) -> OutputConfig {
        var o = OutputConfig(name: name, path: path)
        o.format = format
        return o
    }

    func logIDs(_ path: String) -> [Int64] {
        (FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? "")
            .split(separator: "\n").compactMap { ChangeLogRecord.eventID(line: Array($0.utf8)) }
    }

    @Test func publishesEveryOutputAndTheChangeLog() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories, events: SampleStories.events)
        let outputs = [output("rss", .rss, path: dir.file("a.xml")), output("page", .html, path: dir.file("a.html"))]
        let worker = PublishWorker(config: config(dir, outputs: outputs), reader: reader, clock: FakeClock(Double(SampleStories.now.seconds)))
        let results = worker.publishNow()
        #expect(results.map(\.status) == [.written, .written])
        #expect(logIDs(dir.file("changes.jsonl")) == Array(1...9))
        // Nothing moved: skipped, and the log is not written twice.
        #expect(worker.publishNow().map(\.status) == [.skipped, .skipped])
        #expect(logIDs(dir.file("changes.jsonl")) == Array(1...9))
    }

    @Test func asynchronousPassesAreCoalescedAndSeeNewEvents() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories, events: Array(SampleStories.events.prefix(4)))
        let worker = PublishWorker(config: config(dir, outputs: [output("rss", .rss, path: dir.file("a.xml"))]),
                                   reader: reader, clock: FakeClock(Double(SampleStories.now.seconds)))
        for _ in 0..<20 { worker.publishIfDirty() }
        _ = worker.publishNow()  // waits for the queued pass
        #expect(logIDs(dir.file("changes.jsonl")) == [1, 2, 3, 4])
        reader.events = SampleStories.events
        worker.publishIfDirty()
        _ = worker.publishNow()
        #expect(logIDs(dir.file("changes.jsonl")) == Array(1...9))
    }

    @Test func passesAreSpacedAndAWaitingPassRunsAtShutdown() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories, events: Array(SampleStories.events.prefix(4)))
        let worker = PublishWorker(config: config(dir, outputs: [output("rss", .rss, path: dir.file("a.xml"))]),
                                   reader: reader, clock: FakeClock(Double(SampleStories.now.seconds)), minimumSpacing: 3600)
        _ = worker.publishNow()
        #expect(logIDs(dir.file("changes.jsonl")) == [1, 2, 3, 4])
        reader.events = SampleStories.events
        for _ in 0..<5 { worker.publishIfDirty() }
        #expect(worker.passWaiting)  // an hour of spacing left on the (fake) clock
        #expect(logIDs(dir.file("changes.jsonl")) == [1, 2, 3, 4])
        let stopped = DispatchSemaphore(value: 0)
        worker.shutdown(deadline: 0) { stopped.signal() }
        stopped.wait()
        #expect(logIDs(dir.file("changes.jsonl")) == Array(1...9))
        #expect(!worker.passWaiting)
    }

    @Test func aFailingOutputDoesNotStopTheOthersAndReloadFixesIt() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories, events: SampleStories.events)
        let broken = output("broken", .atom, path: dir.file("missing-dir/feed.atom"))
        let good = output("good", .json, path: dir.file("feed.json"))
        // The expected error is logged; keep it out of the test output.
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let worker = PublishWorker(config: config(dir, outputs: [broken, good]), reader: reader,
                                   clock: FakeClock(Double(SampleStories.now.seconds)), logger: quiet)
        let results = worker.publishNow()
        #expect(results.map(\.output) == ["good"])
        #expect(FileManager.default.fileExists(atPath: dir.file("feed.json")))

        var fixed = broken
        fixed.path = dir.file("feed.atom")
        worker.reload(config(dir, outputs: [fixed, good]))
        #expect(worker.publishNow().map(\.status) == [.written, .skipped])
        #expect(FileManager.default.fileExists(atPath: dir.file("feed.atom")))
    }

    @Test func shutdownClosesAndStopsPublishing() throws {
        let dir = TemporaryDirectory()
        let reader = MemoryStoryReader(stories: SampleStories.stories)
        let worker = PublishWorker(config: config(dir, outputs: [output("rss", .rss, path: dir.file("a.xml"))]),
                                   reader: reader, clock: FakeClock(Double(SampleStories.now.seconds)))
        let done = DispatchSemaphore(value: 0)
        worker.shutdown(deadline: 0) { done.signal() }
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(worker.publishNow().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.file("a.xml")))
    }
}

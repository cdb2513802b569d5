import Dispatch
import Synchronization
@testable import FeedwireCore
import FeedwireTestSupport
import Testing

/// FeedPipeline batches the writes of quiet polls (304, unchanged bytes) —
/// bench-load found one fsync'd transaction per 304 to cost more CPU than
/// the fetch. These tests pin down what may wait, what may not, and that
/// waiting never reorders a feed's records or loses them at a flush point.
@Suite struct FeedPipelineQuietTests {
    static let rss = Array("""
        <?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://example.org/</link>
        <item><title>One</title><link>https://example.org/1</link><guid>https://example.org/1</guid></item>
        </channel></rss>
        """.utf8)

    /// What the fake server answers (status, ETag); shared with the transport's handler.
    final class Answer: Sendable {
        private let value = Mutex<(status: Int, etag: String)>((200, "\"v1\""))
        func set(_ status: Int, _ etag: String) { value.withLock { $0 = (status, etag) } }
        var current: (status: Int, etag: String) { value.withLock { $0 } }
    }

    /// The report a refresh completed with.
    final class ReportBox: Sendable {
        let value = Mutex<RefreshReport?>(nil)
    }

    /// A store with feeds `a` and `b`, each refreshed once with a 200 and ETag "v1" at the clock's start.
    final class Harness: @unchecked Sendable {
        let dir = TemporaryDirectory()
        let store: SQLiteStore
        let clock = FakeClock()
        let transport: FakeTransport
        let pipeline: FeedPipeline
        let config: FeedwireConfig
        let answer = Answer()

        init(delay: Double = 3600, limit: Int = 512) throws {
            config = FeedwireConfig(feeds: [FeedConfig(name: "a", url: "http://127.0.0.1:9/a.xml"),
                                            FeedConfig(name: "b", url: "http://127.0.0.1:9/b.xml")])
            store = try SQLiteStore(path: dir.file("state.db"))
            try store.syncFeeds(config.feeds, now: clock.timestamp)
            let answer = self.answer
            transport = FakeTransport { request in
                let (status, etag) = answer.current
                return .success(HTTPResponse(status: status, headers: HTTPHeaders([("ETag", etag)]),
                                             body: status == 200 ? FeedPipelineQuietTests.rss : [], finalURL: request.url))
            }
            pipeline = FeedPipeline(store: store, transport: transport, config: config, clock: clock,
                                    quietFlushDelay: delay, quietBatchLimit: limit)
            for feed in config.feeds { _ = refresh(feed.name) }
            answer.set(304, "\"v1\"")
        }

        func refresh(_ name: String) -> RefreshReport {
            let feed = config.feeds.first { $0.name == name }!
            let done = DispatchSemaphore(value: 0)
            let report = ReportBox()
            pipeline.refresh(feed: feed) { r in
                report.value.withLock { $0 = r }
                done.signal()
            }
            done.wait()
            return report.value.withLock { $0 }!
        }

        func state(_ name: String) throws -> FeedState { try #require(try store.feedState(named: name)) }
    }

    @Test func aNotModifiedPollWaitsForTheFlush() throws {
        let h = try Harness()
        let first = try h.state("a")
        #expect(first.lastOutcome == .updated)
        h.clock.advance(by: 60)
        #expect(h.refresh("a").outcome == .notModified)
        #expect(try h.state("a").lastFetch == first.lastFetch)  // still waiting
        h.pipeline.flush()
        let after = try h.state("a")
        #expect(after.lastFetch == Timestamp(seconds: first.lastFetch!.seconds + 60))
        #expect(after.lastOutcome == .notModified)
        #expect(after.etag == "\"v1\"")
    }

    @Test func aFullBatchIsWrittenWithoutAFlush() throws {
        let h = try Harness(limit: 2)
        h.clock.advance(by: 60)
        _ = h.refresh("a")
        #expect(try h.state("a").lastOutcome == .updated)
        _ = h.refresh("b")
        #expect(try h.state("a").lastOutcome == .notModified)
        #expect(try h.state("b").lastOutcome == .notModified)
    }

    @Test func aLaterFailureIsWrittenAfterTheWaitingPoll() throws {
        let h = try Harness()
        h.clock.advance(by: 60)
        _ = h.refresh("a")                       // quiet: waits
        h.answer.set(500, "\"v1\"")
        h.clock.advance(by: 60)
        #expect(h.refresh("a").outcome == .failed)  // flushes the quiet one first, then records the failure
        let state = try h.state("a")
        #expect(state.lastOutcome == .httpError)
        #expect(state.consecutiveErrors == 1)
        #expect(state.lastSuccess == Timestamp(seconds: state.lastFetch!.seconds - 60))  // the 304's success kept
    }

    @Test func aPollThatChangesTheValidatorsIsWrittenAtOnce() throws {
        let h = try Harness()
        h.answer.set(304, "\"v2\"")
        _ = h.refresh("a")
        let state = try h.state("a")
        #expect(state.lastOutcome == .notModified)
        #expect(state.etag == "\"v2\"")
    }

    @Test func aRecoveringFeedIsWrittenAtOnce() throws {
        let h = try Harness()
        h.answer.set(500, "\"v1\"")
        _ = h.refresh("a")
        h.answer.set(304, "\"v1\"")
        _ = h.refresh("a")
        let state = try h.state("a")
        #expect(state.lastOutcome == .notModified)
        #expect(state.consecutiveErrors == 0)
    }

    @Test func shutdownWritesTheWaitingPolls() throws {
        let h = try Harness()
        _ = h.refresh("a")
        _ = h.refresh("b")
        let done = DispatchSemaphore(value: 0)
        h.pipeline.shutdown(deadline: SystemClock().now() + 10) { done.signal() }
        done.wait()
        #expect(try h.state("a").lastOutcome == .notModified)
        #expect(try h.state("b").lastOutcome == .notModified)
    }

    @Test func dueTimesJoinTheBatchedWrite() throws {
        let h = try Harness()
        h.pipeline.noteNextDue("a", at: 1_800_000_000)
        h.pipeline.flushNextDue()
        _ = h.refresh("b")  // passes the store queue after flushNextDue's block
        #expect(try h.state("a").nextDue != Timestamp(seconds: 1_800_000_000))
        h.pipeline.flush()
        #expect(try h.state("a").nextDue == Timestamp(seconds: 1_800_000_000))
        #expect(try h.state("b").lastOutcome == .notModified)
    }

    @Test func withoutBatchingDueTimesAreWrittenAtOnce() throws {
        let h = try Harness(delay: 0)
        h.pipeline.noteNextDue("a", at: 1_800_000_000)
        h.pipeline.flushNextDue()
        _ = h.refresh("b")
        #expect(try h.state("a").nextDue == Timestamp(seconds: 1_800_000_000))
    }

    @Test func noDelayWritesEveryPollAtOnce() throws {
        let h = try Harness(delay: 0)
        _ = h.refresh("a")
        #expect(try h.state("a").lastOutcome == .notModified)
    }

    @Test func whatCountsAsQuiet() {
        let state = FeedState(name: "a", url: "http://x/a", configuredURL: "http://x/a", etag: "\"1\"", lastModified: "L")
        let at = Timestamp(seconds: 1)
        let quiet = FetchRecord(at: at, outcome: .notModified, httpStatus: 304,
                                validators: Validators(etag: "\"1\"", lastModified: "L"))
        #expect(FeedPipeline.isQuiet(quiet, state: state))
        #expect(FeedPipeline.isQuiet(FetchRecord(at: at, outcome: .unchanged, httpStatus: 200), state: state))
        #expect(!FeedPipeline.isQuiet(quiet, state: nil))
        var failing = state
        failing.consecutiveErrors = 2
        #expect(!FeedPipeline.isQuiet(quiet, state: failing))
        var disabled = state
        disabled.disabled = true
        #expect(!FeedPipeline.isQuiet(quiet, state: disabled))
        var newETag = quiet
        newETag.validators = Validators(etag: "\"2\"", lastModified: "L")
        #expect(!FeedPipeline.isQuiet(newETag, state: state))
        var moved = quiet
        moved.movedTo = "http://y/a"
        #expect(!FeedPipeline.isQuiet(moved, state: state))
        #expect(!FeedPipeline.isQuiet(FetchRecord(at: at, outcome: .updated, httpStatus: 200), state: state))
        #expect(!FeedPipeline.isQuiet(FetchRecord(at: at, outcome: .httpError, httpStatus: 500, error: "x"), state: state))
    }
}

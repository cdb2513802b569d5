import Dispatch
@testable import FeedwireCore
import FeedwireTestSupport
import Testing

/// FeedPipeline keeps each feed's stored state in memory (`FeedStateCache`)
/// so an unchanged poll needs no store hop; these tests pin down that the
/// conditional GET's validators stay those the store has after a 200, a
/// reload with a changed URL and a permanent redirect.
@Suite struct FeedStateCacheTests {
    typealias Harness = FeedPipelineQuietTests.Harness

    @Test func anEntryIsForItsAddressOnly() {
        let cache = FeedStateCache()
        cache.put(FeedState(name: "a", url: "http://x/a", etag: "\"1\""), loadedIn: cache.generation)
        #expect(cache.cached("a", url: "http://x/a")?.etag == "\"1\"")
        #expect(cache.cached("a", url: "http://y/a") == nil)
        #expect(cache.cached("b", url: "http://x/a") == nil)
        cache.forget("a")
        #expect(cache.cached("a", url: "http://x/a") == nil)
    }

    @Test func aStateReadBeforeAReloadIsNotKept() {
        let cache = FeedStateCache()
        let before = cache.generation
        cache.put(FeedState(name: "a", url: "http://x/a"), loadedIn: before)
        cache.invalidateAll()
        #expect(cache.count == 0)
        cache.put(FeedState(name: "b", url: "http://x/b"), loadedIn: before)  // loaded before the reload
        #expect(cache.count == 0)
        cache.put(FeedState(name: "b", url: "http://x/b"), loadedIn: cache.generation)
        #expect(cache.count == 1)
    }

    @Test func aPollAfterA200SendsItsNewValidators() throws {
        let h = try Harness()
        #expect(h.pipeline.states.cached("a", url: "http://127.0.0.1:9/a.xml")?.etag == "\"v1\"")
        #expect(h.transport.requests.first?.headers["If-None-Match"] == nil)  // the first poll had none
        h.answer.set(200, "\"v2\"")
        #expect(h.refresh("a").outcome == .changed)
        h.answer.set(304, "\"v2\"")
        #expect(h.refresh("a").outcome == .notModified)
        #expect(h.transport.requests.last?.headers["If-None-Match"] == "\"v2\"")
        #expect(h.refresh("a").outcome == .notModified)
        #expect(h.transport.requests.last?.headers["If-None-Match"] == "\"v2\"")
        #expect(try h.state("a").etag == "\"v2\"")
    }

    @Test func quietPollsKeepTheCachedStateAndSendTheSameValidators() throws {
        let h = try Harness()
        for _ in 0..<3 { #expect(h.refresh("a").outcome == .notModified) }
        let sent = h.transport.requests.suffix(3).map { $0.headers["If-None-Match"] }
        #expect(sent == ["\"v1\"", "\"v1\"", "\"v1\""])
        let cached = try #require(h.pipeline.states.cached("a", url: "http://127.0.0.1:9/a.xml"))
        h.pipeline.flush()
        #expect(cached == (try h.state("a")).withFetchFields(of: cached))  // differs in fetch times only
    }

    @Test func aReloadThatChangesTheURLDropsTheValidators() throws {
        let h = try Harness()
        _ = h.refresh("a")
        var config = h.config
        config.feeds[0].url = "http://127.0.0.1:9/a2.xml"
        try h.store.syncFeeds(config.feeds, now: h.clock.timestamp)
        h.pipeline.reconfigure(config)
        let done = DispatchSemaphore(value: 0)
        h.pipeline.refresh(feed: config.feeds[0]) { _ in done.signal() }
        done.wait()
        let request = try #require(h.transport.requests.last)
        #expect(request.url == "http://127.0.0.1:9/a2.xml")
        #expect(request.headers["If-None-Match"] == nil)
    }

    @Test func aPermanentRedirectIsFollowedWithTheStoredValidators() throws {
        let h = try Harness()
        let moved = "http://127.0.0.1:9/new-a.xml"
        h.transport.setHandler { _ in
            .success(HTTPResponse(status: 200, headers: HTTPHeaders([("ETag", "\"m1\"")]), body: FeedPipelineQuietTests.rss,
                                  finalURL: moved, redirects: 1, permanentRedirect: true))
        }
        _ = h.refresh("a")
        #expect(try h.state("a").url == moved)
        h.transport.setHandler { request in .success(HTTPResponse(status: 304, finalURL: request.url)) }
        var feed = h.config.feeds[0]
        feed.url = moved  // what the daemon fetches after the move
        let done = DispatchSemaphore(value: 0)
        h.pipeline.refresh(feed: feed) { _ in done.signal() }
        done.wait()
        let request = try #require(h.transport.requests.last)
        #expect(request.url == moved)
        #expect(request.headers["If-None-Match"] == "\"m1\"")
    }
}

extension FeedState {
    /// This state with the fetch-time fields of `other` (which quiet polls change in the store only).
    func withFetchFields(of other: FeedState?) -> FeedState {
        guard let other else { return self }
        var s = self
        s.lastFetch = other.lastFetch
        s.lastSuccess = other.lastSuccess
        s.lastOutcome = other.lastOutcome
        s.lastStatus = other.lastStatus
        s.nextDue = other.nextDue
        return s
    }
}

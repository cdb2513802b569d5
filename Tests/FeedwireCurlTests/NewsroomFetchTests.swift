import FeedwireCore
import FeedwireCurl
import FeedwireTestSupport
import Foundation
import Testing

/// The engine against `../shared/tools/newsroom.py`: conditional GET, gzip,
/// the scripted 301, 410, 500 and hang. Each test has its own server (the
/// steps are global state).
@Suite struct NewsroomFetchTests {
    @Test func fullThenConditionalByETag() throws {
        let news = try CurlTest.newsroom()
        let t = try CurlTest.transport()
        let url = "\(news.baseURL)/feeds/wire.rss"
        let first = try #require(CurlTest.get(t, url).response)
        #expect(first.status == 200)
        #expect(first.body.starts(with: Array("<?xml".utf8)), "gzip is decoded")
        #expect(first.headers["Content-Encoding"] == "gzip")
        #expect(first.wireBytes > 0 && first.wireBytes < first.body.count, "fewer bytes on the wire than decoded")
        let validators = Validators(headers: first.headers)
        #expect(validators.etag != nil && validators.lastModified != nil)

        let second = try #require(t.sendAndWait(FeedRequest.make(url: url, validators: validators)).response)
        #expect(second.status == 304)
        #expect(second.body.isEmpty)
        let outcome = FetchOutcome.classify(.success(second), subject: "feed wire", previous: validators, now: Timestamp(seconds: 0))
        #expect(outcome.kind == .notModified && outcome.validators.etag == validators.etag)

        let state = try news.get("/_control/state?events=0").json()
        let last = state["feeds"]?["wire"]?["last_request"]
        #expect(last?["if_none_match"]?.stringValue == validators.etag)
        #expect(last?["user_agent"]?.stringValue == "Feedwire/\(FeedwireVersion.current) (+tests@example.org)")
    }

    @Test func conditionalByLastModifiedOnly() throws {
        let news = try CurlTest.newsroom()
        let t = try CurlTest.transport()
        let url = "\(news.baseURL)/feeds/europe.atom"
        let first = try #require(CurlTest.get(t, url).response)
        #expect(first.status == 200)
        let onlyDate = Validators(lastModified: first.headers["Last-Modified"])
        #expect(onlyDate.lastModified != nil && onlyDate.etag == nil)
        let second = try #require(t.sendAndWait(FeedRequest.make(url: url, validators: onlyDate)).response)
        #expect(second.status == 304)
        // After a change the same validators get the new document.
        _ = try news.post("/_control/tick")
        let third = try #require(t.sendAndWait(FeedRequest.make(url: url, validators: onlyDate)).response)
        #expect(third.status == 200 && !third.body.isEmpty)
    }

    @Test func permanentMoveAtStepNine() throws {
        let news = try CurlTest.newsroom()
        _ = try news.post("/_control/tick?n=9")
        let t = try CurlTest.transport()
        let r = try #require(CurlTest.get(t, "\(news.baseURL)/feeds/tracker.rss").response)
        #expect(r.status == 200)
        #expect(r.finalURL == "\(news.baseURL)/feeds/tracker-v2.rss")
        #expect(r.redirects == 1 && r.permanentRedirect)
        let o = FetchOutcome.classify(.success(r), subject: "feed tracker", now: Timestamp(seconds: 0))
        #expect(o.kind == .moved && o.movedTo == "\(news.baseURL)/feeds/tracker-v2.rss" && o.hasContent)
    }

    @Test func goneAtStepEleven() throws {
        let news = try CurlTest.newsroom()
        _ = try news.post("/_control/tick?n=11")
        let t = try CurlTest.transport()
        let o = FetchOutcome.classify(CurlTest.get(t, "\(news.baseURL)/feeds/digest.json"), subject: "feed digest",
                                      now: Timestamp(seconds: 0))
        #expect(o.status == 410 && o.kind == .gone && o.disablesFeed)
        #expect(o.message.contains("feed digest: HTTP 410 Gone"))
    }

    @Test func serverErrorAtStepFive() throws {
        let news = try CurlTest.newsroom()
        _ = try news.post("/_control/tick?n=5")
        let t = try CurlTest.transport()
        let o = FetchOutcome.classify(CurlTest.get(t, "\(news.baseURL)/feeds/odd.rss"), subject: "feed odd", now: Timestamp(seconds: 0))
        #expect(o.status == 500 && o.kind == .serverError)
    }

    @Test func hangTimesOut() throws {
        let news = try CurlTest.newsroom(["--hang-seconds", "6"])
        _ = try news.post("/_control/tick?n=7")
        let t = try CurlTest.transport()
        let start = monotonicSeconds()
        let r = CurlTest.get(t, "\(news.baseURL)/feeds/council.rdf", limits: CurlTest.limits(total: 1))
        let elapsed = monotonicSeconds() - start
        guard case .timeout = r.error else {
            Issue.record("expected a timeout, got \(r)")
            return
        }
        #expect(elapsed < 5, "the 1 s timeout fired (took \(elapsed) s)")
    }
}

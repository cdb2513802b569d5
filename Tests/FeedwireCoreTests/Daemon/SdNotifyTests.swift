import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct SdNotifyTests {
    @Test(arguments: [false, true])
    func sendsDatagramsToPathAndAbstractSockets(abstract: Bool) throws {
        let dir = TemporaryDirectory()
        let manager = try FakeNotifySocket(directory: dir.path, abstract: abstract)
        let notify = try #require(SdNotify(address: manager.address))
        #expect(notify.send("READY=1\nSTATUS=ok"))
        #expect(manager.receive() == "READY=1\nSTATUS=ok")
        #expect(notify.send("WATCHDOG=1"))
        #expect(manager.receive() == "WATCHDOG=1")
    }

    @Test func aVanishedManagerIsNotAnError() throws {
        let dir = TemporaryDirectory()
        let notify = try #require(SdNotify(address: dir.file("gone.sock")))
        #expect(!notify.send("READY=1"))
    }

    @Test func aManagerThatStopsReadingNeverBlocksUs() throws {
        let dir = TemporaryDirectory()
        let manager = try FakeNotifySocket(directory: dir.path)
        let notify = try #require(SdNotify(address: manager.address))
        // The datagram queue is short (net.unix.max_dgram_qlen); past it, sends fail instead of blocking.
        var failed = false
        for _ in 0..<10_000 where !notify.send("STATUS=x") { failed = true }
        #expect(failed)
        _ = manager
    }

    @Test(arguments: ["", "relative/path", "@", String(repeating: "/x", count: 60)])
    func unusableAddressesGiveNoNotifier(address: String) {
        #expect(SdNotify(address: address) == nil)
    }

    @Test func statusStaysOnOneLine() {
        #expect(SdNotify.statusLine("a\r\nb\nc") == "STATUS=a  b c")
    }
}

@Suite struct RefreshReportMappingTests {
    private let now = Timestamp(year: 2025, month: 11, day: 25, hour: 12)

    private func outcome(_ status: Int, _ headers: [(String, String)] = [], permanent: Bool = false) -> FetchOutcome {
        let response = HTTPResponse(status: status, headers: HTTPHeaders(headers), body: status == 200 ? Array("<rss/>".utf8) : [],
                                    finalURL: permanent ? "https://new.test/feed" : "https://old.test/feed",
                                    redirects: permanent ? 1 : 0, permanentRedirect: permanent)
        return FetchOutcome.classify(.success(response), subject: "feed x", now: now)
    }

    @Test func mapsFetchOutcomes() {
        var hints = PollHints()
        hints.ttlMinutes = 30
        let ok = RefreshReport(fetch: outcome(200, [("Cache-Control", "max-age=600")]), newItems: 2, updatedItems: 1, hints: hints)
        #expect(ok.outcome == .changed && ok.newItems == 2 && ok.updatedItems == 1 && ok.pollHints == hints)
        #expect(ok.cache.maxAge == 600 && ok.failure == nil)
        #expect(RefreshReport(fetch: outcome(304)).outcome == .notModified)
        #expect(RefreshReport(fetch: outcome(410)).outcome == .gone)
        let limited = RefreshReport(fetch: outcome(429, [("Retry-After", "120")]))
        #expect(limited.outcome == .failed && limited.retryAfter == 120 && limited.httpStatus == 429)
        #expect(limited.failure?.contains("HTTP 429") == true)
        let server = RefreshReport(fetch: outcome(500))
        #expect(server.outcome == .failed && server.retryAfter == nil)
        let failed = RefreshReport(fetch: FetchOutcome.classify(.failure(.timeout("30 s")), subject: "feed x", now: now))
        #expect(failed.outcome == .failed && failed.httpStatus == nil && failed.failure != nil)
    }

    @Test func permanentRedirectsCarryTheNewAddress() {
        let moved = RefreshReport(fetch: outcome(200, permanent: true))
        #expect(moved.outcome == .changed)
        #expect(moved.movedTo == "https://new.test/feed")
    }
}

import FeedwireCore
import Testing

@Suite struct FetchOutcomeTests {
    let now = Timestamp(year: 2025, month: 11, day: 25, hour: 12)
    let url = "https://kyiv.example/rss"

    func response(_ status: Int, _ headers: [(String, String)] = [], body: String = "", redirects: Int = 0,
                  permanent: Bool = false, final: String? = nil) -> Result<HTTPResponse, TransportError> {
        .success(HTTPResponse(status: status, headers: HTTPHeaders(headers), body: Array(body.utf8), finalURL: final ?? url,
                              redirects: redirects, permanentRedirect: permanent, wireBytes: body.utf8.count, seconds: 0.25))
    }

    func classify(_ r: Result<HTTPResponse, TransportError>, previous: Validators = Validators()) -> FetchOutcome {
        FetchOutcome.classify(r, subject: "feed kyiv", previous: previous, now: now)
    }

    @Test func okCarriesBodyValidatorsAndCacheHints() {
        let o = classify(response(200, [("ETag", "\"v2\""), ("Last-Modified", "Tue, 25 Nov 2025 11:00:00 GMT"),
                                        ("Cache-Control", "max-age=900"), ("Date", "Tue, 25 Nov 2025 12:00:00 GMT")],
                                  body: "<rss/>"),
                         previous: Validators(etag: "\"v1\""))
        #expect(o.kind == .ok && o.isSuccess && o.hasContent && !o.disablesFeed)
        #expect(o.body == Array("<rss/>".utf8))
        #expect(o.validators == Validators(etag: "\"v2\"", lastModified: "Tue, 25 Nov 2025 11:00:00 GMT"))
        #expect(o.cacheMaxAge == 900)
        #expect(o.cache.date == nil, "Date is parsed only when Expires or Retry-After needs it")
        #expect(o.movedTo == nil && o.retryAfter == nil)
        #expect(o.status == 200)
        #expect(o.message.hasPrefix("feed kyiv: HTTP 200 OK"))
    }

    @Test func notModifiedKeepsValidatorsTheServerOmitted() {
        let o = classify(response(304, [("ETag", "\"v3\"")]), previous: Validators(etag: "\"v2\"", lastModified: "Mon, 24 Nov 2025 10:00:00 GMT"))
        #expect(o.kind == .notModified && o.isSuccess && !o.hasContent)
        #expect(o.validators == Validators(etag: "\"v3\"", lastModified: "Mon, 24 Nov 2025 10:00:00 GMT"))
        #expect(o.message == "feed kyiv: HTTP 304 Not Modified — unchanged since the last fetch")
    }

    @Test func permanentChainIsAMove() {
        let o = classify(response(200, body: "<rss/>", redirects: 2, permanent: true, final: "https://kyiv.example/feed-v2"))
        #expect(o.kind == .moved && o.isSuccess && o.hasContent)
        #expect(o.movedTo == "https://kyiv.example/feed-v2")
        #expect(o.body.count == 6)
        #expect(o.message.contains("moved permanently to https://kyiv.example/feed-v2"))
        #expect(o.message.contains("feeds.conf"))
    }

    @Test func temporaryRedirectIsNoMove() {
        let o = classify(response(200, body: "x", redirects: 1, permanent: false, final: "https://cdn.example/x"))
        #expect(o.kind == .ok && o.movedTo == nil && o.finalURL == "https://cdn.example/x")
    }

    @Test func notModifiedThroughAPermanentMove() {
        let o = classify(response(304, redirects: 1, permanent: true, final: "https://kyiv.example/v2"))
        #expect(o.kind == .notModified && o.movedTo == "https://kyiv.example/v2")
    }

    @Test func goneDisables() {
        let o = classify(response(410))
        #expect(o.kind == .gone && o.disablesFeed && !o.isSuccess)
        #expect(o.message == "feed kyiv: HTTP 410 Gone — the publisher removed this feed; it is disabled; remove it from feeds.conf or change its url")
    }

    @Test func notFound() {
        let o = classify(response(404))
        #expect(o.kind == .notFound && !o.disablesFeed)
        #expect(o.message.contains("HTTP 404 Not Found") && o.message.contains("check the feed's url"))
    }

    @Test func rateLimitedWithSeconds() {
        let o = classify(response(429, [("Retry-After", "120")]))
        #expect(o.kind == .rateLimited && o.retryAfter == 120)
        #expect(o.message.contains("wait 120 s") && o.message.contains("raise this feed's interval"))
    }

    @Test func unavailableWithDateMeasuredFromServerDate() {
        let o = classify(response(503, [("Retry-After", "Tue, 25 Nov 2025 11:05:00 GMT"), ("Date", "Tue, 25 Nov 2025 11:00:00 GMT")]))
        #expect(o.kind == .unavailable && o.retryAfter == 300)
    }

    @Test func unavailableWithGarbageFallsBackToBackoff() {
        let o = classify(response(503, [("Retry-After", "soon")]))
        #expect(o.kind == .unavailable && o.retryAfter == nil)
        #expect(o.message.contains("backoff"))
    }

    @Test func retryAfterClampedToADay() {
        #expect(classify(response(429, [("Retry-After", "604800")])).retryAfter == 86_400)
        #expect(classify(response(429, [("Retry-After", "0")])).retryAfter == 1)
    }

    @Test(arguments: [(403, FetchOutcome.Kind.clientError), (401, .clientError), (500, .serverError), (502, .serverError),
                      (204, .unexpectedStatus), (300, .unexpectedStatus), (302, .unexpectedStatus), (101, .unexpectedStatus)])
    func otherStatuses(_ status: Int, _ kind: FetchOutcome.Kind) {
        let o = classify(response(status))
        #expect(o.kind == kind && !o.isSuccess && o.status == status)
        #expect(o.message.hasPrefix("feed kyiv: "))
    }

    @Test(arguments: [
        (TransportError.timeout("30 s"), FetchOutcome.Kind.timeout, "timed out"),
        (.tooLarge(limit: 15_728_640), .tooLarge, "max_body"),
        (.tls("certificate expired"), .tls, "tls_verify"),
        (.dns("no.such.host"), .dns, "DNS"),
        (.connect("refused"), .connect, "reachable"),
        (.refusedByPolicy("127.0.0.1 is loopback"), .refused, "allow_networks"),
        (.tooManyRedirects(5), .tooManyRedirects, "final URL"),
        (.protocolNotAllowed("file://"), .protocolNotAllowed, "http or https"),
        (.invalidURL("x"), .invalidURL, "feeds.conf"),
        (.cancelled, .cancelled, "shutdown"),
        (.other("recv failure"), .failed, "backoff"),
    ])
    func transportFailures(_ error: TransportError, _ kind: FetchOutcome.Kind, _ fragment: String) {
        let o = classify(.failure(error), previous: Validators(etag: "\"keep\""))
        #expect(o.kind == kind && !o.isSuccess && o.status == nil)
        #expect(o.transportError == error)
        #expect(o.validators.etag == "\"keep\"", "a failure keeps the stored validators")
        #expect(o.message.hasPrefix("feed kyiv: "))
        #expect(o.message.contains(fragment), "\(o.message)")
    }
}

@Suite struct ValidatorsTests {
    @Test func conditionalHeaders() {
        var h = HTTPHeaders([("Accept", "*/*")])
        Validators(etag: "W/\"abc\"", lastModified: "Tue, 25 Nov 2025 10:00:00 GMT").apply(to: &h)
        #expect(h["If-None-Match"] == "W/\"abc\"")
        #expect(h["If-Modified-Since"] == "Tue, 25 Nov 2025 10:00:00 GMT")
        var only = HTTPHeaders()
        Validators(lastModified: "Tue, 25 Nov 2025 10:00:00 GMT").apply(to: &only)
        #expect(only["If-None-Match"] == nil && only["If-Modified-Since"] != nil)
        var none = HTTPHeaders()
        Validators().apply(to: &none)
        #expect(none.fields.isEmpty)
    }

    @Test func headerNamesCompareCaseInsensitivelyAsASCII() {
        var h = HTTPHeaders([("ETag", "a"), ("x-[weird", "b"), ("Set-Cookie", "1"), ("set-cookie", "2")])
        #expect(h["etag"] == "a" && h["ETAG"] == "a")
        #expect(h["x-{weird"] == nil, "[ and { differ only in bit 0x20 but are not letters")
        #expect(h["x-[WEIRD"] == "b")
        #expect(h.values("SET-COOKIE") == ["1", "2"])
        #expect(h["ETa"] == nil && h["ETagX"] == nil)
        h.remove("SET-cookie")
        #expect(h.fields.count == 2)
        #expect(HTTPHeaders([("A", "1")]) == HTTPHeaders([("a", "1")]))
    }

    @Test func fromHeadersAndCleaning() {
        let v = Validators(headers: HTTPHeaders([("etag", " \"x\" "), ("LAST-MODIFIED", "")]))
        #expect(v.etag == "\"x\"" && v.lastModified == nil)
        #expect(Validators(etag: "\"a\"\r\nX-Evil: 1").etag == nil)
        #expect(Validators(etag: "a\tb").etag == nil)
        #expect(Validators().isEmpty)
    }

    @Test func feedRequestIsConditional() {
        let r = FeedRequest.make(url: "https://x.example/rss", validators: Validators(etag: "\"1\""), label: "feed x")
        #expect(r.method == .get && r.followRedirects && r.verifyTLS)
        #expect(r.headers["If-None-Match"] == "\"1\"")
        #expect(r.headers["Accept"] == nil, "libcurl's */* stands")
        #expect(FeedRequest.make(url: "https://x.example/rss").headers.fields.isEmpty)
        #expect(r.label == "feed x")
    }

    @Test func fileRoundTrip() {
        let a = Validators(etag: "\"5e1f-61a\"", lastModified: "Tue, 25 Nov 2025 10:00:00 GMT")
        let b = Validators(lastModified: "Mon, 24 Nov 2025 10:00:00 GMT")
        var text = ValidatorsFile.header
        text += ValidatorsFile.line(url: "http://a.example/feed", validators: a)!
        text += ValidatorsFile.line(url: "http://b.example/feed", validators: b)!
        text += "broken line without tabs\n\n# comment\r\n\tno url\t\n"
        text += "http://d.example/\t\"x\"\tdate\textra\n"
        text += "http://e.example/\t\t\r\n"
        #expect(ValidatorsFile.line(url: "http://c.example/", validators: Validators()) == nil)
        #expect(ValidatorsFile.line(url: "http://c.example/\tx", validators: a) == nil)
        let parsed = ValidatorsFile.parse(Array(text.utf8))
        #expect(parsed.validators.count == 2)
        #expect(parsed.validators["http://a.example/feed"] == a)
        #expect(parsed.validators["http://b.example/feed"] == b)
        #expect(parsed.badLines == [4, 7, 8], "no tabs, empty URL, a third tab")
        #expect(parsed.validators["http://e.example/"] == nil, "nothing to keep")
    }
}

@Suite struct PerHostQueueTests {
    @Test func perHostAndTotalLimits() {
        var q = PerHostQueue<Int>(maxTotal: 3, maxPerHost: 2)
        for i in 0..<5 { q.enqueue(i, host: "a") }
        for i in 10..<12 { q.enqueue(i, host: "b") }
        var started: [(Int, String)] = []
        while let (e, h) = q.next() { started.append((e, h)) }
        #expect(started.map(\.0) == [0, 10, 1], "round-robin between hosts, FIFO within one")
        #expect(q.inFlight == 3 && q.waiting == 4)
        q.finished(host: "a")
        let n = q.next()
        #expect(n?.element == 11, "b's turn, b has a free slot")
        #expect(q.next() == nil, "total limit")
        q.finished(host: "b")
        q.finished(host: "b")
        #expect(q.next()?.element == 2)
        #expect(q.next() == nil, "a already has 2 in flight")
        #expect(q.inFlight == 2)
    }

    @Test func drainsEverythingInOrder() {
        var q = PerHostQueue<Int>(maxTotal: 4, maxPerHost: 1)
        for i in 0..<300 { q.enqueue(i, host: "h\(i % 3)") }
        var order: [Int] = []
        var live: [(Int, String)] = []
        while order.count < 300 {
            while let (e, h) = q.next() { live.append((e, h)) }
            #expect(live.count <= 3, "one per host, three hosts")
            let (e, h) = live.removeFirst()
            order.append(e)
            q.finished(host: h)
        }
        for host in 0..<3 {
            let mine = order.filter { $0 % 3 == host }
            #expect(mine == mine.sorted())
        }
        #expect(q.inFlight == 0 && q.waiting == 0)
    }

    @Test func removeAllWaitingKeepsInFlightAccounting() {
        var q = PerHostQueue<Int>(maxTotal: 10, maxPerHost: 1)
        for i in 0..<4 { q.enqueue(i, host: "a") }
        #expect(q.next()?.element == 0)
        #expect(q.removeAllWaiting().sorted() == [1, 2, 3])
        #expect(q.waiting == 0 && q.inFlight == 1)
        q.finished(host: "a")
        #expect(q.inFlight == 0)
        q.enqueue(9, host: "a")
        #expect(q.next()?.element == 9)
    }
}

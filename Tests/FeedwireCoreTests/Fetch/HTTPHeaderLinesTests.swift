import FeedwireCore
import Testing

@Suite struct HTTPHeaderLinesTests {
    @Test func statusLineStartsABlock() {
        func status(_ s: String) -> Bool { Array(s.utf8).withUnsafeBytes { HTTPHeaderLines.isStatusLine($0) } }
        #expect(status("HTTP/1.1 304 Not Modified\r\n"))
        #expect(status("HTTP/2 200 \r\n"), "libcurl's synthetic HTTP/2 status line")
        #expect(!status("ETag: \"x\"\r\n"))
        #expect(!status("HTTP\r\n"))
    }

    @Test func fieldsInOrderWithTrimmedValues() {
        let block = "Server: nginx\r\nDate: Tue, 25 Nov 2025 12:00:00 GMT\r\nETag:\t\"5e1f\" \r\n"
            + "X-Empty:\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n"
        let h = HTTPHeaderLines.parse(Array(block.utf8))
        #expect(h.fields.map(\.name) == ["Server", "Date", "ETag", "X-Empty", "Set-Cookie", "set-cookie"])
        #expect(h["etag"] == "\"5e1f\"", "names case-insensitive, value without surrounding whitespace")
        #expect(h["X-Empty"] == "")
        #expect(h.values("Set-Cookie") == ["a=1", "b=2"])
    }

    @Test func foldedLinesContinueTheValueAndJunkIsSkipped() {
        let block = "X-Long: one\r\n  two\r\n\tthree\r\nno colon here\r\n: no name\r\nLocation: /next\n"
        let h = HTTPHeaderLines.parse(Array(block.utf8))
        #expect(h.fields.count == 2)
        #expect(h["X-Long"] == "one two three")
        #expect(h["Location"] == "/next", "a bare LF ends a line too")
    }

    @Test func emptyAndInvalidUTF8() {
        #expect(HTTPHeaderLines.parse([]).fields.isEmpty)
        let h = HTTPHeaderLines.parse(Array("X-Bin: a".utf8) + [0xFF] + Array("b\r\n".utf8))
        #expect(h["X-Bin"] == "a\u{FFFD}b", "invalid UTF-8 is repaired, not dropped")
    }
}

@Suite struct ByteLinesTests {
    func lines(_ s: String) -> [String] {
        Array(s.utf8).withUnsafeBytes { b in ByteLines(b).map { ByteLines.text(b, $0) } }
    }

    @Test func splitsOnLFAndDropsCRs() {
        #expect(lines("a\nb\r\n\nc") == ["a", "b", "", "c"])
        #expect(lines("a\n") == ["a"], "a final newline ends the last line, it does not start another")
        #expect(lines("") == [])
        #expect(lines("x\r\r\n") == ["x"])
    }

    @Test func helpers() {
        Array("  k:\tv  \n".utf8).withUnsafeBytes { b in
            #expect(ByteLines.newlines(in: b) == 1)
            #expect(ByteLines.first(0x3A, in: b, 0..<b.count) == 3)
            #expect(ByteLines.first(0x3A, in: b, 4..<b.count) == nil)
            #expect(ByteLines.text(b, ByteLines.trimmed(b, 0..<8)) == "k:\tv")
        }
    }
}

/// A response from the engine keeps its raw header block; every way of
/// reading it must agree with the parsed fields.
@Suite struct RawHeaderResponseTests {
    let now = Timestamp(year: 2025, month: 11, day: 25, hour: 12)

    func raw(_ status: Int, _ block: String) -> HTTPResponse {
        HTTPResponse(status: status, headerBlock: Array(block.utf8), finalURL: "http://x.example/feed")
    }

    @Test func lookupsAgreeWithTheParsedFields() {
        let r = raw(200, "Date: Tue, 25 Nov 2025 12:00:00 GMT\r\nCache-Control: public\r\netag: \"a\"\r\n"
                         + "cache-control:  max-age=60 \r\nX-Folded: one\r\n two\r\n\r\n")
        #expect(r.header("ETag") == "\"a\"")
        #expect(r.headerValues("Cache-Control") == ["public", "max-age=60"])
        #expect(r.header("X-Folded") == "one two", "a folded line continues the value")
        #expect(r.header("Expires") == nil)
        #expect(r.headers.fields.count == 5)
        var seen: [String] = []
        r.visitHeaders(named: ["Date", "X-Folded"]) { i, v in seen.append("\(i)=\(v)") }
        #expect(seen == ["0=Tue, 25 Nov 2025 12:00:00 GMT", "1=one two"])
    }

    @Test(arguments: [200, 304, 404, 429, 503, 302])
    func classifyIsTheSameForRawAndParsedHeaders(_ status: Int) {
        let block = "ETag: \"v2\"\r\nLast-Modified: Tue, 25 Nov 2025 11:00:00 GMT\r\nCache-Control: max-age=900\r\n"
            + "Date: Tue, 25 Nov 2025 12:00:00 GMT\r\nExpires: Tue, 25 Nov 2025 13:00:00 GMT\r\nRetry-After: 120\r\nLocation: /elsewhere\r\n"
        let r = raw(status, block)
        var parsed = r
        parsed.headers = r.headers  // the same fields, stored instead of raw
        let previous = Validators(etag: "\"v1\"")
        let a = FetchOutcome.classify(.success(r), subject: "feed", previous: previous, now: now)
        let b = FetchOutcome.classify(.success(parsed), subject: "feed", previous: previous, now: now)
        #expect(a.kind == b.kind && a.validators == b.validators && a.cache == b.cache)
        #expect(a.retryAfter == b.retryAfter && a.location == b.location && a.message == b.message)
        if status == 429 || status == 503 { #expect(a.retryAfter == 120) }
        if status == 200 { #expect(a.validators.etag == "\"v2\"" && a.cacheMaxAge == 900) }
    }
}

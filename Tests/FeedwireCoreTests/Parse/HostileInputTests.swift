import FeedwireCore
import FeedwireTestSupport
import Foundation
import Glibc
import Testing

/// Hostile documents finish fast with the refusal in `errors`, read no file
/// and open no connection. The 5 s bounds only catch runaway expansion;
/// each case takes milliseconds.
@Suite struct HostileInputTests {
    static let bound: Duration = .seconds(5)

    func timedParse(_ text: String, chunk: Int = FeedParseSession.chunkSize) throws -> (ParsedFeed, Duration) {
        let bytes = Array(text.utf8)
        let clock = ContinuousClock()
        var feed: ParsedFeed?
        let elapsed = try clock.measure {
            let session = FeedParseSession(options: FeedParseOptions(baseURL: "https://hostile.example/feed.xml"))
            var i = 0
            while i < bytes.count {
                let end = min(bytes.count, i + chunk)
                try session.consume(Array(bytes[i..<end]))
                i = end
            }
            feed = try session.finish()
        }
        return (try #require(feed), elapsed)
    }

    func json(_ feed: ParsedFeed) -> String { String(decoding: ParseJSONWriter.line(feed), as: UTF8.self) }

    @Test(arguments: ParseFixtures.inputs.filter { $0.hasPrefix("hostile-") })
    func hostileFixturesFinishFastAndReportTheRefusal(_ name: String) throws {
        let (feed, elapsed) = try timedParse(String(decoding: ParseFixtures.bytes(name), as: UTF8.self))
        #expect(elapsed < HostileInputTests.bound, "\(name) took \(elapsed)")
        #expect(!feed.wellFormed)
        #expect(feed.errors.contains { $0.contains("was not") || $0.contains("deeper than") }, "\(name): \(feed.errors)")
        #expect(!json(feed).contains("root:x:0:0"))
    }

    @Test func billionLaughsWithTwentyLevels() throws {
        var decl = "<!ENTITY l0 \"lol\">\n"
        for k in 1...20 { decl += "<!ENTITY l\(k) \"" + String(repeating: "&l\(k - 1);", count: 10) + "\">\n" }
        let (feed, elapsed) = try timedParse("<!DOCTYPE rss [\(decl)]><rss><channel><title>&l20;</title><item><title>&l20;&l0;</title></item></channel></rss>")
        #expect(elapsed < HostileInputTests.bound)
        #expect(feed.items.first?.title == "lol")
        #expect(feed.errors.contains { $0.contains("&l20; was not expanded") })
    }

    @Test func millionDeepNesting() throws {
        let n = 1_000_000
        let text = "<rss><channel><title>deep</title>" + String(repeating: "<a>", count: n) + String(repeating: "</a>", count: n)
            + "</channel></rss>"
        let (feed, elapsed) = try timedParse(text, chunk: 16 * 1024)
        #expect(elapsed < HostileInputTests.bound)
        #expect(feed.title == "deep")
        #expect(feed.errors.contains { $0.contains("nested deeper than 256 levels") })
    }

    @Test func quadraticBlowupStopsAtTheTextBound() throws {
        // A 1000-byte plain entity is allowed; 200,000 references would make
        // 200 MB of text from 1 MB of input. Reading stops at max(1 MiB, 5 × input).
        let value = String(repeating: "x", count: 1000)
        let refs = String(repeating: "&e;", count: 200_000)
        let text = "<!DOCTYPE rss [<!ENTITY e \"\(value)\">]><rss><channel><item><title>\(refs)</title></item></channel></rss>"
        let (feed, elapsed) = try timedParse(text)
        #expect(elapsed < HostileInputTests.bound)
        #expect(feed.errors.contains { $0.contains("expands to more than") })
        #expect(feed.items.isEmpty)   // the item never ended
    }

    @Test func largeEntityIsRefusedNotExpanded() throws {
        let value = String(repeating: "y", count: 1025)
        let (feed, _) = try timedParse("<!DOCTYPE rss [<!ENTITY e \"\(value)\">]><rss><channel><title>a&e;b</title></channel></rss>")
        #expect(feed.title == "ab")
        #expect(feed.errors.contains { $0.contains("longer than 1024 bytes") })
    }

    @Test func xxeDoesNotReadFiles() throws {
        let dir = TemporaryDirectory()
        let marker = "FEEDWIRE-XXE-MARKER-\(UInt64.random(in: 1...UInt64.max))"
        let secret = try dir.write("secret.txt", marker)
        let dtd = try dir.write("evil.dtd", "<!ENTITY leak \"\(marker)\">")
        let text = """
        <?xml version="1.0"?>
        <!DOCTYPE rss SYSTEM "file://\(dtd)" [
          <!ENTITY xxe SYSTEM "file://\(secret)">
          <!ENTITY % pe SYSTEM "file://\(dtd)">
          %pe;
        ]>
        <rss version="2.0"><channel><title>&xxe;&leak;</title><link>https://x.example/?&xxe;</link>
        <item><title>t &xxe;</title><description>&xxe;</description><enclosure url="https://x.example/&xxe;.mp3"/></item>
        </channel></rss>
        """
        for chunk in [1, 7, 4096] {
            let (feed, _) = try timedParse(text, chunk: chunk)
            #expect(!json(feed).contains(marker))
            #expect(feed.errors.contains { $0.contains("external entity &xxe;") && $0.contains("was not loaded") })
            #expect(feed.errors.contains { $0.contains("external DTD") })
            #expect(feed.errors.contains { $0.contains("parameter entity %pe;") })
        }
    }

    @Test func xxeOpensNoConnection() throws {
        // A listening socket nobody should connect to.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        #expect(bound)
        #expect(listen(fd, 16) == 0)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let url = "http://127.0.0.1:\(port)"
        let text = """
        <?xml version="1.0"?>
        <!DOCTYPE rss SYSTEM "\(url)/rss.dtd" [
          <!ENTITY remote SYSTEM "\(url)/entity.xml">
          <!ENTITY % pe SYSTEM "\(url)/pe.dtd">
          %pe;
        ]>
        <rss version="2.0"><channel><title>&remote;</title><item><title>&remote;</title></item></channel></rss>
        """
        let (feed, _) = try timedParse(text)
        #expect(feed.errors.contains { $0.contains("&remote;") && $0.contains("was not loaded") })
        let accepted = accept(fd, nil, nil)
        #expect(accepted < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), "the parser connected to \(url)")
        if accepted >= 0 { close(accepted) }
    }

    @Test func randomBytesNeverCrash() throws {
        var rng = SplitMix(seed: 42)
        let prefixes = ["", "<rss><channel><item><title>", "<?xml version=\"1.0\" encoding=\"utf-16\"?>", "{\"version\":\"https://jsonfeed.org/version/1.1\",",
                        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><content type=\"xhtml\"><div>", "\u{FEFF}<rss>"]
        for round in 0..<300 {
            var bytes = Array(prefixes[round % prefixes.count].utf8)
            for _ in 0..<Int(rng.next() % 600) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            if let feed = try? FeedParser.parse(bytes, options: FeedParseOptions(baseURL: "https://r.example/")) {
                let line = ParseJSONWriter.line(feed)
                #expect((try? JSONValue.parse(line)) != nil)
            }
        }
    }
}

/// A small deterministic generator (tests must not depend on global randomness).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@testable import FeedwireCore
import Testing

@Suite struct FeedParserTests {
    func parse(_ text: String, base: String? = "https://e.example/feed.xml", charset: String? = nil) throws -> ParsedFeed {
        try FeedParser.parse(Array(text.utf8), options: FeedParseOptions(baseURL: base, charset: charset))
    }

    @Test func pollHintsFromRSSAndSyndicationModule() throws {
        let feed = try FeedParser.parse(ParseFixtures.bytes("rss20-full.xml"), options: ParseFixtures.options("rss20-full.xml"))
        #expect(feed.pollHints.ttlMinutes == 10)
        #expect(feed.pollHints.skipHours == [0, 1, 2])
        #expect(feed.pollHints.skipDays == [0, 6])
        #expect(feed.pollHints.updatePeriod == "hourly")
        #expect(feed.pollHints.updateFrequency == 4)
        #expect(feed.pollHints.syndicationInterval == 900)
    }

    @Test func guidPermalinkFlag() throws {
        let feed = try parse("""
            <rss version="2.0"><channel>
            <item><guid>https://e.example/1</guid></item>
            <item><guid isPermaLink="true">https://e.example/2</guid></item>
            <item><guid isPermaLink="false">urn:x:3</guid></item>
            <item><guid isPermaLink=" FALSE ">https://e.example/4</guid></item>
            </channel></rss>
            """)
        #expect(feed.items.map(\.idIsPermaLink) == [nil, true, false, false])
        #expect(feed.items.map(\.link) == ["https://e.example/1", "https://e.example/2", nil, nil])
    }

    @Test func summaryAndContentAreBothKept() throws {
        let feed = try parse("""
            <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
            <item><description>&lt;p&gt;Tom &amp;amp; Jerry&lt;/p&gt;</description><content:encoded><![CDATA[<p>Full</p>]]></content:encoded></item>
            </channel></rss>
            """)
        let item = try #require(feed.items.first)
        #expect(item.summary == "<p>Tom &amp; Jerry</p>")   // the contract's example
        #expect(item.summaryType == .html)
        #expect(item.content == "<p>Full</p>")
        #expect(item.contentType == .html)
    }

    @Test func itemsStreamThroughTheSession() throws {
        var seen: [String] = []
        let session = FeedParseSession(options: FeedParseOptions(), onItem: { seen.append($0.title ?? "") })
        let text = "<rss><channel><title>T</title>" + (1...50).map { "<item><title>i\($0)</title></item>" }.joined() + "</channel></rss>"
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: 100) {
            try session.consume(Array(bytes[start..<min(bytes.count, start + 100)]))
        }
        #expect(seen.count >= 45)   // delivered while reading, not at the end
        let feed = try session.finish()
        #expect(seen == (1...50).map { "i\($0)" })
        #expect(feed.items.isEmpty)
        #expect(feed.title == "T")
    }

    @Test func notAFeedIsReportedAtTheRootElement() throws {
        let session = FeedParseSession()
        #expect(throws: FeedParseError.self) {
            try session.consume(Array("<!DOCTYPE html><html><body>".utf8))
        }
    }

    @Test(arguments: [
        ("", "not a feed: the document is empty"),
        ("<html/>", "not a feed: the root element is <html>, not <rss>, <rdf:RDF> or <feed>"),
        ("<feed xmlns=\"urn:other\"/>", "not a feed: the root element is <feed (in namespace an unknown namespace)>, not <rss>, <rdf:RDF> or <feed>"),
        ("{\"version\": \"https://example.org/v1\"}", "not a feed: JSON without a JSON Feed version URL (version \"https://example.org/v1\")"),
        ("{\"version\": ", "not a feed: invalid JSON at byte 12: unexpected end of input"),
        ("[1, 2]", "not a feed: JSON whose top level is not an object"),
    ])
    func notAFeed(_ text: String, _ message: String) {
        #expect(throws: FeedParseError(message: message)) { try parse(text) }
    }

    @Test func transportCharsetWinsOverDeclarationButNotOverBOM() throws {
        let body = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss><channel><title>\u{00E9}</title></channel></rss>"
        let latin1 = try FeedParser.parse(Array(body.utf8), options: FeedParseOptions(charset: "windows-1251"))
        #expect(latin1.encoding == "windows-1251")
        #expect(latin1.title == "Г©")   // the UTF-8 bytes C3 A9 read as windows-1251
        let bom = try FeedParser.parse([0xEF, 0xBB, 0xBF] + Array(body.utf8), options: FeedParseOptions(charset: "windows-1251"))
        #expect(bom.encoding == "utf-8")
        #expect(bom.title == "\u{00E9}")
    }

    @Test func unknownCharsetIsReadAsUTF8AndReported() throws {
        let feed = try parse("<?xml version=\"1.0\" encoding=\"x-no-such-charset\"?><rss><channel><title>é</title></channel></rss>")
        #expect(feed.title == "é")
        #expect(feed.errors.contains { $0.contains("unknown charset \"x-no-such-charset\"") })
    }

    @Test func invalidBytesNeverReachTheOutput() throws {
        // Lone continuation bytes, a truncated sequence, surrogates, overlong forms, a NUL.
        var bytes = Array("<rss><channel><title>a".utf8)
        bytes += [0x80, 0x62, 0xE2, 0x82, 0x63, 0xED, 0xA0, 0x80, 0xC0, 0xAF, 0x00, 0x64, 0xF4, 0x90, 0x80, 0x80]
        bytes += Array("</title></channel></rss>".utf8)
        let feed = try FeedParser.parse(bytes, options: FeedParseOptions())
        let title = try #require(feed.title)
        #expect(String(validating: title.utf8, as: UTF8.self) == title)
        #expect(title.hasPrefix("a€b"))
        #expect(!title.unicodeScalars.contains("\u{0}"))
        #expect(!feed.wellFormed)
    }

    @Test func utf16WithoutMarkIsDetected() throws {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss><channel><title>Київ</title></channel></rss>"
        let le = try FeedParser.parse(Array(text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, options: FeedParseOptions())
        let be = try FeedParser.parse(Array(text.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }, options: FeedParseOptions())
        #expect(le.title == "Київ" && le.encoding == "utf-16le")
        #expect(be.title == "Київ" && be.encoding == "utf-16be")
    }

    @Test func attributesKeepEntitiesDecodedOnce() throws {
        let feed = try parse("""
            <rss><channel><item><enclosure url="https://e.example/a?x=1&amp;y=caf&eacute;&amp;amp;z" type="a/b"/></item></channel></rss>
            """)
        #expect(feed.items.first?.enclosures.first?.url == "https://e.example/a?x=1&y=café&amp;z")
    }

    @Test func xhtmlContentIsSerialisedWithoutPrefixes() throws {
        let feed = try parse("""
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:h="http://www.w3.org/1999/xhtml"><entry>
            <content type="xhtml"><h:div><h:p class="a">x &amp; <h:b>y</h:b></h:p><h:br/></h:div></content>
            </entry></feed>
            """)
        #expect(feed.items.first?.content == "<p class=\"a\">x &amp; <b>y</b></p><br/>")
        #expect(feed.items.first?.contentType == .html)
    }

    @Test func vocabularyMatchesTheNameEnum() {
        #expect(FeedVocabulary.names == Name.allCases.map { String(describing: $0) })
    }

    @Test func personForms() {
        #expect(XMLFeedReader.person(from: "jo@e.example (Jo Smith)") == Person(name: "Jo Smith", email: "jo@e.example"))
        #expect(XMLFeedReader.person(from: "Jo Smith <jo@e.example>") == Person(name: "Jo Smith", email: "jo@e.example"))
        #expect(XMLFeedReader.person(from: "Jo Smith (mailto:jo@e.example)") == Person(name: "Jo Smith", email: "jo@e.example"))
        #expect(XMLFeedReader.person(from: " jo@e.example ") == Person(email: "jo@e.example"))
        #expect(XMLFeedReader.person(from: "Олена Коваль") == Person(name: "Олена Коваль"))
        #expect(XMLFeedReader.person(from: "Jo at home @ night") == Person(name: "Jo at home @ night"))
    }

    @Test(arguments: ["latin1", "ISO_8859-1", "iso8859-1", "l1"])
    func charsetLabelsAreCanonical(_ label: String) {
        #expect(CharsetSniffer.canonical(label) == "iso-8859-1")
    }
}

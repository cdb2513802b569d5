import FeedwireCore
import Foundation
import Testing

/// Outline trees → feeds.conf entries, and OPML export, without XML parsing.
@Suite struct OPMLImporterTests {
    static func feed(_ text: String?, _ url: String, type: String? = "rss", key: String = "xmlUrl", line: Int = 0) -> OPMLOutline {
        var a: [String: String] = [key: url]
        if let text { a["text"] = text }
        if let type { a["type"] = type }
        return OPMLOutline(a, line: line)
    }

    static func folder(_ text: String, _ children: [OPMLOutline]) -> OPMLOutline {
        OPMLOutline(["text": text, "title": text], children: children)
    }

    static let existing: FeedwireConfig = {
        var bbc = FeedConfig(name: "bbc-europe", url: "https://feeds.bbci.co.uk/news/world/europe/rss.xml")
        bbc.line = 10
        var kyiv = FeedConfig(name: "kyiv-independent", url: "https://kyivindependent.com/news-archive/rss/")
        kyiv.line = 20
        return FeedwireConfig(feeds: [bbc, kyiv])
    }()

    static let date = Timestamp(year: 2025, month: 11, day: 26, hour: 9)

    @Test func foldersBecomeTagsAndNamesComeFromLabels() {
        let outlines = [
            Self.folder("Ukraine War", [
                Self.feed("Ukrainska Pravda (EN)", "https://www.pravda.com.ua/eng/rss/view_news/"),
                Self.folder("Local", [Self.feed("Суспільне Новини", "https://suspilne.media/rss/all.rss")]),
            ]),
            Self.feed("Politico Europe", "https://www.politico.eu/feed/"),
        ]
        let plan = OPMLImporter.plan(outlines, existing: FeedwireConfig(), source: "feedly.opml", date: Self.date)
        #expect(plan.added.map(\.name) == ["ukrainska-pravda-en", "suspilne-novyny", "politico-europe"])
        #expect(plan.added.map(\.tags) == [["ukraine-war"], ["ukraine-war", "local"], []])
        #expect(plan.added[1].title == "Суспільне Новини")
        #expect(plan.skipped.isEmpty)
        #expect(plan.text.hasPrefix("\n# Imported by `feedwire import-opml` from feedly.opml on 2025-11-26: 3 feeds.\n"))
        #expect(plan.text.contains("""
        [[feed]]
        name = "suspilne-novyny"
        url = "https://suspilne.media/rss/all.rss"
        title = "Суспільне Новини"
        tags = ["ukraine-war", "local"]
        """))
    }

    @Test func duplicatesAgainstTheConfigAreSkippedAndReported() {
        let outlines = [
            Self.feed("BBC Europe", "http://feeds.bbci.co.uk/news/world/europe/rss.xml/"),  // same feed, other spelling
            Self.feed("Kyiv Independent", "https://kyivindependent.com/other-feed/"),     // same name, other URL
            Self.feed("Euronews", "https://www.euronews.com/rss?level=theme&name=news"),
        ]
        let plan = OPMLImporter.plan(outlines, existing: Self.existing, source: "x.opml", date: Self.date)
        #expect(plan.added.map(\.name) == ["euronews"])
        #expect(plan.skipped.count == 2)
        #expect(plan.skipped[0].reason == "already configured as [[feed]] \"bbc-europe\" (line 10)")
        #expect(plan.skipped[1].reason.hasPrefix("a [[feed]] named \"kyiv-independent\" already exists (line 20) with another url"))
        #expect(plan.skipped[1].description.contains("\"Kyiv Independent\" (https://kyivindependent.com/other-feed/)"))
    }

    @Test func duplicatesWithinTheFileMergeTagsAndNamesAreMadeUnique() {
        let outlines = [
            Self.folder("News", [Self.feed("World", "https://a.example/rss"), Self.feed("World", "https://b.example/rss")]),
            Self.folder("Europe", [Self.feed("World", "https://a.example/rss")]),
        ]
        let plan = OPMLImporter.plan(outlines, existing: FeedwireConfig(), source: "x.opml", date: Self.date)
        #expect(plan.added.map(\.name) == ["world", "world-2"])
        #expect(plan.added[0].tags == ["news", "europe"])
        #expect(plan.notes == ["\"World\" is listed 2 times; imported once as \"world\" with the tags of each folder"])
    }

    @Test func missingTitlesXmlUrlSpellingsAndOddOutlines() {
        let outlines = [
            Self.feed(nil, "https://www.rferl.org/api/feed.rss"),                     // no text: name from host
            Self.feed("  ", "https://feeds.example.org/a.xml"),                        // blank text
            OPMLOutline(["TEXT": "Upper", "XMLURL": "https://upper.example/rss"]),     // attribute case
            Self.feed("Old style", "https://old.example/rss", type: "rss", key: "url"), // url + type=rss
            OPMLOutline(["text": "A web page", "type": "link", "url": "https://page.example/"]),  // not a feed
            Self.feed("Gopher", "gopher://old.example/feed"),
            Self.folder("Empty folder", []),
            OPMLOutline(["title": "Only a title", "xmlUrl": "https://title.example/rss"]),
        ]
        let plan = OPMLImporter.plan(outlines, existing: FeedwireConfig(), source: "x.opml", date: Self.date)
        #expect(plan.added.map(\.name) == ["rferl-org", "example-org", "upper", "old-style", "only-a-title"])
        #expect(plan.added[0].title == nil)
        #expect(plan.added[3].url == "https://old.example/rss")
        #expect(plan.skipped.map(\.reason) == ["not an http(s) URL"])
        #expect(!plan.text.contains("A web page"))
    }

    @Test func theAppendedTextIsValidTOMLThatRoundTrips() throws {
        let tricky = [Self.feed("Quote \" and \\ backslash\ttab", "https://t.example/rss?a=1&b=2")]
        let plan = OPMLImporter.plan(tricky, existing: FeedwireConfig(), source: "x\n.opml", date: Self.date)
        let original = Array("[daemon]\ninterval = \"15m\"".utf8)  // no trailing newline
        let bytes = OPMLImporter.appending(plan.text, to: original)
        #expect(Array(bytes.prefix(original.count)) == original)
        let loaded = try ConfigLoader.parse(text: String(decoding: bytes, as: UTF8.self), path: nil)
        #expect(loaded.config.feeds.first?.title == "Quote \" and \\ backslash\ttab")
        #expect(loaded.config.feeds.first?.url == "https://t.example/rss?a=1&b=2")
    }

    @Test func nothingToAddMeansNoText() {
        let plan = OPMLImporter.plan([Self.feed("BBC", "https://feeds.bbci.co.uk/news/world/europe/rss.xml")],
                                     existing: Self.existing, source: "x.opml", date: Self.date)
        #expect(plan.added.isEmpty)
        #expect(plan.text.isEmpty)
    }

    @Test func exportWritesFoldersFromTagsAndEscapes() {
        var a = FeedConfig(name: "a", url: "https://a.example/rss?x=1&y=<2>")
        a.tags = ["ukraine", "europe"]
        a.title = "A \"quoted\" <title> & more"
        var b = FeedConfig(name: "b", url: "https://b.example/")
        b.tags = ["europe"]
        let c = FeedConfig(name: "c", url: "https://c.example/")
        let xml = OPMLWriter.document(for: FeedwireConfig(feeds: [a, b, c]), now: Self.date)
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"))
        #expect(xml.contains("<dateCreated>Wed, 26 Nov 2025 09:00:00 +0000</dateCreated>"))
        let titled = "<outline type=\"rss\" text=\"A &quot;quoted&quot; &lt;title&gt; &amp; more\" title=\"A &quot;quoted&quot; &lt;title&gt; &amp; more\" xmlUrl=\"https://a.example/rss?x=1&amp;y=&lt;2&gt;\"/>"
        #expect(xml.components(separatedBy: titled).count == 3)  // in both folders
        #expect(xml.contains("<outline text=\"ukraine\" title=\"ukraine\">"))
        #expect(xml.contains("<outline text=\"europe\" title=\"europe\">"))
        #expect(xml.contains("    <outline type=\"rss\" text=\"c\" title=\"c\" xmlUrl=\"https://c.example/\"/>\n  </body>"))
        #expect(OPMLWriter.escape("tab\there\u{01}\nline") == "tab&#9;here&#10;line")
    }
}

import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// `feedwire import-opml` and `export-opml` on the built binary, with
/// exports shaped like those of real readers.
@Suite struct OPMLCommandTests {
    static var sample: String { PackagePaths.root.appendingPathComponent("feeds.conf").path }

    /// Feedly: OPML 1.0, one folder level, `text` and `title`, a feed filed in two folders.
    static let feedly = """
    <?xml version="1.0" encoding="UTF-8"?>

    <opml version="1.0">
        <head>
            <title>Newsroom subscriptions in feedly Cloud</title>
        </head>
        <body>
            <outline text="Ukraine" title="Ukraine">
                <outline type="rss" text="The Kyiv Independent" title="The Kyiv Independent" xmlUrl="https://kyivindependent.com/news-archive/rss/" htmlUrl="https://kyivindependent.com"/>
                <outline type="rss" text="Hromadske International" title="Hromadske International" xmlUrl="https://hromadske.ua/en/rss" htmlUrl="https://hromadske.ua/en"/>
                <outline type="rss" text="Euromaidan Press" title="Euromaidan Press" xmlUrl="https://euromaidanpress.com/feed/" htmlUrl="https://euromaidanpress.com"/>
            </outline>
            <outline text="EU Politics" title="EU Politics">
                <outline type="rss" text="Euromaidan Press" title="Euromaidan Press" xmlUrl="https://euromaidanpress.com/feed/" htmlUrl="https://euromaidanpress.com"/>
                <outline type="rss" text="EUobserver" title="EUobserver" xmlUrl="https://xml.euobserver.com/rss.xml" htmlUrl="https://euobserver.com"/>
            </outline>
        </body>
    </opml>
    """

    /// Inoreader / NetNewsWire: OPML 2.0, nested folders, escaped names,
    /// a feed without a title, `xmlurl` spelled differently, an old `url`
    /// attribute, a plain link and a non-http subscription.
    static let nested = """
    <?xml version="1.0" encoding="UTF-8"?>
    <opml version="2.0">
      <head><title>Subscriptions from Inoreader [https://www.inoreader.com]</title></head>
      <body>
        <outline text="News &amp; Analysis" title="News &amp; Analysis">
          <outline text="Central Europe" title="Central Europe">
            <outline text="Notes from Poland" title="Notes from Poland" description="" type="rss" version="RSS" htmlUrl="https://notesfrompoland.com/" xmlUrl="https://notesfrompoland.com/feed/"/>
            <outline text="Hospodářské noviny" title="Hospodářské noviny" type="rss" xmlurl="https://domaci.hn.cz/?m=rss"/>
          </outline>
          <outline type="rss" xmlUrl="https://www.rferl.org/api/zrqiteuuir"/>
        </outline>
        <outline text="Old reader" type="rss" url="https://old.example.org/rss.xml"/>
        <outline text="A web page" type="link" url="https://example.org/page"/>
        <outline text="Gopher hole" type="rss" xmlUrl="gopher://gopher.example.org/1/news"/>
      </body>
    </opml>
    """

    func workspace(_ config: String? = nil) throws -> (TemporaryDirectory, String) {
        let dir = TemporaryDirectory()
        let text = try config ?? String(contentsOfFile: Self.sample, encoding: .utf8)
        return (dir, try dir.write("feeds.conf", text))
    }

    @Test func importAppendsNewFeedsAndKeepsTheFileAboveByteForByte() throws {
        let (dir, config) = try workspace()
        let before = try Data(contentsOf: URL(fileURLWithPath: config))
        let opml = try dir.write("feedly.opml", Self.feedly)
        let r = try runFeedwire(["import-opml", "--config", config, opml])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("skipped \"The Kyiv Independent\" (https://kyivindependent.com/news-archive/rss/): already configured as [[feed]] \"kyiv-independent\""))
        #expect(r.err.contains("\"Euromaidan Press\" is listed 2 times"))
        #expect(r.err.contains("added 3 feeds to \(config); skipped 1"))
        let after = try Data(contentsOf: URL(fileURLWithPath: config))
        #expect(after.prefix(before.count) == before)
        let appended = String(decoding: after.dropFirst(before.count), as: UTF8.self)
        #expect(appended.hasPrefix("\n# Imported by `feedwire import-opml` from feedly.opml on "))
        #expect(appended.contains("""
        [[feed]]
        name = "euromaidan-press"
        url = "https://euromaidanpress.com/feed/"
        title = "Euromaidan Press"
        tags = ["ukraine", "eu-politics"]
        """))
        let loaded = try ConfigLoader.load(path: config)
        #expect(loaded.config.feeds.count == 24 + 3)
        #expect(loaded.config.feed(named: "hromadske-international")?.tags == ["ukraine"])
        #expect(loaded.config.feed(named: "euobserver")?.url == "https://xml.euobserver.com/rss.xml")
        #expect(try runFeedwire(["check", "--config", config]).code == 0)

        // Importing the same file again adds nothing and changes nothing.
        let again = try runFeedwire(["import-opml", "--config", config, opml])
        #expect(again.code == 0)
        #expect(again.err.contains("nothing to add"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: config)) == after)
    }

    @Test func nestedFoldersOddAttributesAndMissingTitles() throws {
        let (dir, config) = try workspace("[daemon]\ncontact = \"ops@example.org\"\n")
        let opml = try dir.write("inoreader.opml", Self.nested)
        let r = try runFeedwire(["import-opml", "--config", config, opml])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("skipped \"Gopher hole\" (gopher://gopher.example.org/1/news): not an http(s) URL"))
        let feeds = try ConfigLoader.load(path: config).config.feeds
        #expect(feeds.map(\.name) == ["notes-from-poland", "hospodarske-noviny", "rferl-org", "old-reader"])
        #expect(feeds.map(\.tags) == [["news-and-analysis", "central-europe"], ["news-and-analysis", "central-europe"], ["news-and-analysis"], []])
        #expect(feeds[1].title == "Hospodářské noviny")
        #expect(feeds[1].url == "https://domaci.hn.cz/?m=rss")
        #expect(feeds[2].title == nil)
        #expect(feeds[3].url == "https://old.example.org/rss.xml")
    }

    @Test func dryRunPrintsAndWritesNothing() throws {
        let (dir, config) = try workspace()
        let before = try Data(contentsOf: URL(fileURLWithPath: config))
        let opml = try dir.write("feedly.opml", Self.feedly)
        let r = try runFeedwire(["import-opml", "--dry-run", "--config", config, opml])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("name = \"euobserver\""))
        #expect(r.err.contains("would add 3 feeds"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: config)) == before)
    }

    @Test func exportThenImportRoundTrips() throws {
        let (dir, _) = try workspace()
        let opml = dir.file("sample.opml")
        #expect(try runFeedwire(["export-opml", "--config", Self.sample, "-o", opml]).code == 0)
        let empty = try dir.write("empty.conf", "[daemon]\n")
        let r = try runFeedwire(["import-opml", "--config", empty, opml])
        #expect(r.code == 0, "\(r.err)")
        let original = try ConfigLoader.load(path: Self.sample).config.feeds
        let imported = try ConfigLoader.load(path: empty).config.feeds
        #expect(imported.count == original.count)
        for feed in original {
            let twin = imported.first { $0.url == feed.url }
            #expect(twin?.title == feed.title, "\(feed.name)")
            #expect(twin.map { Set($0.tags) } == Set(feed.tags), "\(feed.name)")
        }
        // And back into the sample: every feed is already there.
        let (copyDir, sampleCopy) = try workspace()
        let back = try runFeedwire(["import-opml", "--config", sampleCopy, opml])
        #expect(back.code == 0)
        #expect(back.err.contains("nothing to add"))
        withExtendedLifetime(copyDir) {}
    }

    @Test func notOPMLAndUnreadableFilesFail() throws {
        let (dir, config) = try workspace()
        let rss = try dir.write("feed.xml", "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title></channel></rss>")
        let r = try runFeedwire(["import-opml", "--config", config, rss])
        #expect(r.code == 1)
        #expect(r.err.contains("is not OPML: its root element is <rss>"))
        let garbage = try dir.write("garbage.opml", "this is not xml at all")
        #expect(try runFeedwire(["import-opml", "--config", config, garbage]).code == 1)
        #expect(try runFeedwire(["import-opml", "--config", config, dir.file("missing.opml")]).code == 1)
        let opml = try dir.write("feedly.opml", Self.feedly)
        #expect(try runFeedwire(["import-opml", "--config", dir.file("missing.conf"), opml]).code == 3)
        let broken = try dir.write("broken.conf", "[[feed]]\nname = \"A\"\n")
        let b = try runFeedwire(["import-opml", "--config", broken, opml])
        #expect(b.code == 1)
        #expect(b.err.contains("fix them (feedwire check) before importing"))
        #expect(try String(contentsOfFile: broken, encoding: .utf8) == "[[feed]]\nname = \"A\"\n")
    }

    /// Exports in legacy encodings: ISO-8859-1 by declaration, UTF-16 by BOM.
    @Test func latin1AndUTF16Exports() throws {
        let (dir, config) = try workspace("[daemon]\n")
        var latin1: [UInt8] = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<opml version=\"1.0\"><body><outline text=\"Caf".utf8)
        latin1 += [0xE9] + Array(" Europa\" type=\"rss\" xmlUrl=\"https://cafe.example/rss\"/></body></opml>\n".utf8)
        let a = dir.file("latin1.opml")
        try Data(latin1).write(to: URL(fileURLWithPath: a))
        let utf16 = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<opml version=\"2.0\"><body><outline text=\"Київ\" type=\"rss\" xmlUrl=\"https://kyiv.example/rss\"/></body></opml>\n"
        let b = dir.file("utf16.opml")
        try Data([0xFF, 0xFE] + utf16.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).write(to: URL(fileURLWithPath: b))
        #expect(try runFeedwire(["import-opml", "--config", config, a]).code == 0)
        let r = try runFeedwire(["import-opml", "--config", config, b])
        #expect(r.code == 0, "\(r.err)")
        let feeds = try ConfigLoader.load(path: config).config.feeds
        #expect(feeds.map(\.name) == ["cafe-europa", "kyiv"])
        #expect(feeds.map(\.title) == ["Café Europa", "Київ"])
    }

    /// Entity tricks in an OPML file neither hang the import nor leak files.
    @Test func hostileEntitiesAreNotExpanded() throws {
        let (dir, config) = try workspace("[daemon]\n")
        let laughs = """
        <?xml version="1.0"?>
        <!DOCTYPE opml [
          <!ENTITY % p0 "<!ENTITY &#37; p1 '&#37;p0;&#37;p0;&#37;p0;&#37;p0;&#37;p0;&#37;p0;&#37;p0;&#37;p0;'>">
          <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
          <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
          <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
          <!ENTITY x SYSTEM "file:///etc/passwd">
        ]>
        <opml version="2.0"><head><title>&c;</title></head><body>
          <outline text="Safe &a;" type="rss" xmlUrl="https://safe.example/rss"/>
          <outline text="&c;&x;" type="rss" xmlUrl="https://laughs.example/rss"/>
        </body></opml>
        """
        let opml = try dir.write("laughs.opml", laughs)
        let r = try runFeedwire(["import-opml", "--config", config, opml])
        #expect(r.code == 0, "\(r.err)")
        let text = try String(contentsOfFile: config, encoding: .utf8)
        #expect(!text.contains("root:"))
        #expect(text.count < 4096)
        #expect(text.contains("url = \"https://safe.example/rss\""))
    }
}

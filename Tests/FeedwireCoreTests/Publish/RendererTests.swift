import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// Stories built to break naive writers.
enum HostileStories {
    static let source = StorySource(feed: "evil", feedTitle: "Evil \u{202E}ecruos\u{202C} <b>feed</b> \"q\"",
                                    feedURL: "https://evil.example/feed?a=1&b=\"2\"",
                                    feedLink: "javascript:alert(1)", itemLink: "https://evil.example/item?x='1'&y=\"2\"")
    static let second = StorySource(feed: "other", feedTitle: "Other ]]> feed", feedURL: "https://other.example/rss",
                                    feedLink: "https://other.example/", itemLink: "data:text/html,hi")

    static var stories: [StoryEntry] {
        let t0 = Timestamp(year: 2025, month: 11, day: 25, hour: 8)
        func item(_ id: Int64, title: String, titleType: TextType = .text, link: String?, summary: String?,
                  content: String? = nil, revision: Int = 1) -> ItemRecord {
            ItemRecord(id: id, storyID: id, feed: "evil", guid: "g\(id)", link: link, title: title, titleType: titleType,
                       summary: summary, content: content, published: t0 + id * 60, firstSeen: t0 + id * 60,
                       lastChanged: revision > 1 ? t0 + id * 60 + 600 : nil, revision: revision,
                       authors: [Person(name: "A \"quoted\" <author>", email: "not-an-email"), Person(email: "x@y.example")],
                       categories: ["a&b", "<c>"],
                       enclosures: [Enclosure(url: "javascript:evil()", type: "audio/mpeg", length: 5),
                                    Enclosure(url: "https://evil.example/a.mp3?x=1&y=2", type: "bogus", length: -3)])
        }
        return [
            StoryEntry(item: item(1, title: "CDATA end ]]> and ]]]]>> inside", link: "https://evil.example/1",
                                  summary: "<p>]]></p><![CDATA[x]]>", content: "body ]]> <script>alert(1)</script>"),
                       sources: [source, second]),
            StoryEntry(item: item(2, title: "Controls \u{0}\u{1}\u{8}\u{B}\u{C}\u{1F}\u{7F}\u{85} and \u{FFFE}\u{FFFF}" + String(Unicode.Scalar(0x1FFFF)!) + " gone",
                                  link: "javascript:alert(document.cookie)", summary: "tab\there\r\nnewline\u{0}", revision: 2),
                       sources: [source]),
            StoryEntry(item: item(3, title: "RTL \u{202E}txet desrever\u{202C} and \u{2067}isolate", link: "https://evil.example/3",
                                  summary: nil), sources: [source]),
            StoryEntry(item: item(4, title: String(repeating: "Very long title ", count: 6_400), link: "https://evil.example/4",
                                  summary: String(repeating: "x", count: 100_000)), sources: [source]),
            StoryEntry(item: item(5, title: "<script>alert(1)</script> &amp; <b>bold</b> </script>", titleType: .html,
                                  link: "https://evil.example/5?q=\"><script>alert(1)</script>", summary: "</script><script>alert(2)</script>",
                                  revision: 3), sources: [source, second]),
            StoryEntry(item: item(6, title: "", link: nil, summary: nil), sources: []),
        ]
    }
}

@Suite struct RendererTests {
    let stories = SampleStories.stories

    func context(_ format: OutputFormat, _ configure: (inout OutputConfig) -> Void = { _ in }) -> RenderContext {
        var o = OutputConfig(name: "merged", path: "/tmp/merged")
        o.format = format
        o.title = "Ukraine & Europe: live"
        o.link = "https://news.example.org/live"
        o.description = "Merged feed"
        configure(&o)
        return RenderContext(output: o, generatorVersion: "9.9.9")
    }

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func rssCarriesGUIDSourcesUpdatedMarkerAndPlainTitles() {
        let rss = text(RSSRenderer.render(stories, context: context(.rss)))
        #expect(rss.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\""))
        #expect(rss.components(separatedBy: "xmlns:atom=").count == 2, "namespace declared once")
        #expect(rss.contains("<guid isPermaLink=\"false\">urn:feedwire:item:112</guid>"))
        #expect(rss.contains("<source url=\"https://kyivindependent.com/news-archive/rss/\">The Kyiv Independent</source>"))
        #expect(rss.contains("<feedwire:source url=\"https://wire.example.org/europe/rss.xml\" link=\"https://wire.example.org/europe/2025/11/25/ukraine-kyiv-drones\">Wire Service — Europe</feedwire:source>"))
        #expect(rss.contains("<feedwire:source url=\"https://www.pravda.com.ua/rss/\""))
        #expect(rss.contains("<atom:updated>2025-11-25T14:04:00Z</atom:updated>"))
        #expect(rss.contains("<description>&lt;p&gt;&lt;strong&gt;Updated 14:04 UTC&lt;/strong&gt;&lt;/p&gt;&lt;p&gt;Debris"))
        // The HTML title is plain text in RSS.
        #expect(rss.contains("<title>Poland reopens Dorohusk border crossing to trucks</title>"))
        #expect(rss.contains("<pubDate>Tue, 25 Nov 2025 13:58:00 +0000</pubDate>"))
        #expect(rss.contains("<lastBuildDate>Tue, 25 Nov 2025 14:04:00 +0000</lastBuildDate>"))
        #expect(rss.contains("<enclosure url=\"https://wire.example.org/media/dorohusk.jpg\" length=\"248112\" type=\"image/jpeg\"/>"))
        #expect(rss.contains("<dc:creator>Olena Kovalenko</dc:creator>"))
        #expect(rss.contains("<content:encoded>&lt;p&gt;The agreement"))
        // Unedited stories have no marker and no atom:updated.
        let moldova = rss.components(separatedBy: "urn:feedwire:item:106")[0].components(separatedBy: "<item>").last!
        #expect(!moldova.contains("atom:updated") && !moldova.contains("Updated "))
    }

    @Test func markerIsConfigurableAndCanBeOff() {
        let custom = text(RSSRenderer.render(stories, context: context(.rss) { $0.updatedMarker = "Edited %d %b, %H:%M" }))
        #expect(custom.contains("Edited 25 Nov, 14:04"))
        let off = text(RSSRenderer.render(stories, context: context(.rss) { $0.updatedMarker = "" }))
        #expect(!off.contains("Updated 14:04"))
        #expect(off.contains("<atom:updated>2025-11-25T14:04:00Z</atom:updated>"))
    }

    @Test func atomHasOneSourceAndViaLinksForTheRest() {
        let atom = text(AtomRenderer.render(stories, context: context(.atom)))
        #expect(atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"))
        #expect(atom.contains("<id>urn:feedwire:output:merged</id>"))
        #expect(atom.contains("<updated>2025-11-25T14:04:00Z</updated>"))
        let entry = atom.components(separatedBy: "<entry>")[1]
        #expect(entry.contains("<id>urn:feedwire:item:112</id>"))
        #expect(entry.contains("<link rel=\"via\" href=\"https://wire.example.org/europe/2025/11/25/ukraine-kyiv-drones\" title=\"Wire Service — Europe\"/>"))
        #expect(entry.contains("<link rel=\"via\" href=\"https://www.pravda.com.ua/news/2025/11/25/7501234/\" title=\"Українська правда\"/>"))
        #expect(entry.components(separatedBy: "<source>").count == 2)
        #expect(entry.contains("<title type=\"text\">The Kyiv Independent</title>"))
        #expect(entry.contains("<published>2025-11-25T13:58:00Z</published>"))
        #expect(entry.contains("<updated>2025-11-25T14:04:00Z</updated>"))
        // HTML titles keep their markup as type="html".
        #expect(atom.contains("<title type=\"html\">Poland reopens &lt;em&gt;Dorohusk&lt;/em&gt; border crossing to trucks</title>"))
        // Unedited: updated == published.
        let moldova = atom.components(separatedBy: "<id>urn:feedwire:item:106</id>")[1]
        #expect(moldova.contains("<published>2025-11-25T10:15:00Z</published>"))
        #expect(moldova.contains("<updated>2025-11-25T10:15:00Z</updated>"))
    }

    @Test func jsonFeedHasRequiredFieldsSourcesAndDateModified() throws {
        let bytes = JSONFeedRenderer.render(stories, context: context(.json))
        let doc = try JSONValue.parse(bytes)
        #expect(doc["version"]?.stringValue == "https://jsonfeed.org/version/1.1")
        #expect(doc["title"]?.stringValue == "Ukraine & Europe: live")
        let items = try #require(doc["items"]?.arrayValue)
        #expect(items.count == stories.count)
        for item in items {
            #expect(item["id"]?.stringValue?.hasPrefix("urn:feedwire:item:") == true)
            #expect(item["content_html"]?.stringValue != nil || item["content_text"]?.stringValue != nil)
        }
        let first = items[0]
        #expect(first["date_modified"]?.stringValue == "2025-11-25T14:04:00Z")
        #expect(first["_feedwire"]?["sources"]?.arrayValue?.compactMap { $0["feed"]?.stringValue } == ["kyiv-independent", "wire-europe", "pravda-ua"])
        #expect(items[1]["date_modified"] == nil)
        let poland = try #require(items.first { $0["id"]?.stringValue == "urn:feedwire:item:109" })
        #expect(poland["title"]?.stringValue == "Poland reopens Dorohusk border crossing to trucks")
        #expect(poland["attachments"]?[0]?["mime_type"]?.stringValue == "image/jpeg")
    }

    @Test func jsonFeedBytesMatchTheGeneralJSONWriter() throws {
        for stories in [stories, HostileStories.stories] {
            let bytes = JSONFeedRenderer.render(stories, context: context(.json))
            let reparsed = try JSONValue.parse(bytes)
            #expect(Array((reparsed.serialized + "\n").utf8) == bytes)
        }
    }

    @Test func htmlPageShowsStampBadgesSourcesAndNoScript() {
        let html = text(HTMLPageRenderer.render(stories, context: context(.html)))
        #expect(html.contains("<h1><bdi>Ukraine &amp; Europe: live</bdi> <span class=\"stamp\">(Updated: <time datetime=\"2025-11-25T14:04:00Z\">14:04 UTC</time>)</span></h1>"))
        #expect(html.contains("<span class=\"badge\"><time datetime=\"2025-11-25T14:04:00Z\">Updated 14:04 UTC</time></span>"))
        #expect(html.contains("Sources: <a href=\"https://kyivindependent.com/news/air-defense-kyiv-overnight/\"><bdi>The Kyiv Independent</bdi></a>"))
        #expect(html.contains("<time datetime=\"2025-11-24T22:40:00Z\">24 Nov 22:40</time>"))
        #expect(html.components(separatedBy: "class=\"badge\"").count == 4, "three edited stories")
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("http://") && !html.contains("<link"), "no external assets")
    }

    @Test func hostileValuesNeverBreakOut() {
        let hostile = HostileStories.stories
        for format in [OutputFormat.rss, .atom, .json, .html] {
            let out = text(OutputRenderer.render(hostile, context: context(format)))
            #expect(!out.contains("href=\"javascript:"), "\(format)")
            #expect(!out.contains("<link>javascript:"), "\(format)")
            #expect(!out.contains("\"url\":\"javascript:"), "\(format)")
            #expect(!out.contains("data:text/html"), "\(format)")
            #expect(!out.unicodeScalars.contains { $0.value < 0x20 && $0.value != 0x0A && $0.value != 0x09 }, "\(format)")
            #expect(!out.unicodeScalars.contains { $0.value == 0xFFFF || $0.value == 0xFFFE || $0.value == 0x1FFFF }, "\(format)")
            #expect(!out.contains("\\u0000"), "\(format)")
            #expect(out.utf8.count < 200_000 + 6 * 100_000, "\(format): bounded size")
            if format != .json {
                #expect(!out.contains("]]>"), "\(format)")
                #expect(!out.contains("<script"), "\(format)")
            }
        }
        let html = text(HTMLPageRenderer.render(hostile, context: context(.html)))
        #expect(html.contains("<h2 dir=\"auto\"><a href=\"https://evil.example/3\">RTL \u{202E}txet desrever\u{202C} and \u{2067}isolate</a></h2>"))
        #expect(html.contains("<bdi>Evil \u{202E}ecruos\u{202C} &lt;b&gt;feed&lt;/b&gt; &quot;q&quot;</bdi>"))
        #expect(html.contains("(no title)"))
    }
}

import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// Every output parses with libxml2 and feedparser; Atom validates against
/// RFC 4287's RELAX NG schema; JSON Feed has the 1.1 required fields — for
/// the sample newsroom and for hostile content.
@Suite struct FeedValidityTests {
    static let storySets: [(String, [StoryEntry])] = [
        ("sample", SampleStories.stories), ("hostile", HostileStories.stories), ("empty", []),
    ]

    func write(_ stories: [StoryEntry], _ format: OutputFormat, in dir: TemporaryDirectory, name: String) throws -> String {
        var o = OutputConfig(name: "merged", path: dir.file(name))
        o.format = format
        o.title = "Ukraine & Europe <live>"
        o.link = "https://news.example.org/live?a=1&b=2"
        try AtomicFileWriter().write(OutputRenderer.render(stories, context: RenderContext(output: o)), to: o.path)
        return o.path
    }

    @Test(arguments: ["sample", "hostile", "empty"], [OutputFormat.rss, .atom])
    func xmlOutputsAreWellFormedAndFeedparserReadsThem(set: String, format: OutputFormat) throws {
        let stories = Self.storySets.first { $0.0 == set }!.1
        let dir = TemporaryDirectory()
        let path = try write(stories, format, in: dir, name: "feed.xml")

        let lint = try FeedCheckTools.xmllint(path)
        #expect(lint.status == 0, "xmllint: \(lint.stderr)")

        let parsed = try FeedCheckTools.feedparser(path)
        #expect(parsed["bozo"] as? Int == 0, "feedparser: \(parsed["exception"] ?? "")")
        #expect(parsed["version"] as? String == (format == .rss ? "rss20" : "atom10"))
        #expect(parsed["title"] as? String == "Ukraine & Europe <live>")
        let entries = try #require(parsed["entries"] as? [[String: Any]])
        #expect(entries.count == stories.count)
        for (entry, story) in zip(entries, stories) {
            #expect(entry["id"] as? String == "urn:feedwire:item:\(story.item.storyID)")
            let view = PlainText.title(of: story.item)
            let title = entry["title"] as? String ?? ""
            if format == .rss || story.item.titleType == .text {
                #expect(PlainText.collapse(XMLText.clean(title)) == XMLText.clean(view), "\(set) \(format) title")
            }
            let link = LinkPolicy.safe(story.item.link) ?? story.sources.lazy.compactMap { LinkPolicy.safe($0.itemLink) }.first
            if let link { #expect(entry["link"] as? String == link) }
        }
        if set == "sample" {
            let first = entries[0]
            if format == .atom {
                let links = (first["links"] as? [[Any]]) ?? []
                let via = links.filter { $0.first as? String == "via" }.compactMap { $0.last as? String }
                #expect(via == ["https://wire.example.org/europe/2025/11/25/ukraine-kyiv-drones",
                                "https://www.pravda.com.ua/news/2025/11/25/7501234/"])
            } else {
                #expect(first["source"] as? String == "https://kyivindependent.com/news-archive/rss/")
            }
            #expect((first["updated"] as? String)?.contains("14:04") == true)
        }
    }

    static var changeSets: [(String, [EventWithItem])] {
        let events = Array(SampleStories.events.reversed())
        var hostileEvents = HostileStories.stories.enumerated().map { i, s in
            EventWithItem(event: ChangeEvent(id: Int64(100 + i), kind: .updated, at: Timestamp(seconds: 1_000 + Int64(i)), feed: "evil",
                                             itemID: s.item.id, storyID: s.item.storyID, revision: 2, changedFields: [.title],
                                             previousTitle: "old ]]> \u{1} \u{202E}x", titleDiff: TextDiff(ops: [.removed("]]>"), .added("<script>")]),
                                             textDiff: TextDiff(ops: [.same(String(repeating: "w ", count: 100)), .added("\u{FFFF}new")])),
                          entry: s)
        }
        hostileEvents.append(EventWithItem(event: ChangeEvent(id: 200, kind: .feedMoved, at: Timestamp(seconds: 5_000), feed: "evil",
                                                              message: "moved <b>", fromURL: "https://a.example/\"", toURL: "javascript:x"), entry: nil))
        return [("sample", events), ("hostile", hostileEvents), ("empty", [])]
    }

    static func changesOutput(in dir: TemporaryDirectory) -> OutputConfig {
        var o = OutputConfig(name: "changes", path: dir.file("changes.atom"))
        o.format = .changes
        o.title = "Changes"
        return o
    }

    /// Every Atom document (merged and changes, sample, hostile and empty)
    /// against the RFC 4287 RELAX NG schema: `trang` converts the contract's
    /// compact schema to RELAX NG XML in the test's temporary directory and
    /// one `jing` run checks all files (one JVM start each, not six).
    @Test func atomOutputsValidateAgainstRFC4287Schema() throws {
        let dir = TemporaryDirectory()
        var files: [String] = []
        for (name, stories) in Self.storySets {
            files.append(try write(stories, .atom, in: dir, name: "merged-\(name).atom"))
        }
        let o = Self.changesOutput(in: dir)
        for (name, events) in Self.changeSets {
            let path = dir.file("changes-\(name).atom")
            try AtomicFileWriter().write(OutputRenderer.renderChanges(events, context: RenderContext(output: o)), to: path)
            files.append(path)
        }
        let rnc = PackagePaths.shared.appendingPathComponent("contracts/atom-rfc4287.rnc").path
        let rng = dir.file("atom.rng")
        let trang = try FeedCheckTools.run(FeedCheckTools.which("trang") ?? "/usr/bin/trang", [rnc, rng])
        try #require(trang.status == 0, "trang: \(trang.stdout)\(trang.stderr)")
        let jing = try FeedCheckTools.run(FeedCheckTools.which("jing") ?? "/usr/bin/jing", [rng] + files)
        #expect(jing.status == 0, "jing: \(jing.stdout)\(jing.stderr)")
        // The schema really rejects things: an entry without an id fails.
        let broken = try String(contentsOfFile: files[0], encoding: .utf8).replacingOccurrences(of: "<id>urn:feedwire:item:112</id>", with: "")
        try dir.write("broken.atom", broken)
        #expect(try FeedCheckTools.run(FeedCheckTools.which("jing") ?? "/usr/bin/jing", [rng, dir.file("broken.atom")]).status != 0)
    }

    @Test func changesFeedParsesAndHasOneEntryPerEvent() throws {
        let dir = TemporaryDirectory()
        let o = Self.changesOutput(in: dir)
        for (name, list) in Self.changeSets {
            let bytes = OutputRenderer.renderChanges(list, context: RenderContext(output: o))
            let path = dir.file("\(name).atom")
            try AtomicFileWriter().write(bytes, to: path)
            #expect(try FeedCheckTools.xmllint(path).status == 0, "\(name)")
            let parsed = try FeedCheckTools.feedparser(path)
            #expect(parsed["bozo"] as? Int == 0, "\(name): \(parsed["exception"] ?? "")")
            let entries = try #require(parsed["entries"] as? [[String: Any]])
            #expect(entries.map { $0["id"] as? String } == list.map { "urn:feedwire:event:\($0.event.id)" })
            if name == "sample" {
                #expect(entries[0]["title"] as? String == "Updated: Air defence downs 41 of 48 drones over Kyiv region overnight, officials say")
                let summary = entries[0]["summary"] as? String ?? ""
                #expect(summary.contains("<del>Air defence downs drones over Kyiv region overnight</del>"))
                #expect(summary.contains("<del>one person was</del> <ins>two people were</ins>"))
            }
        }
    }

    @Test(arguments: ["sample", "hostile", "empty"])
    func jsonFeedHasTheRequiredFieldsAndPythonReadsIt(set: String) throws {
        let stories = Self.storySets.first { $0.0 == set }!.1
        let dir = TemporaryDirectory()
        let path = try write(stories, .json, in: dir, name: "feed.json")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        // Foundation's parser as an independent check of the JSON itself.
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(doc["version"] as? String == "https://jsonfeed.org/version/1.1")
        #expect(doc["title"] as? String != nil)
        let items = try #require(doc["items"] as? [[String: Any]])
        #expect(items.count == stories.count)
        var ids = Set<String>()
        for item in items {
            let id = try #require(item["id"] as? String)
            #expect(ids.insert(id).inserted)
            #expect(item["content_html"] is String || item["content_text"] is String)
            if let url = item["url"] as? String { #expect(LinkPolicy.safe(url) == url) }
            for key in ["date_published", "date_modified"] {
                if let d = item[key] as? String { #expect(d.count == 20 && d.hasSuffix("Z")) }
            }
            if let attachments = item["attachments"] as? [[String: Any]] {
                for a in attachments { #expect(a["url"] is String && a["mime_type"] is String) }
            }
        }
        // A second, independent reader: Python's json module, checking the
        // spec's required fields again (feedparser 6.0 has no JSON Feed support).
        let check = try FeedCheckTools.jsonFeedCheck(path)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [[String: Any]])
        #expect(entries.map { $0["id"] as? String } == stories.map { "urn:feedwire:item:\($0.item.storyID)" })
        #expect(entries.map { $0["title"] as? String } == stories.map { PlainText.title(of: $0.item) })
    }
}

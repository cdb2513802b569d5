import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// Renders the sample newsroom as the HTML page (and the other formats) into
/// `FEEDWIRE_PREVIEW_DIR` when set — `make preview` screenshots the page from
/// there — else into a temporary directory, and checks the page parses with
/// libxml2's HTML parser without errors.
@Suite struct PreviewPageTests {
    @Test func writesTheSamplePages() throws {
        let temp = TemporaryDirectory(prefix: "feedwire-preview")
        let dir = ProcessInfo.processInfo.environment["FEEDWIRE_PREVIEW_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? temp.path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let reader = MemoryStoryReader(stories: SampleStories.stories, events: SampleStories.events)
        let config = FeedwireConfig(feeds: SampleStories.feeds)
        for (format, file) in [(OutputFormat.html, "live.html"), (.rss, "live.rss"), (.atom, "live.atom"), (.json, "live.json"), (.changes, "changes.atom")] {
            var o = OutputConfig(name: "live", path: dir + "/" + file)
            o.format = format
            o.title = format == .changes ? "Ukraine and Europe: changes" : "Ukraine and Europe: live"
            o.description = "Merged from the newsroom's sources by Feedwire"
            o.link = "https://news.example.org/live"
            try OutputPublisher().publish(o, config: config, reader: reader, now: SampleStories.now, force: true)
        }
        // The hostile set as a page too, to check by eye that nothing breaks the layout.
        var hostile = OutputConfig(name: "hostile", path: dir + "/hostile.html")
        hostile.format = .html
        hostile.title = "Hostile \u{202E}input\u{202C} <script>alert(1)</script>"
        try AtomicFileWriter().write(OutputRenderer.render(HostileStories.stories, context: RenderContext(output: hostile)), to: hostile.path)
        // libxml2's HTML parser: no errors (it warns about HTML5 element names it does not know, which we filter).
        for page in ["live.html", "hostile.html"] {
            let r = try FeedCheckTools.run(FeedCheckTools.which("xmllint") ?? "/usr/bin/xmllint", ["--html", "--noout", dir + "/" + page])
            let errors = r.stderr.split(separator: "\n").filter { $0.contains("error") && !$0.contains("invalid") }
            #expect(errors.isEmpty, "\(page): \(r.stderr)")
        }
    }
}

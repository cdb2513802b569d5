/// RSS 2.0 (https://www.rssboard.org/rss-specification) with the Atom,
/// content and Dublin Core namespaces, declared once on the root.
///
/// Per item: `title` (plain text: RSS has no way to mark a title as HTML,
/// and readers show markup literally), `link`, `description` (the summary as
/// escaped HTML, prefixed with the visible "Updated 14:05 UTC" marker when
/// the story was edited), `content:encoded`, `dc:creator` (RSS `author`
/// must be an e-mail address), `category`, one `enclosure` (the RSS Advisory
/// Board's profile allows one per item; the first safe one), `guid
/// isPermaLink="false"`, `pubDate`, `atom:updated` for edited items,
/// `source url="…"` for the first source (RSS allows one) and
/// `feedwire:source` for every further feed carrying the story.
public enum RSSRenderer {
    public static func render(_ stories: [StoryEntry], context: RenderContext) -> [UInt8] {
        let output = context.output
        var w = XMLWriter(capacity: 4096 + stories.count * 2048)
        w.start("rss", [
            ("version", "2.0"),
            ("xmlns:atom", "http://www.w3.org/2005/Atom"),
            ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
            ("xmlns:feedwire", OutputIdentity.namespace),
        ])
        w.start("channel")
        w.element("title", output.title)
        w.element("link", LinkPolicy.safe(output.link))
        w.element("description", output.description.isEmpty ? output.title : output.description)
        w.element("generator", "\(context.generatorName) \(context.generatorVersion)")
        if let updated = FeedDates.feedUpdated(stories) {
            w.element("lastBuildDate", updated.rfc822)
        }
        for entry in stories { item(StoryView(entry), output: output, into: &w) }
        w.end()
        w.end()
        return w.finish()
    }

    static func item(_ s: StoryView, output: OutputConfig, into w: inout XMLWriter) {
        w.start("item")
        w.element("title", s.title)
        w.element("link", s.link)
        var description = s.summaryHTML
        if s.isEdited, !output.updatedMarker.isEmpty {
            let marker = "<p><strong>" + XMLText.escaped(UTCFormat.format(output.updatedMarker, s.item.lastChanged)) + "</strong></p>"
            description = marker + (description ?? "")
        }
        w.element("description", description)
        w.element("content:encoded", s.contentHTML)
        for a in s.authors { w.element("dc:creator", a.name ?? a.email) }
        for c in s.item.categories where !c.isEmpty { w.element("category", c) }
        if let e = s.enclosures.first {
            w.empty("enclosure", [
                ("url", LinkPolicy.safe(e.url)),
                // Both are required by RSS 2.0; 0 and a generic type are the usual stand-ins.
                ("length", String(max(0, e.length ?? 0))),
                ("type", e.type.flatMap { $0.contains("/") ? $0 : nil } ?? "application/octet-stream"),
            ])
        }
        w.element("guid", s.guid, [("isPermaLink", "false")])
        w.element("pubDate", s.published.rfc822)
        if s.isEdited { w.element("atom:updated", s.updated.rfc3339) }
        for (i, src) in s.sources.enumerated() {
            let url = LinkPolicy.safe(src.feedURL)
            if i == 0 {
                // RSS 2.0 requires the url attribute; without a safe one there is no <source>.
                if let url { w.element("source", src.displayName, [("url", url)]) }
            } else {
                w.element("feedwire:source", src.displayName, [("url", url), ("link", src.displayLink)])
            }
        }
        w.end()
    }
}

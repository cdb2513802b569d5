/// Atom 1.0 (RFC 4287). Valid against the RFC's RELAX NG schema
/// (`../shared/contracts/atom-rfc4287.rnc`) and its Schematron rules:
/// the feed has an author, so entries without one are fine (§4.1.1), and
/// every entry has an alternate link or a content (§4.1.1.1 / §4.1.2).
///
/// Per entry: `id` (the story's URN, §4.2.6), `title` (`type="html"` when
/// the source's title is HTML, §3.1.1.2), `link rel="alternate"`, one
/// `link rel="via"` per further source, `link rel="enclosure"` per
/// enclosure, `published`, `updated` (the edit time for edited stories),
/// authors, categories, `summary` and `content` (`type="html"`), and
/// `source` (§4.2.11; one allowed: the first feed carrying the story).
public enum AtomRenderer {
    public static let namespace = "http://www.w3.org/2005/Atom"

    public static func render(_ stories: [StoryEntry], context: RenderContext) -> [UInt8] {
        var w = XMLWriter(capacity: 4096 + stories.count * 2048)
        feedHeader(&w, context: context, updated: FeedDates.feedUpdated(stories) ?? FeedDates.emptyFeedDate, id: OutputIdentity.outputID(context.output.name))
        for entry in stories { self.entry(StoryView(entry), into: &w) }
        w.end()
        return w.finish()
    }

    /// `<feed>` and its metadata (shared with the changes feed); leaves `<feed>` open.
    static func feedHeader(_ w: inout XMLWriter, context: RenderContext, updated: Timestamp, id: String) {
        let output = context.output
        w.start("feed", [("xmlns", namespace)])
        w.element("id", id)
        w.element("title", output.title, [("type", "text")])
        if !output.description.isEmpty { w.element("subtitle", output.description, [("type", "text")]) }
        w.element("updated", updated.rfc3339)
        if let link = LinkPolicy.safe(output.link) { w.empty("link", [("rel", "alternate"), ("type", "text/html"), ("href", link)]) }
        // A feed-level author satisfies §4.1.1 for entries whose source names none.
        w.start("author")
        w.element("name", output.title.isEmpty ? context.generatorName : output.title)
        w.end()
        w.element("generator", context.generatorName, [("version", context.generatorVersion)])
    }

    static func entry(_ s: StoryView, into w: inout XMLWriter) {
        w.start("entry")
        w.element("id", s.guid)
        let title = s.atomTitle
        w.element("title", title.text, [("type", title.type)])
        if let link = s.link { w.empty("link", [("rel", "alternate"), ("type", "text/html"), ("href", link)]) }
        for src in s.sources.dropFirst() {
            if let href = src.displayLink ?? LinkPolicy.safe(src.feedURL) {
                w.empty("link", [("rel", "via"), ("href", href), ("title", src.displayName)])
            }
        }
        for e in s.enclosures {
            w.empty("link", [
                ("rel", "enclosure"), ("href", LinkPolicy.safe(e.url)),
                ("type", e.type.flatMap { $0.contains("/") ? $0 : nil }),
                ("length", e.length.flatMap { $0 >= 0 ? String($0) : nil }),
            ])
        }
        w.element("published", s.published.rfc3339)
        w.element("updated", s.updated.rfc3339)
        person(s.authors, into: &w)
        for c in s.item.categories where !c.isEmpty { w.empty("category", [("term", c)]) }
        // Text constructs keep the source's type (§3.1.1): "text" or "html".
        if let summary = s.item.summary {
            w.element("summary", summary, [("type", s.item.summaryType.rawValue)])
        }
        if let content = s.item.content {
            w.element("content", content, [("type", s.item.contentType.rawValue)])
        } else if s.link == nil {
            // §4.1.1.1: without an alternate link an entry must have content.
            w.element("content", s.item.summary ?? "", [("type", s.item.summary == nil ? "text" : s.item.summaryType.rawValue)])
        }
        if let first = s.sources.first {
            w.start("source")
            if let url = LinkPolicy.safe(first.feedURL) {
                w.element("id", url)
                w.empty("link", [("rel", "self"), ("href", url)])
            }
            if let home = LinkPolicy.safe(first.feedLink) {
                w.empty("link", [("rel", "alternate"), ("type", "text/html"), ("href", home)])
            }
            w.element("title", first.displayName, [("type", "text")])
            w.end()
        }
        w.end()
    }

    /// Atom person constructs (§3.2): a name is required; `email` must look like one.
    static func person(_ people: [Person], into w: inout XMLWriter) {
        for p in people {
            let email = p.email.flatMap { $0.contains("@") && !$0.hasPrefix("@") && !$0.hasSuffix("@") ? $0 : nil }
            guard let name = p.name.flatMap({ $0.isEmpty ? nil : $0 }) ?? email else { continue }
            w.start("author")
            w.element("name", name)
            w.element("uri", LinkPolicy.safe(p.uri))
            w.element("email", email)
            w.end()
        }
    }
}

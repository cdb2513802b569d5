/// What every renderer needs besides the stories: the output's settings and
/// the generator name.
///
/// There is deliberately no "generation time" here. Feed-level dates
/// (`lastBuildDate`, Atom `<updated>`, the HTML page's "Updated: 14:05 UTC")
/// are derived from the items (`FeedDates.feedUpdated`), so rendering the
/// same state twice gives the same bytes and the atomic writer can skip the
/// rewrite: the file's mtime, web caches and ETags only move when items do.
public struct RenderContext: Sendable {
    public var output: OutputConfig
    /// `<generator>` text; its version changes bytes once per upgrade, which is fine.
    public var generatorName: String
    public var generatorVersion: String

    public init(output: OutputConfig, generatorName: String = "Feedwire", generatorVersion: String = FeedwireVersion.current) {
        self.output = output
        self.generatorName = generatorName
        self.generatorVersion = generatorVersion
    }
}

/// Stable identifiers in outputs.
public enum OutputIdentity {
    /// The item GUID / Atom id / JSON Feed id of a story: a URN built from the
    /// store's persistent story id, so it survives GUID drift, link changes
    /// and edits (RSS `isPermaLink="false"`, RFC 4287 §4.2.6 "MUST NOT
    /// change"). `urn:feedwire:` is not a registered namespace; readers only
    /// compare ids as strings (RFC 4287 §4.2.6.1), which is all we need.
    public static func storyID(_ id: Int64) -> String { "urn:feedwire:item:\(id)" }

    /// Atom feed id of an output.
    public static func outputID(_ name: String) -> String { "urn:feedwire:output:\(name)" }

    /// Atom entry id of one event in the changes feed (unique per event).
    public static func eventID(_ id: Int64) -> String { "urn:feedwire:event:\(id)" }

    /// Namespace of Feedwire's own elements in RSS (further sources).
    public static let namespace = "urn:feedwire:ns:1"
}

/// Dates outputs show, derived from the stories only.
public enum FeedDates {
    /// When the item last changed as readers should see it: the publication
    /// date (or first seen) until a real edit, then the edit time.
    public static func entryUpdated(_ item: ItemRecord) -> Timestamp {
        item.isEdited ? max(item.lastChanged, item.displayDate) : item.displayDate
    }

    /// The feed's date: the newest change among the stories shown (an item
    /// arriving, or being edited). Nil for an empty feed.
    public static func feedUpdated(_ stories: [StoryEntry]) -> Timestamp? {
        stories.lazy.map { max($0.item.lastChanged, $0.item.displayDate) }.max()
    }

    /// An empty feed still needs a date in Atom; the epoch keeps its bytes
    /// deterministic (a "now" would rewrite the file on every refresh).
    public static let emptyFeedDate = Timestamp(seconds: 0)
}

/// One story with the values all formats derive the same way.
struct StoryView {
    let entry: StoryEntry
    var item: ItemRecord { entry.item }
    let guid: String
    /// Plain text, truncated to `PlainText.maxTitleCharacters`.
    let title: String
    /// The canonical link when it is safe to emit (`LinkPolicy`).
    let link: String?
    let published: Timestamp
    let updated: Timestamp
    /// Never empty: a story without source rows gets one for its own feed.
    let sources: [StorySource]

    init(_ entry: StoryEntry) {
        self.entry = entry
        guid = OutputIdentity.storyID(entry.item.storyID)
        title = PlainText.title(of: entry.item)
        link = LinkPolicy.safe(entry.item.link) ?? entry.sources.lazy.compactMap { LinkPolicy.safe($0.itemLink) }.first
        published = entry.item.displayDate
        updated = FeedDates.entryUpdated(entry.item)
        sources = entry.sources.isEmpty ? [StorySource(feed: entry.item.feed, feedURL: "")] : entry.sources
    }

    /// The title as Atom should carry it: the source's HTML (type="html")
    /// when it is short enough to keep whole, else our plain text.
    var atomTitle: (text: String, type: String) {
        if item.titleType == .html, item.title.utf8.count <= PlainText.maxTitleCharacters * 4,
           item.title.count <= PlainText.maxTitleCharacters {
            return (item.title, "html")
        }
        return (title, "text")
    }

    /// The summary as HTML (the content when there is no summary).
    var summaryHTML: String? {
        if let s = item.summary { return PlainText.html(s, type: item.summaryType) }
        if let c = item.content { return PlainText.html(c, type: item.contentType) }
        return nil
    }

    /// The full content as HTML, when the source gave one.
    var contentHTML: String? { item.content.map { PlainText.html($0, type: item.contentType) } }

    var isEdited: Bool { item.isEdited }

    /// Authors with something to show.
    var authors: [Person] { item.authors.filter { ($0.name ?? $0.email ?? "").isEmpty == false } }

    /// Enclosures with a safe URL.
    var enclosures: [Enclosure] { item.enclosures.filter { LinkPolicy.safe($0.url) != nil } }
}

extension StorySource {
    /// The name people see: the feed's title, else its configured name.
    var displayName: String {
        let t = feedTitle.map(PlainText.collapse) ?? ""
        return PlainText.truncated(t.isEmpty ? feed : t, to: 120)
    }

    /// Where a click on the source should go: its link to the story, else its home page.
    var displayLink: String? { LinkPolicy.safe(itemLink) ?? LinkPolicy.safe(feedLink) }
}

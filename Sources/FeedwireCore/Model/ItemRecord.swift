/// An item as Feedwire knows it after tracking: what outputs render and
/// notifications describe. Built by the store; never by the parser.
public struct ItemRecord: Sendable, Equatable {
    /// Persistent internal id, assigned at first sight and kept through GUID
    /// drift, link changes and edits. Output GUIDs and idempotency keys derive from it.
    public var id: Int64
    /// The story this item belongs to: the id of the first item seen with the
    /// same canonical link (or URL-shaped GUID) in any feed; equals `id` for
    /// an item that is not a copy.
    public var storyID: Int64
    /// Configured name of the feed the item came from.
    public var feed: String
    public var guid: String?
    /// Canonical link (tracking parameters removed; see `URLCanonicalizer`).
    public var link: String?
    public var title: String
    public var titleType: TextType
    public var summary: String?
    public var summaryType: TextType
    public var content: String?
    public var contentType: TextType
    /// From the source; clamped to `firstSeen` when more than 10 minutes in the future.
    public var published: Timestamp?
    public var updated: Timestamp?
    /// Feedwire's clock: when the item was first fetched.
    public var firstSeen: Timestamp
    /// Feedwire's clock: the last real edit (equals `firstSeen` until one happens).
    public var lastChanged: Timestamp
    /// 1 as first seen, +1 per real edit.
    public var revision: Int
    public var authors: [Person]
    public var categories: [String]
    public var enclosures: [Enclosure]
    public var image: String?
    /// True when the source date was in the future and was clamped.
    public var dateClamped: Bool
    /// False once the item vanished from its feed (a tombstone).
    public var present: Bool

    public init(
        id: Int64, storyID: Int64, feed: String, guid: String? = nil, link: String? = nil,
        title: String, titleType: TextType = .text,
        summary: String? = nil, summaryType: TextType = .html,
        content: String? = nil, contentType: TextType = .html,
        published: Timestamp? = nil, updated: Timestamp? = nil,
        firstSeen: Timestamp, lastChanged: Timestamp? = nil, revision: Int = 1,
        authors: [Person] = [], categories: [String] = [], enclosures: [Enclosure] = [],
        image: String? = nil, dateClamped: Bool = false, present: Bool = true
    ) {
        self.id = id
        self.storyID = storyID
        self.feed = feed
        self.guid = guid
        self.link = link
        self.title = title
        self.titleType = titleType
        self.summary = summary
        self.summaryType = summaryType
        self.content = content
        self.contentType = contentType
        self.published = published
        self.updated = updated
        self.firstSeen = firstSeen
        self.lastChanged = lastChanged ?? firstSeen
        self.revision = revision
        self.authors = authors
        self.categories = categories
        self.enclosures = enclosures
        self.image = image
        self.dateClamped = dateClamped
        self.present = present
    }

    /// The date outputs sort and show by: published, else first seen.
    public var displayDate: Timestamp { published ?? firstSeen }

    /// True once the item has had a real edit.
    public var isEdited: Bool { revision > 1 }
}

/// One feed carrying a story.
public struct StorySource: Sendable, Equatable {
    /// Configured feed name.
    public var feed: String
    /// The feed's own title, when known.
    public var feedTitle: String?
    /// The feed's URL (after any permanent redirect).
    public var feedURL: String
    /// The feed's home page.
    public var feedLink: String?
    /// This source's link to the story (canonical).
    public var itemLink: String?

    public init(feed: String, feedTitle: String? = nil, feedURL: String, feedLink: String? = nil, itemLink: String? = nil) {
        self.feed = feed
        self.feedTitle = feedTitle
        self.feedURL = feedURL
        self.feedLink = feedLink
        self.itemLink = itemLink
    }
}

/// A story as outputs show it: one item (the first seen) and every feed
/// that carries it, the item's own feed first.
public struct StoryEntry: Sendable, Equatable {
    public var item: ItemRecord
    public var sources: [StorySource]

    public init(item: ItemRecord, sources: [StorySource]) {
        self.item = item
        self.sources = sources
    }
}

/// What reconcile needs to know about the feed itself.
public struct FeedTrackState: Sendable, Equatable {
    /// Store row id of the feed.
    public var feedID: Int64
    /// Configured name.
    public var name: String
    /// When the first successful fetch was reconciled (nil: the next one is the baseline).
    public var baselineAt: Timestamp?
    /// The feed's GUIDs were seen to change on every fetch while links stayed:
    /// items are matched by link first.
    public var guidUnstable: Bool
    /// Notes already logged for this feed (`TrackNote.Kind` bits), so each is logged once.
    public var notedKinds: Int

    public init(feedID: Int64, name: String, baselineAt: Timestamp? = nil, guidUnstable: Bool = false, notedKinds: Int = 0) {
        self.feedID = feedID
        self.name = name
        self.baselineAt = baselineAt
        self.guidUnstable = guidUnstable
        self.notedKinds = notedKinds
    }
}

/// A fingerprint an item showed before, and when it stopped being current.
public struct PastRevision: Sendable, Equatable {
    public var revision: Int
    public var textFP: Int64
    public var supersededAt: Timestamp

    public init(revision: Int, textFP: Int64, supersededAt: Timestamp) {
        self.revision = revision
        self.textFP = textFP
        self.supersededAt = supersededAt
    }
}

/// An item of this feed as stored, with what reconcile compares. Only the
/// raw fingerprint is stored: the normalised text (`ItemText`) of the
/// stored version is computed from the stored text when the raw text differs.
public struct StoredItem: Sendable, Equatable {
    public var record: ItemRecord
    public var guidKey: Int64?
    public var linkKey: Int64?
    public var urlGuidKey: Int64?
    public var titleKey: Int64
    public var rawFP: Int64
    /// When it vanished from the feed (tombstones).
    public var goneAt: Timestamp?
    /// Superseded revisions still inside the flap window.
    public var recentRevisions: [PastRevision]
    /// How many items share its story (1: not syndicated).
    public var storySize: Int
    /// Every `ItemText.storyTextKey` shown by any item of its story; nil until
    /// loaded (only needed when an item of a shared story is edited).
    public var storyTextKeys: Set<Int64>?
    /// False when `record` was loaded without summary, content and extras
    /// (items whose raw text the document repeats need nothing more).
    public var textLoaded: Bool

    public init(record: ItemRecord, guidKey: Int64?, linkKey: Int64?, urlGuidKey: Int64?, titleKey: Int64, rawFP: Int64,
                goneAt: Timestamp? = nil, recentRevisions: [PastRevision] = [], storySize: Int = 1,
                storyTextKeys: Set<Int64>? = nil, textLoaded: Bool = true) {
        self.record = record
        self.guidKey = guidKey
        self.linkKey = linkKey
        self.urlGuidKey = urlGuidKey
        self.titleKey = titleKey
        self.rawFP = rawFP
        self.goneAt = goneAt
        self.recentRevisions = recentRevisions
        self.storySize = storySize
        self.storyTextKeys = storyTextKeys
        self.textLoaded = textLoaded
    }

    /// A stored item built from a prepared one (tests, fakes).
    public init(id: Int64, storyID: Int64? = nil, feed: String, prepared p: PreparedItem, firstSeen: Timestamp,
                revision: Int = 1, present: Bool = true, goneAt: Timestamp? = nil) {
        let record = ItemRecord(
            id: id, storyID: storyID ?? id, feed: feed, guid: p.guid, link: p.link, title: p.item.title ?? "",
            titleType: p.item.titleType ?? .text, summary: p.item.summary, summaryType: p.item.summaryType ?? .html,
            content: p.item.content, contentType: p.item.contentType ?? .html, published: p.date,
            updated: p.item.updated, firstSeen: firstSeen, revision: revision, authors: p.item.authors,
            categories: p.item.categories, enclosures: p.item.enclosures, image: p.item.image, present: present)
        self.init(record: record, guidKey: p.guidKey, linkKey: p.linkKey, urlGuidKey: p.urlGuidKey, titleKey: p.titleKey,
                  rawFP: p.rawFP, goneAt: goneAt)
    }

    public var id: Int64 { record.id }

    /// The normalised text of the stored version.
    public var text: ItemText { ItemText(record) }
}

/// An item of another feed that shares a story key with a document item.
public struct StoryCandidate: Sendable, Equatable {
    public var itemID: Int64
    public var storyID: Int64
    public var feed: String
    public var linkKey: Int64?
    public var urlGuidKey: Int64?
    public var linkIsStory: Bool
    /// Every text the story has shown (`ItemText.storyTextKey`).
    public var storyTextKeys: Set<Int64>

    public init(itemID: Int64, storyID: Int64, feed: String, linkKey: Int64?, urlGuidKey: Int64?,
                linkIsStory: Bool = true, storyTextKeys: Set<Int64> = []) {
        self.itemID = itemID
        self.storyID = storyID
        self.feed = feed
        self.linkKey = linkKey
        self.urlGuidKey = urlGuidKey
        self.linkIsStory = linkIsStory
        self.storyTextKeys = storyTextKeys
    }

    var storyKeys: [Int64] {
        var keys: [Int64] = []
        if linkIsStory, let linkKey { keys.append(linkKey) }
        if let urlGuidKey { keys.append(urlGuidKey) }
        return keys
    }
}

/// Everything reconcile reads besides the document: loaded by the store.
public struct ReconcileInput: Sendable, Equatable {
    public var feed: FeedTrackState
    /// Every present item of the feed, plus tombstones and recently vanished
    /// items sharing a GUID, link or title key with a document item.
    public var stored: [StoredItem]
    /// Items of other feeds sharing a story key with a document item.
    public var storyCandidates: [StoryCandidate]

    public init(feed: FeedTrackState, stored: [StoredItem] = [], storyCandidates: [StoryCandidate] = []) {
        self.feed = feed
        self.stored = stored
        self.storyCandidates = storyCandidates
    }
}

/// Something reconcile wants logged (once per feed and kind).
public struct TrackNote: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Int, Sendable, CaseIterable {
        /// Several items of one document share a GUID.
        case duplicateGuids = 1
        /// GUIDs change on every fetch while links stay.
        case unstableGuids = 2
        /// A GUID matched a stored item that is clearly another story.
        case reusedGuid = 4
        /// The document had no items while the feed had some: nothing was tombstoned.
        case emptyDocument = 8
        /// More items than `maxItems`: only the newest were processed.
        case truncated = 16
    }

    public var kind: Kind
    public var feed: String
    public var message: String

    public var description: String { "feed \(feed): \(message)" }
}

/// Which item an event is about: one already stored, or one of
/// `ReconcileResult.newItems` (whose id is assigned when the result is applied).
public enum ItemRef: Sendable, Equatable, Hashable {
    case stored(Int64)
    case new(Int)
}

/// An item seen for the first time.
public struct NewItem: Sendable, Equatable {
    public var prepared: PreparedItem
    /// The story it joins (a copy of an item of another feed), or nil for a
    /// story of its own (story id = its own id).
    public var storyID: Int64?
    public var published: Timestamp?
    public var updated: Timestamp?
    /// The source date was more than `futureTolerance` ahead and was clamped.
    public var dateClamped: Bool

    /// The record as it will be stored (`id` 0 until applied).
    public func record(id: Int64 = 0, feed: String, firstSeen: Timestamp) -> ItemRecord {
        let item = prepared.item
        return ItemRecord(
            id: id, storyID: storyID ?? id, feed: feed, guid: prepared.guid, link: prepared.link,
            title: item.title ?? "", titleType: item.titleType ?? .text, summary: item.summary,
            summaryType: item.summaryType ?? .html, content: item.content, contentType: item.contentType ?? .html,
            published: published, updated: updated, firstSeen: firstSeen, lastChanged: firstSeen, revision: 1,
            authors: item.authors, categories: item.categories, enclosures: item.enclosures, image: item.image,
            dateClamped: dateClamped, present: true)
    }
}

/// A real edit: a new revision of a stored item.
public struct ItemEdit: Sendable, Equatable {
    public var itemID: Int64
    public var prepared: PreparedItem
    /// The new text, and the text it replaces (stored with the superseded
    /// revision: its fingerprint feeds the flap check).
    public var text: ItemText
    public var previous: ItemText
    /// The new revision number (previous + 1).
    public var revision: Int
    public var changedFields: [ItemField]
    /// Normalised title before the edit, when the title changed.
    public var previousTitle: String?
    public var titleDiff: TextDiff?
    public var textDiff: TextDiff?
    public var published: Timestamp?
    public var updated: Timestamp?
    public var dateClamped: Bool
    /// False when the item is one source of a story whose other sources
    /// already showed this text: recorded, but not announced again.
    public var announced: Bool
    /// The item had vanished and is back.
    public var reappeared: Bool
    /// Its GUID or link changed with this edit (drift).
    public var identityChanged: Bool
    /// The record after the edit.
    public var record: ItemRecord
}

/// A stored item's GUID, link or title key changed without a visible edit
/// (GUID drift whose text stayed, tracking churn in a GUID): stored silently
/// so the next fetch matches on the first rung again.
public struct IdentityChange: Sendable, Equatable {
    public var itemID: Int64
    public var guid: String?
    public var guidKey: Int64?
    public var link: String?
    public var linkKey: Int64?
    public var urlGuidKey: Int64?
}

/// An event to store, with the item as it will be after the refresh.
public struct PlannedEvent: Sendable, Equatable {
    /// `id` 0; for events about new items, `itemID`/`storyID` are nil until applied.
    public var event: ChangeEvent
    public var item: ItemRef?
    /// The item after the refresh (ids 0 for a new item), for routing.
    public var record: ItemRecord?
}

/// The writes and events of one refresh, as reconcile decided them. Applied
/// by the store in one transaction; empty when nothing a reader could see changed.
public struct ReconcileResult: Sendable, Equatable {
    public var feed: String
    public var feedID: Int64
    public var now: Timestamp
    /// This was the feed's first successful fetch.
    public var isBaseline: Bool
    public var newItems: [NewItem] = []
    public var edits: [ItemEdit] = []
    public var identityChanges: [IdentityChange] = []
    /// Tombstones seen again without a text change.
    public var reappeared: [Int64] = []
    /// Present items missing from the document: become tombstones.
    public var vanished: [Int64] = []
    public var events: [PlannedEvent] = []
    /// For the caller to log (each kind once per feed).
    public var notes: [TrackNote] = []
    /// The feed's GUIDs turned out to be unstable (persist `guidUnstable`).
    public var markGuidUnstable = false
    /// Items the document had, and how many were processed (newest first).
    public var documentItems = 0
    public var processedItems = 0
    /// Stored data the decision needed but the input did not carry (items
    /// loaded without text, stories without their text keys). When not
    /// empty the result is incomplete: load these and reconcile again.
    public var missingTexts: Set<Int64> = []
    public var missingStories: Set<Int64> = []

    /// False when more stored data is needed (see `missingTexts`).
    public var isComplete: Bool { missingTexts.isEmpty && missingStories.isEmpty }

    public init(feed: String, feedID: Int64, now: Timestamp, isBaseline: Bool) {
        self.feed = feed
        self.feedID = feedID
        self.now = now
        self.isBaseline = isBaseline
    }

    /// True when applying would write no item, revision or event row.
    public var writesNothing: Bool {
        newItems.isEmpty && edits.isEmpty && identityChanges.isEmpty && reappeared.isEmpty && vanished.isEmpty
            && events.isEmpty
    }

    /// Event `index` with its item, for the notification router (which
    /// decides the targets before the result is applied). Sources are not
    /// known yet; the entry lists the item's own feed only.
    public func preview(_ index: Int) -> EventWithItem {
        let planned = events[index]
        let entry = planned.record.map { StoryEntry(item: $0, sources: [StorySource(feed: feed, feedURL: "")]) }
        return EventWithItem(event: planned.event, entry: entry)
    }
}

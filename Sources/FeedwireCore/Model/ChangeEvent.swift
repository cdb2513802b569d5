/// What kind of change an event records. Raw values are the names used in
/// `feeds.conf` (`events = [...]`), the change log and the store.
public enum EventKind: String, Sendable, CaseIterable, Hashable {
    /// A story appeared (not on a feed's first, baseline fetch).
    case new
    /// A published story's visible text was really edited.
    case updated
    /// An item vanished from its feed (kept as a tombstone).
    case gone
    /// The feed answered 410 Gone and is no longer polled.
    case feedDisabled = "feed_disabled"
    /// The feed moved permanently (301/308); the new URL is stored.
    case feedMoved = "feed_moved"
    /// The feed started failing.
    case feedFailing = "feed_failing"
    /// A failing feed answered again.
    case feedRecovered = "feed_recovered"
    /// The feed has published nothing for far longer than its usual cadence.
    case feedSilent = "feed_silent"

    /// Events about a feed's health rather than an item (`events = ["health"]`).
    public var isHealth: Bool {
        switch self {
        case .feedDisabled, .feedMoved, .feedFailing, .feedRecovered, .feedSilent: return true
        case .new, .updated, .gone: return false
        }
    }
}

/// The fields of an item an edit can change.
public enum ItemField: String, Sendable, CaseIterable, Hashable {
    case title, summary, content
}

/// One change Feedwire noticed. Written to the store in the same transaction
/// as the item rows that caused it; the change log, the "changes" feed and the
/// notification outbox are all built from these.
public struct ChangeEvent: Sendable, Equatable {
    /// Store row id (0 before it is stored).
    public var id: Int64
    public var kind: EventKind
    /// Feedwire's clock when the change was noticed.
    public var at: Timestamp
    /// Configured feed name.
    public var feed: String
    /// The item, for item events.
    public var itemID: Int64?
    public var storyID: Int64?
    /// The item revision this event announces (1 for `new`).
    public var revision: Int?
    /// For `updated`: which visible fields changed.
    public var changedFields: [ItemField]
    /// For `updated`: the title before the edit, when it changed.
    public var previousTitle: String?
    /// For `updated`: word diffs of the title and of the body text.
    public var titleDiff: TextDiff?
    public var textDiff: TextDiff?
    /// For feed events: a sentence for people ("moved permanently to …; update feeds.conf").
    public var message: String?
    /// For `feedMoved`: the old and new URLs.
    public var fromURL: String?
    public var toURL: String?

    public init(
        id: Int64 = 0, kind: EventKind, at: Timestamp, feed: String,
        itemID: Int64? = nil, storyID: Int64? = nil, revision: Int? = nil,
        changedFields: [ItemField] = [], previousTitle: String? = nil,
        titleDiff: TextDiff? = nil, textDiff: TextDiff? = nil,
        message: String? = nil, fromURL: String? = nil, toURL: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.at = at
        self.feed = feed
        self.itemID = itemID
        self.storyID = storyID
        self.revision = revision
        self.changedFields = changedFields
        self.previousTitle = previousTitle
        self.titleDiff = titleDiff
        self.textDiff = textDiff
        self.message = message
        self.fromURL = fromURL
        self.toURL = toURL
    }
}

/// An event with the item it is about (when it is about one), as the
/// notifier and the change log need it.
public struct EventWithItem: Sendable, Equatable {
    public var event: ChangeEvent
    public var entry: StoryEntry?

    public init(event: ChangeEvent, entry: StoryEntry?) {
        self.event = event
        self.entry = entry
    }
}

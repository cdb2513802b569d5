/// What the outputs ask of the store. Implemented by the SQLite store (and
/// by in-memory fakes in tests).
public struct StoryQuery: Sendable, Equatable {
    /// Feed names to include; nil means every feed.
    public var feeds: [String]?
    public var sort: OutputSort
    /// At most this many stories, newest first by `sort`.
    public var limit: Int
    /// Only stories whose sort date (published-or-first-seen, or last change)
    /// is at or after this time.
    public var notBefore: Timestamp?

    public init(feeds: [String]? = nil, sort: OutputSort = .published, limit: Int = 200, notBefore: Timestamp? = nil) {
        self.feeds = feeds
        self.sort = sort
        self.limit = limit
        self.notBefore = notBefore
    }
}

public protocol StoryReader: AnyObject, Sendable {
    /// Stories currently present in at least one selected feed, one entry per
    /// story (cross-feed copies merged: `sources` lists every selected feed
    /// carrying it, the entry's own item's feed first), newest first.
    func stories(_ query: StoryQuery) throws -> [StoryEntry]

    /// Events with id greater than `afterID`, oldest first, with the item
    /// each is about (its current state), for the change log and the changes feed.
    func events(afterID: Int64, limit: Int) throws -> [EventWithItem]

    /// The newest `limit` events of the given kinds (all kinds when empty),
    /// newest first, optionally restricted to some feeds.
    func recentEvents(kinds: [EventKind], feeds: [String]?, limit: Int) throws -> [EventWithItem]

    /// A number that changes whenever anything an output shows may have
    /// changed (e.g. the highest item-change sequence), so publishers can
    /// skip work when nothing moved.
    func contentVersion() throws -> Int64
}

/// The knobs of identity, dedupe and edit detection. Defaults follow issue 4
/// and `../shared/design/defaults.md`.
public struct TrackPolicy: Sendable, Equatable {
    /// Newest items processed per fetch (defaults.md: 500).
    public var maxItems: Int = 500
    /// Items announced as `new` on a feed's first (baseline) fetch, newest first.
    public var backfill: Int = 0
    /// A source date further than this in the future is clamped to first-seen (seconds).
    public var futureTolerance: Int64 = 10 * 60
    /// A return to text seen for the item within this window is flapping,
    /// not an edit (seconds).
    public var flapWindow: Int64 = 6 * 3600
    /// An unmatched item with the normalised title of an item seen within
    /// this window is that item after a GUID drift (seconds).
    public var titleDriftWindow: Int64 = 48 * 3600
    /// Word-shingle Jaccard similarity above which a new item is the same
    /// as one that vanished in the same fetch (guid, link and title all changed).
    public var driftSimilarity: Double = 0.8
    /// Similarity below which a guid match with a different link, title and
    /// date is refused (a guid reused for another story).
    public var reusedGuidSimilarity: Double = 0.5
    /// Stored field limits in UTF-8 bytes (defaults.md).
    public var limits = FieldLimits()
    /// Revisions kept per item (`[daemon] keep_revisions`); older ones are
    /// pruned when a new one is written.
    public var keepRevisions: Int = 20

    public init() {}

    public init(daemon: DaemonSettings, feed: FeedConfig?) {
        maxItems = max(1, daemon.maxItems)
        backfill = max(0, feed?.backfill ?? daemon.backfill)
        keepRevisions = max(1, daemon.keepRevisions)
    }
}

/// Stored field limits in UTF-8 bytes; longer values are cut at a character boundary.
public struct FieldLimits: Sendable, Equatable {
    public var title = 1_024
    public var summary = 64 * 1_024
    public var content = 1_024 * 1_024
    public var url = 8 * 1_024
    /// GUID text kept for display; identity uses the key of the whole GUID.
    public var guid = 8 * 1_024

    public init() {}

    /// `text` cut to at most `limit` UTF-8 bytes without splitting a character.
    public static func cut(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: limit)
        // Step back over UTF-8 continuation bytes to the start of a character.
        while end > text.utf8.startIndex, text.utf8[end] & 0xC0 == 0x80 {
            end = text.utf8.index(before: end)
        }
        return String(decoding: text.utf8[..<end], as: UTF8.self)
    }

    public static func cutOptional(_ text: String?, to limit: Int) -> String? {
        text.map { cut($0, to: limit) }
    }
}

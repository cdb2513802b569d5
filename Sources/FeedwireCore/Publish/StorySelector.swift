import Foundation

/// An output's keyword pattern that does not compile.
public struct SelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var output: String
    public var pattern: String
    public var reason: String

    public var description: String {
        "output \"\(output)\": the keyword pattern \"\(pattern)\" is not a valid regular expression (\(reason)); fix it in feeds.conf"
    }
}

/// Which stories an output shows: `feeds`/`tags`, keyword `include`/`exclude`,
/// `max_age`, `max_items` and the sort order of an `[[output]]`.
///
/// ## The contract with the store
/// The store does the cheap, indexable part (`StoryQuery`: feed names, sort,
/// a `notBefore` bound, a limit); `select(_:now:)` then re-applies every rule
/// and trims, so the store may return more than needed, in any order and
/// even with stories outside the selection, and the result is the same.
/// When keyword filters are set the store cannot know how many stories will
/// survive them, so `stories(from:now:)` over-fetches (twice `max_items`) and,
/// if the filter leaves fewer than `max_items` while the store still had
/// more, asks again with four times the limit, up to `maxFetch`.
///
/// ## Regular expressions
/// Patterns are ICU regular expressions through Foundation's
/// `NSRegularExpression`, compiled once per selector, case-insensitive.
/// Chosen over Swift `Regex` built from a runtime string: on this stack
/// (Swift 6.3, Linux, -O) three keyword patterns over 2,000 wire-copy
/// texts took ~19 times longer with `Regex(...).ignoresCase()` than with
/// `NSRegularExpression`, whose ICU syntax (PCRE-like: `\b`, `(?i)`,
/// alternation) is also the widely documented one operators know. To bound the cost
/// of a pathological pattern on a huge body, only the first
/// `maxMatchedBytes` of each field's plain text are searched.
public struct StorySelector: @unchecked Sendable {  // NSRegularExpression is immutable and thread-safe once built.
    public let output: OutputConfig
    /// Selected feed names (sorted), or nil for every feed.
    public let feeds: [String]?
    private let include: [NSRegularExpression]
    private let exclude: [NSRegularExpression]

    /// Upper bound for one over-fetching store query.
    public static let maxFetch = 20_000
    /// Bytes of each field's text that keyword patterns see.
    public static let maxMatchedBytes = 64 * 1024

    public init(output: OutputConfig, config: FeedwireConfig) throws(SelectionError) {
        self.output = output
        feeds = StorySelector.feedNames(output: output, config: config)
        include = try StorySelector.compile(output.include, output: output.name)
        exclude = try StorySelector.compile(output.exclude, output: output.name)
    }

    /// The feed names an output selects: its `feeds` plus every feed that has
    /// one of its `tags`; nil when both are empty (every feed).
    public static func feedNames(output: OutputConfig, config: FeedwireConfig) -> [String]? {
        feedNames(feeds: output.feeds, tags: output.tags, config: config)
    }

    public static func feedNames(feeds: [String], tags: [String], config: FeedwireConfig) -> [String]? {
        if feeds.isEmpty && tags.isEmpty { return nil }
        var names = Set(feeds)
        if !tags.isEmpty {
            let wanted = Set(tags)
            for feed in config.feeds where !wanted.isDisjoint(with: feed.tags) { names.insert(feed.name) }
        }
        return names.sorted()
    }

    private static func compile(_ patterns: [String], output: String) throws(SelectionError) -> [NSRegularExpression] {
        var out: [NSRegularExpression] = []
        for p in patterns {
            do {
                out.append(try NSRegularExpression(pattern: p, options: [.caseInsensitive]))
            } catch {
                throw SelectionError(output: output, pattern: p, reason: "\(error)")
            }
        }
        return out
    }

    /// Whether keyword filters apply (and the store must over-fetch).
    public var hasKeywordFilters: Bool { !include.isEmpty || !exclude.isEmpty }

    /// The oldest sort date kept at `now`, when `max_age` is set.
    public func notBefore(now: Timestamp) -> Timestamp? {
        output.maxAge.map { now - Int64($0.rounded(.down)) }
    }

    /// The store query for a first attempt (or a larger `limit`).
    public func query(now: Timestamp, limit: Int? = nil) -> StoryQuery {
        let max = Swift.max(0, output.maxItems)
        return StoryQuery(feeds: feeds, sort: output.sort,
                          limit: limit ?? (hasKeywordFilters ? max * 2 : max),
                          notBefore: notBefore(now: now))
    }

    /// The date an entry sorts by.
    public func sortDate(_ entry: StoryEntry) -> Timestamp {
        output.sort == .changed ? entry.item.lastChanged : entry.item.displayDate
    }

    /// Whether the entry passes the feed selection and the keyword filters (not the age or count).
    public func matches(_ entry: StoryEntry) -> Bool {
        if let feeds {
            let carried = entry.sources.isEmpty ? [entry.item.feed] : entry.sources.map(\.feed)
            guard carried.contains(where: { feeds.contains($0) }) else { return false }
        }
        guard hasKeywordFilters else { return true }
        let fields = LazyFields(item: entry.item)
        if !include.isEmpty, !include.contains(where: { fields.matches($0) }) { return false }
        if exclude.contains(where: { fields.matches($0) }) { return false }
        return true
    }

    /// Applies every rule to what the store returned: selection, keywords,
    /// `max_age`, one entry per story, newest first (ties by story id,
    /// newest first, so the order is total and the output deterministic),
    /// at most `max_items`.
    public func select(_ entries: [StoryEntry], now: Timestamp) -> [StoryEntry] {
        let bound = notBefore(now: now)
        var seen = Set<Int64>()
        var kept: [StoryEntry] = []
        kept.reserveCapacity(min(entries.count, output.maxItems))
        for e in entries {
            if let bound, sortDate(e) < bound { continue }
            guard matches(e), seen.insert(e.item.storyID).inserted else { continue }
            kept.append(e)
        }
        kept.sort { a, b in
            let da = sortDate(a), db = sortDate(b)
            return da != db ? da > db : a.item.storyID > b.item.storyID
        }
        if kept.count > output.maxItems { kept.removeLast(kept.count - Swift.max(0, output.maxItems)) }
        return kept
    }

    /// Queries the store and selects, over-fetching as described above.
    public func stories(from reader: any StoryReader, now: Timestamp) throws -> [StoryEntry] {
        if let feeds, feeds.isEmpty { return [] }
        guard output.maxItems > 0 else { return [] }
        var limit = query(now: now).limit
        while true {
            let fetched = try reader.stories(query(now: now, limit: limit))
            let selected = select(fetched, now: now)
            if selected.count >= output.maxItems || fetched.count < limit || limit >= StorySelector.maxFetch {
                return selected
            }
            limit = min(StorySelector.maxFetch, limit * 4)
        }
    }

    /// The time at which the oldest selected story falls out by `max_age`, so
    /// a publisher that skips unchanged stores still re-renders then.
    public func expiry(of selected: [StoryEntry]) -> Timestamp? {
        guard let maxAge = output.maxAge, let oldest = selected.map(sortDate).min() else { return nil }
        return oldest + Int64(maxAge.rounded(.down)) + 1
    }
}

/// The texts keyword patterns look at, converted once and only when needed.
private final class LazyFields {
    let item: ItemRecord
    private var cache: [String]?

    init(item: ItemRecord) { self.item = item }

    private var texts: [String] {
        if let cache { return cache }
        var t = [PlainText.title(of: item)]
        if let s = item.summary { t.append(LazyFields.capped(PlainText.text(s, type: item.summaryType))) }
        if let c = item.content { t.append(LazyFields.capped(PlainText.text(c, type: item.contentType))) }
        cache = t
        return t
    }

    func matches(_ regex: NSRegularExpression) -> Bool {
        texts.contains { text in
            regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    static func capped(_ s: String) -> String {
        guard s.utf8.count > StorySelector.maxMatchedBytes else { return s }
        // A sequence cut in half becomes U+FFFD, which matches nothing a pattern cares about.
        return String(decoding: s.utf8.prefix(StorySelector.maxMatchedBytes), as: UTF8.self)
    }
}

/// Which notifiers want an event: decided before the store writes the
/// event, so that its outbox rows (one per returned name) go into the same
/// transaction. Pure and cheap: patterns are compiled once per
/// configuration; a call is a few set lookups plus the regexes of the
/// notifiers that have any.
public struct NotificationRouter: Sendable {
    struct Rule: Sendable {
        var name: String
        var config: NotifierConfig
        var feeds: Set<String>
        var tags: Set<String>
        /// The notifier's valid include/exclude patterns (the same engine
        /// and rules as an output's filter).
        var filter: TextFilter
        /// Include patterns were given but none compiled: nothing passes
        /// (a filter the operator meant must not turn into a flood).
        var matchesNothing: Bool
    }

    /// A pattern that does not compile, with where it is.
    public struct InvalidPattern: Sendable, Equatable, CustomStringConvertible {
        public var notifier: String
        public var pattern: String
        public var line: Int
        public var description: String {
            "notifier \(notifier): include/exclude pattern \"\(pattern)\" is not a valid regular expression; it is ignored (fix it in feeds.conf\(line > 0 ? " line \(line)" : ""))"
        }
    }

    let rules: [Rule]
    let feedTags: [String: Set<String>]
    /// Patterns that did not compile. An invalid `include` matches nothing
    /// (a filter the operator meant must not turn into a flood); an invalid
    /// `exclude` excludes nothing. `feedwire check` reports them.
    public let invalidPatterns: [InvalidPattern]

    public init(config: FeedwireConfig) {
        self.init(notifiers: config.notifiers, feeds: config.feeds)
    }

    public init(notifiers: [NotifierConfig], feeds: [FeedConfig]) {
        var invalid: [InvalidPattern] = []
        func valid(_ sources: [String], _ n: NotifierConfig) -> [String] {
            sources.filter { source in
                guard TextFilter.problem(in: source) == nil else {
                    invalid.append(InvalidPattern(notifier: n.name, pattern: source, line: n.line))
                    return false
                }
                return true
            }
        }
        rules = notifiers.map { n in
            let include = valid(n.include, n), exclude = valid(n.exclude, n)
            // Every pattern left compiles, so this cannot throw.
            let filter = (try? TextFilter(include: include, exclude: exclude)) ?? TextFilter()
            return Rule(name: n.name, config: n, feeds: Set(n.feeds), tags: Set(n.tags.map { $0.lowercased() }),
                        filter: filter, matchesNothing: !n.include.isEmpty && include.isEmpty)
        }
        var tags: [String: Set<String>] = [:]
        for f in feeds { tags[f.name] = Set(f.tags.map { $0.lowercased() }) }
        feedTags = tags
        invalidPatterns = invalid
    }

    /// The notifier names (in configuration order) that want an event of
    /// `kind` from `feed`, whose story has this plain `title` and `text`.
    /// Keyword patterns apply to stories; health events are routed by kind
    /// and feed only.
    public func targets(kind: EventKind, feed: String, title: String, text: String) -> [String] {
        var out: [String] = []
        for rule in rules where rule.config.wants(kind) && selects(rule, feed: feed) {
            if !kind.isHealth, rule.matchesNothing || !rule.filter.matches([title, text]) { continue }
            out.append(rule.name)
        }
        return out
    }

    /// The same for an event and its story; HTML is converted to text first.
    public func targets(for event: ChangeEvent, entry: StoryEntry?) -> [String] {
        guard let item = entry?.item else {
            return targets(kind: event.kind, feed: event.feed, title: event.previousTitle ?? "", text: event.message ?? "")
        }
        let title = StoryMessage.plainTitle(item.title, item.titleType)
        let needsText = rules.contains { !$0.filter.isEmpty }
        var text = ""
        if needsText, let body = item.summary ?? item.content {
            let type = item.summary != nil ? item.summaryType : item.contentType
            text = type == .html ? HTMLText.plainText(body, maxCharacters: 20_000) : String(body.prefix(20_000))
        }
        return targets(kind: event.kind, feed: event.feed, title: title, text: text)
    }

    func selects(_ rule: Rule, feed: String) -> Bool {
        if rule.feeds.isEmpty && rule.tags.isEmpty { return true }
        if rule.feeds.contains(feed) { return true }
        if let tags = feedTags[feed], !tags.isDisjoint(with: rule.tags) { return true }
        return false
    }
}

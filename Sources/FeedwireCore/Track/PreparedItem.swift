/// One document item with the keys identity and dedupe need, computed once
/// (pure). The store looks stored items up by these keys before reconcile.
public struct PreparedItem: Sendable, Equatable {
    /// Position in the document (0 = first).
    public var position: Int
    /// The item with fields cut to the stored limits and `link` canonical.
    public var item: ParsedItem
    /// GUID text, trimmed (nil when absent or blank), cut for storage.
    public var guid: String?
    /// Key of the whole trimmed GUID.
    public var guidKey: Int64?
    /// Canonical link (`URLCanonicalizer`), cut for storage.
    public var link: String?
    public var linkKey: Int64?
    /// True when the link names a page below a site root, so it can identify
    /// an item (a home page shared by many items cannot).
    public var linkIsStory: Bool
    /// Key of the canonical GUID when it is an `http(s)` story URL different
    /// from the link (RSS permalink GUIDs, JSON Feed URL ids): a second story key.
    public var urlGuidKey: Int64?
    /// Normalised visible title (`TextNormalizer`).
    public var title: String
    /// Key of the lower-cased normalised title.
    public var titleKey: Int64
    /// Key of the raw title/summary/content as served: equal raw keys mean
    /// equal text, so the (costlier) normalisation can be skipped.
    public var rawFP: Int64
    /// Source publication date, else update date (not yet clamped).
    public var date: Timestamp?

    /// The keys that can name this item's story in other feeds.
    public var storyKeys: [Int64] {
        var keys: [Int64] = []
        if linkIsStory, let linkKey { keys.append(linkKey) }
        if let urlGuidKey, !keys.contains(urlGuidKey) { keys.append(urlGuidKey) }
        return keys
    }

    /// Prepares the items of a document.
    public static func prepare(_ feed: ParsedFeed, limits: FieldLimits = FieldLimits()) -> [PreparedItem] {
        feed.items.enumerated().map { prepare($0.element, position: $0.offset, limits: limits) }
    }

    public static func prepare(_ source: ParsedItem, position: Int, limits: FieldLimits = FieldLimits()) -> PreparedItem {
        var item = source
        item.title = FieldLimits.cutOptional(source.title, to: limits.title)
        item.summary = FieldLimits.cutOptional(source.summary, to: limits.summary)
        item.content = FieldLimits.cutOptional(source.content, to: limits.content)

        var guid: String?
        var guidKey: Int64?
        var urlGuidKey: Int64?
        if let raw = source.id {
            let trimmed = trim(raw)
            if !trimmed.isEmpty {
                guid = FieldLimits.cut(trimmed, to: limits.guid)
                guidKey = Fingerprint.of(trimmed)
                if URLCanonicalizer.isWebURL(trimmed) {
                    let canonical = URLCanonicalizer.canonical(trimmed)
                    if URLCanonicalizer.isStoryURL(canonical) { urlGuidKey = Fingerprint.url(canonical) }
                }
            }
        }
        var link: String?
        var linkKey: Int64?
        var linkIsStory = false
        if let raw = source.link {
            let canonical = URLCanonicalizer.canonical(raw)
            if !canonical.isEmpty {
                link = FieldLimits.cut(canonical, to: limits.url)
                linkKey = Fingerprint.url(canonical)
                linkIsStory = URLCanonicalizer.isWebURL(canonical) ? URLCanonicalizer.isStoryURL(canonical) : true
            }
        }
        if urlGuidKey == linkKey { urlGuidKey = nil }
        item.link = link
        item.image = FieldLimits.cutOptional(source.image, to: limits.url)
        item.comments = FieldLimits.cutOptional(source.comments, to: limits.url)
        item.sourceURL = FieldLimits.cutOptional(source.sourceURL, to: limits.url)
        item.enclosures = source.enclosures.map { e in
            var e = e
            e.url = FieldLimits.cut(e.url, to: limits.url)
            return e
        }

        let title = TextNormalizer.normalize(item.title, type: item.titleType)
        return PreparedItem(
            position: position, item: item, guid: guid, guidKey: guidKey, link: link, linkKey: linkKey,
            linkIsStory: linkIsStory, urlGuidKey: urlGuidKey, title: title, titleKey: Fingerprint.of(PreparedItem.lowercased(title)),
            rawFP: Fingerprint.of([item.title ?? "", item.summary ?? "", item.content ?? ""]),
            date: source.published ?? source.updated)
    }

    /// `lowercased()` with a fast path for ASCII (most titles, and the
    /// generic path walks Unicode tables per character).
    static func lowercased(_ s: String) -> String {
        guard s.utf8.allSatisfy({ $0 < 0x80 }) else { return s.lowercased() }
        return String(decoding: s.utf8.map { URLCanonicalizer.lower($0) }, as: UTF8.self)
    }

    static func trim(_ s: String) -> String {
        // Fast path: most GUIDs have no surrounding whitespace.
        if let first = s.utf8.first, let last = s.utf8.last, first > 0x20, first < 0x80, last > 0x20, last < 0x80 { return s }
        var scalars = Substring(s).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

/// The normalised visible text of an item and its fingerprints: equal
/// `textFP` means a reader sees the same title, summary and content.
public struct ItemText: Sendable, Equatable {
    public var title: String
    public var summary: String
    public var content: String
    public var titleFP: Int64
    public var summaryFP: Int64
    public var contentFP: Int64
    /// All three together.
    public var textFP: Int64
    /// Key of (lower-cased title, body) — what one source of a story showed,
    /// compared across the sources of a story (newsroom.py: `title.casefold()`
    /// and the summary text).
    public var storyTextKey: Int64

    /// The body a reader sees: the content when there is one, else the summary.
    public var body: String { content.isEmpty ? summary : content }

    public init(title: String?, titleType: TextType?, summary: String?, summaryType: TextType?,
                content: String?, contentType: TextType?) {
        self.title = TextNormalizer.normalize(title, type: titleType)
        self.summary = TextNormalizer.normalize(summary, type: summaryType ?? .html)
        self.content = TextNormalizer.normalize(content, type: contentType ?? .html)
        titleFP = Fingerprint.of(self.title)
        summaryFP = Fingerprint.of(self.summary)
        contentFP = Fingerprint.of(self.content)
        textFP = Fingerprint.combine([titleFP, summaryFP, contentFP])
        storyTextKey = Fingerprint.of([PreparedItem.lowercased(self.title), self.content.isEmpty ? self.summary : self.content])
    }

    public init(_ item: ParsedItem) {
        self.init(title: item.title, titleType: item.titleType, summary: item.summary, summaryType: item.summaryType,
                  content: item.content, contentType: item.contentType)
    }

    public init(_ record: ItemRecord) {
        self.init(title: record.title, titleType: record.titleType, summary: record.summary, summaryType: record.summaryType,
                  content: record.content, contentType: record.contentType)
    }

    /// Fields whose fingerprints differ from `old`'s.
    public func changedFields(from old: ItemText) -> [ItemField] {
        var fields: [ItemField] = []
        if titleFP != old.titleFP { fields.append(.title) }
        if summaryFP != old.summaryFP { fields.append(.summary) }
        if contentFP != old.contentFP { fields.append(.content) }
        return fields
    }
}

/// The syndication formats Feedwire reads, named as in the parse contract
/// (`../shared/contracts/parse-json.md`).
public enum FeedFormat: String, Sendable, CaseIterable {
    case rss090, rss091, rss092, rss093, rss094, rss10, rss20, atom03, atom10, json10, json11
}

/// Whether a text value is plain text or markup (parse contract: `*Type`).
public enum TextType: String, Sendable {
    case text, html
}

/// An author or contributor (RSS `author`/`dc:creator`, Atom person
/// constructs, JSON Feed `authors`).
public struct Person: Sendable, Hashable {
    public var name: String?
    public var email: String?
    public var uri: String?

    public init(name: String? = nil, email: String? = nil, uri: String? = nil) {
        self.name = name
        self.email = email
        self.uri = uri
    }
}

/// A media attachment: RSS `enclosure`, Atom `link rel="enclosure"`, JSON
/// Feed `attachments`, Media RSS `media:content`.
public struct Enclosure: Sendable, Hashable {
    public var url: String
    public var type: String?
    /// Bytes, when the feed states it.
    public var length: Int64?

    public init(url: String, type: String? = nil, length: Int64? = nil) {
        self.url = url
        self.type = type
        self.length = length
    }
}

/// One entry of a feed as the document states it, in the common model all
/// format readers translate into. Absent values are nil, never "".
public struct ParsedItem: Sendable, Equatable {
    /// RSS `guid`, Atom `id`, RSS 1.0 `rdf:about`, JSON Feed `id`.
    public var id: String?
    /// RSS `guid isPermaLink`: nil when the attribute is absent (RSS 2.0 says
    /// the default is true), false for `isPermaLink="false"`.
    public var idIsPermaLink: Bool?
    public var title: String?
    public var titleType: TextType?
    public var link: String?
    public var summary: String?
    public var summaryType: TextType?
    public var content: String?
    public var contentType: TextType?
    public var published: Timestamp?
    public var updated: Timestamp?
    public var authors: [Person] = []
    public var categories: [String] = []
    public var enclosures: [Enclosure] = []
    /// Media RSS `media:thumbnail`, JSON Feed `image`.
    public var image: String?
    /// RSS `comments`.
    public var comments: String?
    /// RSS `source url` / Atom `source`: where a republished item came from.
    public var sourceURL: String?

    public init() {}
}

/// Hints a document gives about when to poll it again.
public struct PollHints: Sendable, Equatable {
    /// RSS 2.0 `ttl`, in minutes.
    public var ttlMinutes: Int?
    /// RSS `skipHours` (0–23, GMT).
    public var skipHours: Set<Int> = []
    /// RSS `skipDays`, 0 = Sunday … 6 = Saturday.
    public var skipDays: Set<Int> = []
    /// Syndication module `sy:updatePeriod` (`hourly`, `daily`, `weekly`, `monthly`, `yearly`).
    public var updatePeriod: String?
    /// Syndication module `sy:updateFrequency` (times per period, default 1).
    public var updateFrequency: Int?

    public init() {}

    /// The interval the syndication module asks for, in seconds.
    public var syndicationInterval: Double? {
        guard let period = updatePeriod else { return nil }
        let base: Double
        switch period.lowercased() {
        case "hourly": base = 3_600
        case "daily": base = 86_400
        case "weekly": base = 604_800
        case "monthly": base = 2_592_000
        case "yearly": base = 31_536_000
        default: return nil
        }
        return base / Double(max(1, updateFrequency ?? 1))
    }
}

/// A whole feed document after parsing. Field names follow the parse contract.
public struct ParsedFeed: Sendable, Equatable {
    public var format: FeedFormat
    /// False when any XML, encoding, DTD or entity error was reported.
    public var wellFormed: Bool = true
    public var errors: [String] = []
    /// The charset actually used to decode, lowercase.
    public var encoding: String = "utf-8"
    public var title: String?
    public var titleType: TextType?
    public var subtitle: String?
    public var link: String?
    public var id: String?
    public var language: String?
    public var rights: String?
    public var generator: String?
    public var icon: String?
    public var image: String?
    public var updated: Timestamp?
    public var published: Timestamp?
    public var authors: [Person] = []
    public var categories: [String] = []
    public var items: [ParsedItem] = []
    public var pollHints = PollHints()

    public init(format: FeedFormat) { self.format = format }
}

@testable import FeedwireCore
import FeedwireTestSupport

/// An item as a feed reader would have parsed it.
func item(guid: String? = nil, link: String? = nil, title: String? = nil, summary: String? = nil, content: String? = nil,
          published: Timestamp? = nil, updated: Timestamp? = nil) -> ParsedItem {
    var i = ParsedItem()
    i.id = guid
    i.link = link
    i.title = title
    i.titleType = title == nil ? nil : .text
    i.summary = summary
    i.summaryType = summary == nil ? nil : .html
    i.content = content
    i.contentType = content == nil ? nil : .html
    i.published = published
    i.updated = updated
    return i
}

let epoch = Timestamp(seconds: 1_764_072_000)  // 2025-11-25T12:00:00Z

func at(minutes: Int64) -> Timestamp { epoch + minutes * 60 }

/// A story as newsroom.py writes them: title, an HTML summary with a link.
func story(_ n: Int, site: String = "https://a.example.com", title: String? = nil, extra: String = "",
           published: Timestamp? = nil, guid: String? = nil) -> ParsedItem {
    let link = "\(site)/story/\(n)"
    return item(guid: guid ?? link, link: link, title: title ?? "Headline number \(n) about the council vote",
                summary: "<p>Paragraph one of story \(n) with several distinct words in it. Second sentence number \(n).</p>"
                    + "<p>Third sentence for \(n). <a href=\"\(link)\">Read more</a></p>\(extra)",
                published: published ?? at(minutes: -Int64(n) * 10))
}

/// A state database in a temporary directory with feeds `a` and `b`, and a clock.
final class TrackHarness {
    let dir = TemporaryDirectory(prefix: "fw-track")
    let store: SQLiteStore
    var now = epoch
    var policy = TrackPolicy()

    init(feeds: [String] = ["a", "b"]) throws {
        store = try SQLiteStore(path: dir.file("state.db"))
        for feed in feeds { try store.ensureFeed(named: feed, url: "https://\(feed).example.com/feed", now: now) }
    }

    var path: String { dir.file("state.db") }

    /// Reconciles a document for `feed` one step (`advance` seconds) later.
    @discardableResult
    func fetch(_ feed: String = "a", _ items: [ParsedItem], advance: Int64 = 60, targets: [String] = [],
               hash: Int64? = nil) throws -> RefreshOutcome {
        now = now + advance
        var document = ParsedFeed(format: .rss20)
        document.items = items
        return try store.refresh(RefreshRequest(feed: feed, document: document, documentHash: hash, now: now, policy: policy)) { _ in
            targets
        }
    }

    /// The stored item first seen with `link` (canonical), in feed `feed`.
    func item(_ link: String?, feed: String = "a") throws -> ItemRecord? {
        try store.feedItems(feed, includeTombstones: true).first { $0.link == link } ?? store.items(matching: link ?? "").first
    }

    func items(_ feed: String = "a", tombstones: Bool = false) throws -> [ItemRecord] {
        try store.feedItems(feed, includeTombstones: tombstones)
    }
}

extension RefreshOutcome {
    var kinds: [EventKind] { events.map(\.kind) }
    func count(_ kind: EventKind) -> Int { events.filter { $0.kind == kind }.count }
}

import FeedwireCore

/// A realistic newsroom afternoon as the store would hand it to outputs:
/// several sources, a story carried by three feeds, edited stories, an HTML
/// title, Cyrillic and Arabic text, enclosures and authors. Used by the
/// publisher tests and by `make preview`. The stories are invented.
public enum SampleStories {
    /// The moment the sample is set at: 2025-11-25 14:05 UTC.
    public static let now = Timestamp(year: 2025, month: 11, day: 25, hour: 14, minute: 5)

    public static let kyiv = StorySource(feed: "kyiv-independent", feedTitle: "The Kyiv Independent",
                                         feedURL: "https://kyivindependent.com/news-archive/rss/",
                                         feedLink: "https://kyivindependent.com/")
    public static let pravda = StorySource(feed: "pravda-ua", feedTitle: "Українська правда",
                                           feedURL: "https://www.pravda.com.ua/rss/", feedLink: "https://www.pravda.com.ua/")
    public static let wire = StorySource(feed: "wire-europe", feedTitle: "Wire Service — Europe",
                                         feedURL: "https://wire.example.org/europe/rss.xml", feedLink: "https://wire.example.org/europe/")
    public static let euro = StorySource(feed: "euro-daily", feedTitle: "Euro Daily",
                                         feedURL: "https://eurodaily.example.com/feed.atom", feedLink: "https://eurodaily.example.com/")
    public static let arabic = StorySource(feed: "gulf-desk", feedTitle: "الأخبار العالمية",
                                           feedURL: "https://gulf.example.net/world.json", feedLink: "https://gulf.example.net/")

    /// Feed definitions matching the sources (tags: ukraine, europe, world).
    public static var feeds: [FeedConfig] {
        func feed(_ s: StorySource, _ tags: [String]) -> FeedConfig {
            var f = FeedConfig(name: s.feed, url: s.feedURL)
            f.tags = tags
            return f
        }
        return [feed(kyiv, ["ukraine"]), feed(pravda, ["ukraine"]), feed(wire, ["europe", "world"]),
                feed(euro, ["europe"]), feed(arabic, ["world"])]
    }

    static func at(_ h: Int, _ m: Int, day: Int = 25) -> Timestamp { Timestamp(year: 2025, month: 11, day: day, hour: h, minute: m) }

    static func source(_ s: StorySource, _ path: String) -> StorySource {
        var s = s
        s.itemLink = (s.feedLink ?? "https://example.org/") + path
        return s
    }

    public static var stories: [StoryEntry] {
        var list: [StoryEntry] = []
        func add(_ id: Int64, _ src: [StorySource], title: String, titleType: TextType = .text, summary: String?,
                 published: Timestamp, seen: Timestamp? = nil, changed: Timestamp? = nil, revision: Int = 1,
                 authors: [Person] = [], categories: [String] = [], enclosures: [Enclosure] = [], content: String? = nil) {
            let item = ItemRecord(
                id: id, storyID: id, feed: src[0].feed, guid: "\(src[0].feed)-\(id)", link: src[0].itemLink,
                title: title, titleType: titleType, summary: summary, summaryType: .html,
                content: content, contentType: .html, published: published,
                firstSeen: seen ?? published, lastChanged: changed, revision: revision,
                authors: authors, categories: categories, enclosures: enclosures)
            list.append(StoryEntry(item: item, sources: src))
        }
        add(112, [source(kyiv, "news/air-defense-kyiv-overnight/"), source(wire, "2025/11/25/ukraine-kyiv-drones"),
                  source(pravda, "news/2025/11/25/7501234/")],
            title: "Air defence downs 41 of 48 drones over Kyiv region overnight, officials say",
            summary: "<p>Debris damaged a residential building in the Obolon district; two people were injured, the city military administration said.</p>",
            published: at(13, 58), changed: at(14, 4), revision: 2,
            authors: [Person(name: "Olena Kovalenko")], categories: ["Ukraine", "War"])
        add(111, [source(euro, "politics/eu-summit-sanctions-package")],
            title: "EU leaders agree 20th sanctions package after overnight talks",
            summary: "<p>The package targets shadow-fleet tankers and <b>third-country</b> suppliers of drone parts.</p>",
            published: at(13, 41), categories: ["EU", "Sanctions"])
        add(110, [source(pravda, "news/2025/11/25/7501201/")],
            title: "Зеленський: енергетики відновили живлення для 300 тисяч споживачів",
            summary: "<p>Найскладніша ситуація залишається на Харківщині та Дніпропетровщині.</p>",
            published: at(13, 20))
        add(109, [source(wire, "2025/11/25/poland-border-crossing")],
            title: "Poland reopens <em>Dorohusk</em> border crossing to trucks", titleType: .html,
            summary: "<p>Queues on the Ukrainian side had reached 30 km.</p>",
            published: at(12, 55), changed: at(13, 30), revision: 3,
            enclosures: [Enclosure(url: "https://wire.example.org/media/dorohusk.jpg", type: "image/jpeg", length: 248_112)])
        add(108, [source(arabic, "world/2025/11/25/ukraine-talks")],
            title: "محادثات جديدة بشأن تبادل الأسرى بين أوكرانيا وروسيا",
            summary: "<p>قال مسؤولون إن الجولة المقبلة قد تعقد الأسبوع المقبل.</p>",
            published: at(12, 31))
        add(107, [source(kyiv, "news/grain-corridor-odesa-ports/"), source(euro, "economy/odesa-grain-exports")],
            title: "Odesa ports handled record grain volumes in November despite strikes",
            summary: "<p>More than 6 million tonnes were shipped through the corridor, the infrastructure ministry said.</p>",
            published: at(11, 47))
        add(106, [source(euro, "politics/moldova-gas-deal")],
            title: "Moldova signs winter gas supply deal with Romanian operator",
            summary: nil, published: at(10, 15),
            content: "<p>The agreement covers 400 million cubic metres through March.</p><p>Officials said prices would be reviewed monthly.</p>")
        add(105, [source(kyiv, "news/kharkiv-metro-school/")],
            title: "Kharkiv opens third underground school in metro station",
            summary: "<p>About 1,000 pupils will study in shifts.</p>",
            published: at(9, 2), changed: at(11, 10), revision: 2, authors: [Person(name: "Dmytro Shevchenko")])
        add(104, [source(wire, "2025/11/24/baltic-cable-investigation")],
            title: "Finnish investigators board vessel suspected of damaging Baltic data cable",
            summary: "<p>The ship's anchor had been missing when it reached port, police said.</p>",
            published: at(22, 40, day: 24))
        add(103, [source(pravda, "eng/news/2025/11/24/7501100/")],
            title: "Ukraine's parliament passes 2026 budget with record defence spending",
            summary: "<p>Defence and security account for 27.2% of GDP.</p>",
            published: at(18, 5, day: 24))
        return list
    }

    /// Events for the change log and the changes feed, oldest first.
    public static var events: [EventWithItem] {
        let byID = Dictionary(uniqueKeysWithValues: stories.map { ($0.item.storyID, $0) })
        func ev(_ id: Int64, _ kind: EventKind, _ story: Int64?, at: Timestamp, revision: Int? = nil,
                fields: [ItemField] = [], previousTitle: String? = nil, titleDiff: TextDiff? = nil,
                textDiff: TextDiff? = nil, feed: String? = nil, message: String? = nil) -> EventWithItem {
            let entry = story.flatMap { byID[$0] }
            let event = ChangeEvent(id: id, kind: kind, at: at, feed: feed ?? entry?.item.feed ?? "wire-europe",
                                    itemID: story, storyID: story, revision: revision, changedFields: fields,
                                    previousTitle: previousTitle, titleDiff: titleDiff, textDiff: textDiff, message: message)
            return EventWithItem(event: event, entry: entry)
        }
        return [
            ev(1, .new, 105, at: at(9, 3), revision: 1),
            ev(2, .new, 106, at: at(10, 16), revision: 1),
            ev(3, .updated, 105, at: at(11, 10), revision: 2, fields: [.summary],
               textDiff: TextDiff(ops: [.same("About"), .removed("800"), .added("1,000"), .same("pupils will study in shifts.")])),
            ev(4, .new, 107, at: at(11, 48), revision: 1),
            ev(5, .new, 109, at: at(12, 56), revision: 1),
            ev(6, .updated, 109, at: at(13, 30), revision: 3, fields: [.title],
               previousTitle: "Poland to reopen Dorohusk crossing",
               titleDiff: TextDiff(ops: [.same("Poland"), .removed("to reopen"), .added("reopens"), .same("Dorohusk"),
                                         .removed("crossing"), .added("border crossing to trucks")])),
            ev(7, .feedMoved, nil, at: at(13, 45), feed: "euro-daily",
               message: "moved permanently to https://eurodaily.example.com/feed.atom; update feeds.conf"),
            ev(8, .new, 112, at: at(13, 59), revision: 1),
            ev(9, .updated, 112, at: at(14, 4), revision: 2, fields: [.title, .summary],
               previousTitle: "Air defence downs drones over Kyiv region overnight",
               titleDiff: TextDiff(ops: [.same("Air defence downs"), .added("41 of 48"), .same("drones over Kyiv region overnight"), .added(", officials say")]),
               textDiff: TextDiff(ops: [.same("Debris damaged a residential building in the Obolon district;"), .removed("one person was"), .added("two people were"), .same("injured")])),
        ]
    }
}

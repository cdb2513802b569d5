import FeedwireXML

/// Element and attribute names of RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and the
/// extension modules Feedwire reads. The case names are the XML local
/// names; raw values index `FeedVocabulary.xml.names`.
enum Name: Int32, CaseIterable {
    // RSS core
    case rss, channel, item, title, link, description, language, copyright, managingEditor, webMaster
    case pubDate, lastBuildDate, category, generator, ttl, image, url, textInput, textinput
    case skipHours, hour, skipDays, day, author, comments, enclosure, guid, source, items
    // RDF
    case RDF, about, resource
    // Dublin Core, DC terms, content, syndication
    case encoded, creator, date, subject, rights, modified, created, issued, updatePeriod, updateFrequency
    // Media RSS
    case content, thumbnail, group, fileSize, medium
    // Atom
    case feed, entry, subtitle, tagline, id, updated, published, icon, logo, name, email, uri
    case contributor, summary, info, div
    // attributes
    case href, rel, type, length, term, version, isPermaLink, base, lang, mode, src
}

/// Namespace ids (see `XMLVocabulary`).
enum NS {
    static let none: Int32 = 0
    static let atom: Int32 = 1
    static let atom03: Int32 = 2
    static let rss10: Int32 = 3
    static let rss090: Int32 = 4
    static let rdf: Int32 = 5
    static let content: Int32 = 6
    static let dc: Int32 = 7
    static let dcterms: Int32 = 8
    static let sy: Int32 = 9
    static let media: Int32 = 10
    static let xhtml: Int32 = 11
    static let xml: Int32 = 12
    /// `http://backend.userland.com/rss2`, which some RSS 2.0 feeds declare as their default namespace.
    static let userland: Int32 = 13
}

enum FeedVocabulary {
    static let namespaceURIs: [(uri: String, id: Int32)] = [
        ("http://www.w3.org/2005/Atom", NS.atom),
        ("http://purl.org/atom/ns#", NS.atom03),
        ("http://purl.org/rss/1.0/", NS.rss10),
        ("http://my.netscape.com/rdf/simple/0.9/", NS.rss090),
        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", NS.rdf),
        ("http://purl.org/rss/1.0/modules/content/", NS.content),
        ("http://purl.org/dc/elements/1.1/", NS.dc),
        ("http://purl.org/dc/terms/", NS.dcterms),
        ("http://purl.org/rss/1.0/modules/syndication/", NS.sy),
        ("http://search.yahoo.com/mrss/", NS.media),
        ("http://www.w3.org/1999/xhtml", NS.xhtml),
        ("http://www.w3.org/XML/1998/namespace", NS.xml),
        ("http://backend.userland.com/rss2", NS.userland),
    ]

    /// Spelling variants seen in feeds: other case, a missing or extra
    /// trailing slash or `#`.
    static let normalizedURIs: [String: Int32] = {
        var map: [String: Int32] = [:]
        for (uri, id) in namespaceURIs { map[normalize(uri)] = id }
        map[normalize("http://backend.userland.com/rss")] = NS.userland
        map[normalize("http://purl.org/rss/2.0/")] = NS.userland
        return map
    }()

    static func normalize(_ uri: String) -> String {
        var s = uri.trimmingFeedWhitespace().lowercased()
        if s.hasPrefix("https://") { s.removeFirst(5); s = "http" + s }
        while s.hasSuffix("/") || s.hasSuffix("#") { s.removeLast() }
        return s
    }

    /// `Name`'s cases as strings, in order (spelled out: deriving them
    /// with `String(describing:)` costs ~1.5 M instructions of runtime
    /// reflection at start-up; a test checks the two agree).
    static let names: [String] = [
        "rss", "channel", "item", "title", "link", "description", "language", "copyright", "managingEditor", "webMaster",
        "pubDate", "lastBuildDate", "category", "generator", "ttl", "image", "url", "textInput", "textinput",
        "skipHours", "hour", "skipDays", "day", "author", "comments", "enclosure", "guid", "source", "items",
        "RDF", "about", "resource",
        "encoded", "creator", "date", "subject", "rights", "modified", "created", "issued", "updatePeriod", "updateFrequency",
        "content", "thumbnail", "group", "fileSize", "medium",
        "feed", "entry", "subtitle", "tagline", "id", "updated", "published", "icon", "logo", "name", "email", "uri",
        "contributor", "summary", "info", "div",
        "href", "rel", "type", "length", "term", "version", "isPermaLink", "base", "lang", "mode", "src",
    ]

    static let xml = XMLVocabulary(
        names: names,
        namespaces: namespaceURIs,
        namespaceFallback: { normalizedURIs[normalize($0)] ?? XMLVocabulary.unknown })
}

extension XMLStartTag {
    @inline(__always) func isName(_ n: Name) -> Bool { name == n.rawValue }

    @inline(__always) func attribute(_ n: Name, namespace: Int32 = NS.none) -> String? {
        attributeCount == 0 ? nil : attribute(n.rawValue, namespace: namespace)
    }
}

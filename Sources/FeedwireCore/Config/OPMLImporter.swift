/// One `<outline>` of an OPML document (http://opml.org/spec2.opml §
/// "<outline>"), with its attributes as written and its children.
public struct OPMLOutline: Sendable, Equatable {
    public var attributes: [String: String]
    public var children: [OPMLOutline]
    /// Line in the OPML file, for messages.
    public var line: Int

    public init(_ attributes: [String: String], children: [OPMLOutline] = [], line: Int = 0) {
        self.attributes = attributes
        self.children = children
        self.line = line
    }

    /// An attribute by name, ignoring case (`xmlUrl`, `xmlurl` and `XMLURL`
    /// all occur in the wild); empty or blank values count as absent.
    public func attribute(_ name: String) -> String? {
        let lower = name.lowercased()
        for (k, v) in attributes where k.lowercased() == lower {
            let trimmed = v.trimmedWhitespace()
            return trimmed.isEmpty ? nil : trimmed
        }
        return nil
    }
}

/// A subscription found in an OPML file: its URL, label and folder path.
public struct OPMLSubscription: Sendable, Equatable {
    public var url: String
    public var title: String?
    /// Folder names, outermost first, made into tags (`[a-z0-9-]+`).
    public var tags: [String]
    public var line: Int
    /// How many times the URL was listed (a reader may file one feed in several folders).
    public var occurrences: Int = 1
}

/// What `import-opml` will do: the feeds it adds, what it skips and why,
/// and the TOML text it appends.
public struct OPMLImportPlan: Sendable, Equatable {
    public struct Skip: Sendable, Equatable, CustomStringConvertible {
        public var label: String
        public var url: String
        public var reason: String
        public var description: String { "skipped \"\(label)\" (\(url)): \(reason)" }
    }

    public var added: [FeedConfig] = []
    public var skipped: [Skip] = []
    /// Notes that are not skips (a URL listed in several folders).
    public var notes: [String] = []
    /// The `[[feed]]` entries to append, with a comment naming the source; empty when nothing is added.
    public var text: String = ""
}

/// Turns an OPML outline tree into `[[feed]]` entries for feeds.conf.
///
/// - A subscription is an outline with `xmlUrl` (any case), or with `url`
///   when its `type` is rss/atom (older exports); any other outline with
///   children is a folder. Folders nest: each level becomes a tag.
/// - Names come from the label (`text`, else `title`), else from the host,
///   as `[a-z0-9-]+`, made unique with `-2`, `-3` among the new feeds.
/// - A URL listed twice in the file is imported once with the tags of
///   every folder. A URL already in feeds.conf, or a name a configured feed
///   already has, is skipped and reported: the existing entry wins.
public enum OPMLImporter {
    public static func subscriptions(in outlines: [OPMLOutline]) -> (subscriptions: [OPMLSubscription], skipped: [OPMLImportPlan.Skip]) {
        var found: [OPMLSubscription] = []
        var skipped: [OPMLImportPlan.Skip] = []
        var indexByIdentity: [String: Int] = [:]

        func visit(_ outline: OPMLOutline, folders: [String]) {
            let label = outline.attribute("text") ?? outline.attribute("title")
            let type = outline.attribute("type")?.lowercased()
            var url = outline.attribute("xmlUrl")
            if url == nil, let t = type, ["rss", "atom", "feed", "rdf"].contains(t) { url = outline.attribute("url") }
            if let url {
                if let identity = ConfigURL.parse(url)?.identity {
                    if let i = indexByIdentity[identity] {
                        found[i].occurrences += 1
                        for tag in folders where !found[i].tags.contains(tag) { found[i].tags.append(tag) }
                    } else {
                        indexByIdentity[identity] = found.count
                        found.append(OPMLSubscription(url: url, title: label, tags: folders, line: outline.line))
                    }
                } else {
                    skipped.append(.init(label: label ?? url, url: url, reason: "not an http(s) URL"))
                }
                // A subscription with children (rare) still lets them be read, in the same folders.
                for child in outline.children { visit(child, folders: folders) }
                return
            }
            guard !outline.children.isEmpty else { return }  // a link, a separator, an empty folder
            var path = folders
            if let label {
                let tag = ConfigUnits.slug(label)
                if !tag.isEmpty && !path.contains(tag) { path.append(tag) }
            }
            for child in outline.children { visit(child, folders: path) }
        }

        for outline in outlines { visit(outline, folders: []) }
        return (found, skipped)
    }

    /// Decides what to add to `existing`. `source` names the OPML file and
    /// `date` the day, for the comment above the appended entries.
    public static func plan(_ outlines: [OPMLOutline], existing: FeedwireConfig, source: String, date: Timestamp) -> OPMLImportPlan {
        let (subscriptions, invalid) = subscriptions(in: outlines)
        var plan = OPMLImportPlan()
        plan.skipped = invalid
        var existingByIdentity: [String: FeedConfig] = [:]
        for feed in existing.feeds {
            if let id = ConfigURL.parse(feed.url)?.identity { existingByIdentity[id] = feed }
        }
        var taken = Set(existing.feeds.map(\.name))
        let existingByName = Dictionary(existing.feeds.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for s in subscriptions {
            let label = s.title ?? s.url
            if let id = ConfigURL.parse(s.url)?.identity, let feed = existingByIdentity[id] {
                plan.skipped.append(.init(label: label, url: s.url, reason: "already configured as [[feed]] \"\(feed.name)\" (line \(feed.line))"))
                continue
            }
            let base = baseName(s)
            if let feed = existingByName[base] {
                plan.skipped.append(.init(label: label, url: s.url,
                                          reason: "a [[feed]] named \"\(base)\" already exists (line \(feed.line)) with another url; if this is a different feed, add it by hand under another name"))
                continue
            }
            var name = base
            var n = 2
            while taken.contains(name) {
                let suffix = "-\(n)"
                name = String(base.prefix(ConfigUnits.maxNameLength - suffix.count)) + suffix
                n += 1
            }
            taken.insert(name)
            var feed = FeedConfig(name: name, url: s.url)
            feed.title = s.title
            feed.tags = s.tags
            plan.added.append(feed)
            if s.occurrences > 1 {
                plan.notes.append("\"\(label)\" is listed \(s.occurrences) times; imported once as \"\(name)\" with the tags of each folder")
            }
        }
        if !plan.added.isEmpty {
            let (y, m, d, _, _, _, _) = date.components
            let day = "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
            var text = "\n# Imported by `feedwire import-opml` from \(oneLine(source)) on \(day): \(plan.added.count) feed\(plan.added.count == 1 ? "" : "s").\n"
            for feed in plan.added { text += "\n" + entry(feed) }
            plan.text = text
        }
        return plan
    }

    /// The name a subscription asks for: its label as a slug, else its host.
    static func baseName(_ s: OPMLSubscription) -> String {
        if let title = s.title {
            let slug = ConfigUnits.slug(title)
            if !slug.isEmpty { return slug }
        }
        var host = ConfigURL.parse(s.url)?.host.lowercased() ?? "feed"
        for prefix in ["www.", "feeds.", "feed.", "rss."] where host.hasPrefix(prefix) {
            host = String(host.dropFirst(prefix.count))
            break
        }
        let slug = ConfigUnits.slug(host)
        return slug.isEmpty ? "feed" : slug
    }

    /// One `[[feed]]` table in the style of the sample.
    public static func entry(_ feed: FeedConfig) -> String {
        var s = "[[feed]]\nname = \(quote(feed.name))\nurl = \(quote(feed.url))\n"
        if let title = feed.title { s += "title = \(quote(title))\n" }
        if !feed.tags.isEmpty { s += "tags = [\(feed.tags.map(quote).joined(separator: ", "))]\n" }
        return s
    }

    /// A TOML basic string (https://toml.io/en/v1.0.0#string).
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func oneLine(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }

    /// The original file, byte for byte, then the new entries (after a
    /// newline if the file does not end with one).
    public static func appending(_ text: String, to original: [UInt8]) -> [UInt8] {
        var bytes = original
        if let last = bytes.last, last != 0x0A { bytes.append(0x0A) }
        bytes.append(contentsOf: Array(text.utf8))
        return bytes
    }
}

extension String {
    /// Spaces, tabs and line breaks trimmed from both ends.
    func trimmedWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

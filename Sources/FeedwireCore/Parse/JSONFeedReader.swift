/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) into the
/// common model. 1.1 renamed `author` to `authors` and added `language`;
/// both spellings are read whatever the declared version.
enum JSONFeedReader {
    /// The format a top-level JSON object declares, or nil when it is not a JSON Feed.
    static func format(of document: JSONValue) -> FeedFormat? {
        guard let version = document["version"]?.stringValue?.trimmingFeedWhitespace().lowercased() else { return nil }
        var v = Substring(version)
        for prefix in ["https://jsonfeed.org/version/", "http://jsonfeed.org/version/"] where v.hasPrefix(prefix) {
            v = v.dropFirst(prefix.count)
            while v.hasSuffix("/") { v = v.dropLast() }
            if v == "1.1" { return .json11 }
            if v.hasPrefix("1") { return .json10 }
            return nil
        }
        return nil
    }

    static func read(_ bytes: [UInt8], baseURL: String?, onItem: ((ParsedItem) -> Void)?) throws(FeedParseError) -> ParsedFeed {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw FeedParseError(message: "not a feed: \(error.description)")
        }
        guard document.objectValue != nil else {
            throw FeedParseError(message: "not a feed: JSON whose top level is not an object")
        }
        guard let format = format(of: document) else {
            let v = document["version"]?.stringValue.map { " (version \"\($0)\")" } ?? ""
            throw FeedParseError(message: "not a feed: JSON without a JSON Feed version URL\(v)")
        }
        var feed = ParsedFeed(format: format)
        func url(_ v: JSONValue?) -> String? {
            v?.stringValue.flatMap(nonEmpty).map { URLResolver.resolve($0, against: baseURL) }
        }
        feed.title = document["title"]?.stringValue.flatMap(nonEmpty)
        if feed.title != nil { feed.titleType = .text }
        feed.link = url(document["home_page_url"])
        feed.subtitle = document["description"]?.stringValue.flatMap(nonEmpty)
        feed.image = url(document["icon"])
        feed.icon = url(document["favicon"])
        feed.language = document["language"]?.stringValue.flatMap(nonEmpty)
        feed.authors = authors(document, baseURL: baseURL)
        if let items = document["items"]?.arrayValue {
            for value in items where value.objectValue != nil {
                let item = self.item(value, baseURL: baseURL)
                if let onItem { onItem(item) } else { feed.items.append(item) }
            }
        }
        return feed
    }

    static func item(_ v: JSONValue, baseURL: String?) -> ParsedItem {
        var item = ParsedItem()
        func url(_ x: JSONValue?) -> String? {
            x?.stringValue.flatMap(nonEmpty).map { URLResolver.resolve($0, against: baseURL) }
        }
        switch v["id"] {
        case let .string(s)?: item.id = nonEmpty(s)
        case let .int(i)?: item.id = String(i)
        case let .double(d)?: item.id = JSONValue.double(d).serialized
        default: break
        }
        item.link = url(v["url"])
        if let title = v["title"]?.stringValue.flatMap(nonEmpty) {
            item.title = title
            item.titleType = .text
        }
        if let html = v["content_html"]?.stringValue.flatMap(nonEmpty) {
            item.content = html
            item.contentType = .html
        } else if let text = v["content_text"]?.stringValue.flatMap(nonEmpty) {
            item.content = text
            item.contentType = .text
        }
        if let summary = v["summary"]?.stringValue.flatMap(nonEmpty) {
            item.summary = summary
            item.summaryType = .text
        }
        item.image = url(v["image"])
        item.published = v["date_published"]?.stringValue.flatMap(DateParser.parse)
        item.updated = v["date_modified"]?.stringValue.flatMap(DateParser.parse)
        item.authors = authors(v, baseURL: baseURL)
        if let tags = v["tags"]?.arrayValue {
            for t in tags {
                if let s = t.stringValue.flatMap(nonEmpty), !item.categories.contains(s) { item.categories.append(s) }
            }
        }
        if let attachments = v["attachments"]?.arrayValue {
            for a in attachments {
                guard let u = url(a["url"]), !item.enclosures.contains(where: { $0.url == u }) else { continue }
                let size = a["size_in_bytes"]?.intValue.flatMap { $0 > 0 ? $0 : nil }
                item.enclosures.append(Enclosure(url: u, type: a["mime_type"]?.stringValue.flatMap(nonEmpty), length: size))
            }
        }
        return item
    }

    /// `authors` (1.1) or `author` (1.0): `name`, `url`.
    static func authors(_ v: JSONValue, baseURL: String?) -> [Person] {
        var list: [JSONValue] = v["authors"]?.arrayValue ?? []
        if list.isEmpty, let single = v["author"], single.objectValue != nil { list = [single] }
        return list.compactMap { a in
            let p = Person(name: a["name"]?.stringValue.flatMap(nonEmpty),
                           uri: a["url"]?.stringValue.flatMap(nonEmpty).map { URLResolver.resolve($0, against: baseURL) })
            return p.name == nil && p.uri == nil ? nil : p
        }
    }
}

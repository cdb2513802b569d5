/// JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
///
/// Required fields are always present: top-level `version`, `title` and
/// `items`; per item `id` (a string) and `content_html` or `content_text`.
/// `title` and `summary` are plain text (the spec's `title` is plain; markup
/// would show literally). Edited stories carry `date_modified`. Feedwire's
/// extension object `_feedwire` (extension keys start with `_`, §"Extensions")
/// lists every feed carrying the story in `sources`, plus `revision`,
/// `first_seen` and `last_changed`.
public enum JSONFeedRenderer {
    public static let version = "https://jsonfeed.org/version/1.1"

    public static func render(_ stories: [StoryEntry], context: RenderContext) -> [UInt8] {
        let output = context.output
        let doc = JSONValue.object(omittingNil: [
            ("version", str(version)),
            ("title", str(output.title)),
            ("home_page_url", LinkPolicy.safe(output.link).map(str)),
            ("description", output.description.isEmpty ? nil : str(output.description)),
            ("items", .array(stories.map { item(StoryView($0)) })),
        ])
        var out: [UInt8] = []
        out.reserveCapacity(4096 + stories.count * 4096)
        write(doc, into: &out)
        out.append(0x0A)
        return out
    }

    /// Compact JSON, as `JSONValue.serialized` writes it, but straight into
    /// bytes with string runs copied whole: a 200-item feed is mostly long
    /// HTML strings full of quotes, which the general writer escapes one
    /// scalar at a time.
    static func write(_ v: JSONValue, into out: inout [UInt8]) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case let .bool(b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case let .int(i): out.append(contentsOf: String(i).utf8)
        case let .double(d): out.append(contentsOf: JSONValue.format(d).utf8)
        case let .string(s): writeString(s, into: &out)
        case let .array(items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(pairs):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { buf in
            var run = 0
            for i in 0..<buf.count {
                let b = buf[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                if i > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[run..<i])) }
                run = i + 1
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case 0x0A: out.append(contentsOf: "\\n".utf8)
                case 0x0D: out.append(contentsOf: "\\r".utf8)
                case 0x09: out.append(contentsOf: "\\t".utf8)
                case 0x08: out.append(contentsOf: "\\b".utf8)
                case 0x0C: out.append(contentsOf: "\\f".utf8)
                default:
                    let hex = String(b, radix: 16)
                    out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                }
            }
            if buf.count > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[run..<buf.count])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Strings are cleaned like XML text (`XMLText.clean`): JSON could carry
    /// NUL or U+FFFF escaped, but many consumers (databases, chat bridges)
    /// reject them, and every format should show the same text.
    static func str(_ s: String) -> JSONValue { .string(XMLText.clean(s)) }

    static func item(_ s: StoryView) -> JSONValue {
        let item = s.item
        // The body: the content when there is one, else the summary, in the type the source gave.
        var contentHTML: String?
        var contentText: String?
        if let c = item.content {
            if item.contentType == .html { contentHTML = c } else { contentText = c }
        } else if let sm = item.summary {
            if item.summaryType == .html { contentHTML = sm } else { contentText = sm }
        } else {
            contentText = ""
        }
        let summary = item.summary.map { PlainText.text($0, type: item.summaryType) }
        let authors: [JSONValue] = s.authors.map { p in
            .object(omittingNil: [
                ("name", (p.name.flatMap { $0.isEmpty ? nil : $0 } ?? p.email).map(str)),
                ("url", LinkPolicy.safe(p.uri).map(str)),
            ])
        }
        let attachments: [JSONValue] = s.enclosures.map { e in
            .object(omittingNil: [
                ("url", str(LinkPolicy.safe(e.url) ?? "")),
                ("mime_type", str(e.type.flatMap { $0.contains("/") ? $0 : nil } ?? "application/octet-stream")),
                ("size_in_bytes", e.length.flatMap { $0 > 0 ? JSONValue.int($0) : nil }),
            ])
        }
        let sources: [JSONValue] = s.sources.map { src in
            .object(omittingNil: [
                ("feed", str(src.feed)),
                ("title", str(src.displayName)),
                ("feed_url", LinkPolicy.safe(src.feedURL).map(str)),
                ("home_page_url", LinkPolicy.safe(src.feedLink).map(str)),
                ("url", LinkPolicy.safe(src.itemLink).map(str)),
            ])
        }
        let categories = item.categories.filter { !$0.isEmpty }
        return .object(omittingNil: [
            ("id", str(s.guid)),
            ("url", s.link.map(str)),
            ("title", str(s.title)),
            ("content_html", contentHTML.map(str)),
            ("content_text", contentText.map(str)),
            ("summary", summary.map(str)),
            ("image", LinkPolicy.safe(item.image).map(str)),
            ("date_published", str(s.published.rfc3339)),
            ("date_modified", s.isEdited ? str(s.updated.rfc3339) : nil),
            ("authors", authors.isEmpty ? nil : .array(authors)),
            ("tags", categories.isEmpty ? nil : .array(categories.map(str))),
            ("attachments", attachments.isEmpty ? nil : .array(attachments)),
            ("_feedwire", .object([
                ("sources", .array(sources)),
                ("revision", .int(Int64(item.revision))),
                ("first_seen", str(item.firstSeen.rfc3339)),
                ("last_changed", str(item.lastChanged.rfc3339)),
            ])),
        ])
    }
}

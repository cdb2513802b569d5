/// Writes `ParsedFeed` as the `feedwire parse --json` contract
/// (../shared/contracts/parse-json.md) specifies: compact JSON, absent
/// values omitted (never null), RFC 3339 UTC dates, non-ASCII as itself.
///
/// Hand-written straight into bytes (no intermediate `JSONValue`): the CLI
/// streams a 50 MB feed's items through it. Items can be written as they
/// complete and the feed's own fields after them (`streamingPrefix`,
/// `appendItem`, `appendFeedFields`); key order is free in JSON.
public struct ParseJSONWriter {
    public var bytes: [UInt8] = []

    public init() {
        bytes.reserveCapacity(64 * 1024)
    }

    /// The whole document on one line (with the trailing newline).
    public static func line(_ feed: ParsedFeed) -> [UInt8] {
        var w = ParseJSONWriter()
        w.bytes.append(contentsOf: "{\"items\":[".utf8)
        for (i, item) in feed.items.enumerated() {
            if i > 0 { w.bytes.append(UInt8(ascii: ",")) }
            w.appendItem(item)
        }
        w.bytes.append(UInt8(ascii: "]"))
        w.appendFeedFields(feed)
        w.bytes.append(contentsOf: "}\n".utf8)
        return w.bytes
    }

    /// `{"file":…,"error":…}` for an input that is not a feed or cannot be read.
    public static func errorLine(file: String, error: String) -> [UInt8] {
        var w = ParseJSONWriter()
        w.bytes.append(contentsOf: "{\"file\":".utf8)
        w.appendString(file)
        w.bytes.append(contentsOf: ",\"error\":".utf8)
        w.appendString(error)
        w.bytes.append(contentsOf: "}\n".utf8)
        return w.bytes
    }

    /// One item object.
    public mutating func appendItem(_ item: ParsedItem) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        field("id", item.id, &first)
        field("title", item.title, &first)
        field("titleType", item.titleType?.rawValue, &first)
        field("link", item.link, &first)
        field("summary", item.summary, &first)
        field("summaryType", item.summaryType?.rawValue, &first)
        field("content", item.content, &first)
        field("contentType", item.contentType?.rawValue, &first)
        date("published", item.published, &first)
        date("updated", item.updated, &first)
        people("authors", item.authors, &first)
        strings("categories", item.categories, &first)
        if !item.enclosures.isEmpty {
            key("enclosures", &first)
            bytes.append(UInt8(ascii: "["))
            for (i, e) in item.enclosures.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                var f = true
                bytes.append(UInt8(ascii: "{"))
                field("url", e.url, &f)
                field("type", e.type, &f)
                if let length = e.length {
                    key("length", &f)
                    bytes.append(contentsOf: String(length).utf8)
                }
                bytes.append(UInt8(ascii: "}"))
            }
            bytes.append(UInt8(ascii: "]"))
        }
        field("image", item.image, &first)
        field("comments", item.comments, &first)
        bytes.append(UInt8(ascii: "}"))
    }

    /// The feed's own fields, each preceded by a comma (they follow `"items":[…]`).
    public mutating func appendFeedFields(_ feed: ParsedFeed) {
        var first = false
        field("format", feed.format.rawValue, &first)
        key("wellFormed", &first)
        bytes.append(contentsOf: (feed.wellFormed ? "true" : "false").utf8)
        key("errors", &first)
        bytes.append(UInt8(ascii: "["))
        for (i, e) in feed.errors.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(e)
        }
        bytes.append(UInt8(ascii: "]"))
        field("encoding", feed.encoding, &first)
        field("title", feed.title, &first)
        field("titleType", feed.titleType?.rawValue, &first)
        field("subtitle", feed.subtitle, &first)
        field("link", feed.link, &first)
        field("id", feed.id, &first)
        field("language", feed.language, &first)
        field("rights", feed.rights, &first)
        field("generator", feed.generator, &first)
        field("icon", feed.icon, &first)
        field("image", feed.image, &first)
        date("updated", feed.updated, &first)
        date("published", feed.published, &first)
        people("authors", feed.authors, &first)
        strings("categories", feed.categories, &first)
    }

    // MARK: Pieces

    @inline(__always) private mutating func key(_ name: StaticString, _ first: inout Bool) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    @inline(__always) private mutating func field(_ name: StaticString, _ value: String?, _ first: inout Bool) {
        guard let value else { return }
        key(name, &first)
        appendString(value)
    }

    private mutating func date(_ name: StaticString, _ value: Timestamp?, _ first: inout Bool) {
        guard let value else { return }
        key(name, &first)
        // Timestamp.rfc3339, written as bytes (string interpolation is slow in bulk).
        let c = value.components
        func digits(_ v: Int, _ width: Int) {
            var v = max(0, v)
            var tmp: (UInt8, UInt8, UInt8, UInt8) = (48, 48, 48, 48)
            withUnsafeMutableBytes(of: &tmp) { t in
                for k in stride(from: width - 1, through: 0, by: -1) {
                    t[k] = UInt8(48 + v % 10)
                    v /= 10
                }
                bytes.append(contentsOf: t[0..<width])
            }
        }
        bytes.append(UInt8(ascii: "\""))
        digits(c.year, 4); bytes.append(UInt8(ascii: "-"))
        digits(c.month, 2); bytes.append(UInt8(ascii: "-"))
        digits(c.day, 2); bytes.append(UInt8(ascii: "T"))
        digits(c.hour, 2); bytes.append(UInt8(ascii: ":"))
        digits(c.minute, 2); bytes.append(UInt8(ascii: ":"))
        digits(c.second, 2)
        bytes.append(contentsOf: "Z\"".utf8)
    }

    private mutating func strings(_ name: StaticString, _ values: [String], _ first: inout Bool) {
        guard !values.isEmpty else { return }
        key(name, &first)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(v)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func people(_ name: StaticString, _ values: [Person], _ first: inout Bool) {
        guard !values.isEmpty else { return }
        key(name, &first)
        bytes.append(UInt8(ascii: "["))
        for (i, p) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            var f = true
            bytes.append(UInt8(ascii: "{"))
            field("name", p.name, &f)
            field("email", p.email, &f)
            field("uri", p.uri, &f)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A JSON string literal: `"`, `\` and control characters escaped,
    /// everything else copied in runs found eight bytes at a time.
    public mutating func appendString(_ s: String) {
        var s = s
        bytes.append(UInt8(ascii: "\""))
        s.withUTF8 { u in
            guard let p = u.baseAddress else { return }
            let n = u.count
            var i = 0
            var runStart = 0
            while i < n {
                i = ParseJSONWriter.plainEnd(UnsafeRawPointer(p), i, n)
                if i >= n { break }
                if i > runStart { bytes.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: i - runStart)) }
                let c = p[i]
                bytes.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(c)
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                default:
                    let hex = ParseJSONWriter.hexDigits
                    bytes.append(UInt8(ascii: "u"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(hex[Int(c >> 4)])
                    bytes.append(hex[Int(c & 15)])
                }
                i += 1
                runStart = i
            }
            if n > runStart { bytes.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: n - runStart)) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Index of the first byte at or after `from` that needs escaping.
    @inline(__always)
    static func plainEnd(_ p: UnsafeRawPointer, _ from: Int, _ n: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        var i = from
        while i + 8 <= n {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let quote = w ^ (ones &* 0x22)
            let backslash = w ^ (ones &* 0x5C)
            let special = ((w &- ones &* 0x20) & ~w)
                | ((quote &- ones) & ~quote)
                | ((backslash &- ones) & ~backslash)
            let hit = special & high
            if hit != 0 { return i + hit.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n {
            let c = p.load(fromByteOffset: i, as: UInt8.self)
            if c < 0x20 || c == 0x22 || c == 0x5C { return i }
            i += 1
        }
        return n
    }
}

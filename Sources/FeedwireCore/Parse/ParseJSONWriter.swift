import FeedwireXML

/// Writes `ParsedFeed` as the `feedwire parse --json` contract
/// (../shared/contracts/parse-json.md) specifies: compact JSON, absent
/// values omitted (never null), RFC 3339 UTC dates, non-ASCII as itself.
///
/// Hand-written straight into bytes (no intermediate `JSONValue`): the CLI
/// streams a 50 MB feed's items through it. Items can be written as they
/// complete and the feed's own fields after them (`append(_:)` for the
/// punctuation, `appendItem`, `appendFeedFields`); key order is free in JSON.
/// One writer per output stream, used on one thread.
public final class ParseJSONWriter {
    let out: ByteBuffer

    public init(capacity: Int = 64 * 1024) {
        out = ByteBuffer(capacity: capacity)
    }

    /// What was written so far (a copy).
    public var bytes: [UInt8] { Array(out.buffer) }

    /// Bytes written so far.
    public var count: Int { out.count }

    /// Calls `body` with the bytes written so far (valid only during the call).
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(out.buffer))
    }

    public func removeAll() { out.removeAll() }

    /// Appends literal JSON (punctuation such as `{"items":[`).
    public func append(_ literal: StaticString) { out.append(literal) }

    /// The whole document on one line (with the trailing newline).
    public static func line(_ feed: ParsedFeed) -> [UInt8] {
        let w = ParseJSONWriter()
        w.out.append("{\"items\":[")
        for (i, item) in feed.items.enumerated() {
            if i > 0 { w.out.append(UInt8(ascii: ",")) }
            w.appendItem(item)
        }
        w.out.append(UInt8(ascii: "]"))
        w.appendFeedFields(feed)
        w.out.append("}\n")
        return w.bytes
    }

    /// `{"file":…,"error":…}` for an input that is not a feed or cannot be read.
    public static func errorLine(file: String, error: String) -> [UInt8] {
        let w = ParseJSONWriter(capacity: 256)
        w.out.append("{\"file\":")
        w.appendString(file)
        w.out.append(",\"error\":")
        w.appendString(error)
        w.out.append("}\n")
        return w.bytes
    }

    /// One item object.
    public func appendItem(_ item: ParsedItem) {
        out.append(UInt8(ascii: "{"))
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
            out.append(UInt8(ascii: "["))
            for (i, e) in item.enclosures.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                var f = true
                out.append(UInt8(ascii: "{"))
                field("url", e.url, &f)
                field("type", e.type, &f)
                if let length = e.length {
                    key("length", &f)
                    out.append(Array(String(length).utf8))
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        field("image", item.image, &first)
        field("comments", item.comments, &first)
        out.append(UInt8(ascii: "}"))
    }

    /// The feed's own fields, each preceded by a comma (they follow `"items":[…]`).
    public func appendFeedFields(_ feed: ParsedFeed) {
        var first = false
        field("format", feed.format.rawValue, &first)
        key("wellFormed", &first)
        if feed.wellFormed { out.append("true") } else { out.append("false") }
        key("errors", &first)
        out.append(UInt8(ascii: "["))
        for (i, e) in feed.errors.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendString(e)
        }
        out.append(UInt8(ascii: "]"))
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

    @inline(__always) private func key(_ name: StaticString, _ first: inout Bool) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(UInt8(ascii: "\""))
        out.append(name)
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    @inline(__always) private func field(_ name: StaticString, _ value: String?, _ first: inout Bool) {
        guard let value else { return }
        key(name, &first)
        appendString(value)
    }

    private func date(_ name: StaticString, _ value: Timestamp?, _ first: inout Bool) {
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
                out.append(UnsafeRawBufferPointer(rebasing: t[0..<width]))
            }
        }
        out.append(UInt8(ascii: "\""))
        digits(c.year, 4); out.append(UInt8(ascii: "-"))
        digits(c.month, 2); out.append(UInt8(ascii: "-"))
        digits(c.day, 2); out.append(UInt8(ascii: "T"))
        digits(c.hour, 2); out.append(UInt8(ascii: ":"))
        digits(c.minute, 2); out.append(UInt8(ascii: ":"))
        digits(c.second, 2)
        out.append("Z\"")
    }

    private func strings(_ name: StaticString, _ values: [String], _ first: inout Bool) {
        guard !values.isEmpty else { return }
        key(name, &first)
        out.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendString(v)
        }
        out.append(UInt8(ascii: "]"))
    }

    private func people(_ name: StaticString, _ values: [Person], _ first: inout Bool) {
        guard !values.isEmpty else { return }
        key(name, &first)
        out.append(UInt8(ascii: "["))
        for (i, p) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            var f = true
            out.append(UInt8(ascii: "{"))
            field("name", p.name, &f)
            field("email", p.email, &f)
            field("uri", p.uri, &f)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A JSON string literal: `"`, `\` and control characters escaped,
    /// everything else copied in runs found eight bytes at a time.
    public func appendString(_ s: String) {
        out.append(UInt8(ascii: "\""))
        // Native strings are contiguous UTF-8, read in place; `withUTF8`
        // needs a `var` copy, a retain and a release per string.
        if s.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) == nil {
            var copy = s
            copy.withUTF8 { appendEscaped($0) }
        }
        out.append(UInt8(ascii: "\""))
    }

    private func appendEscaped(_ u: UnsafeBufferPointer<UInt8>) {
        guard let p = u.baseAddress else { return }
        let n = u.count
        var i = 0
        var runStart = 0
        while i < n {
            i = ParseJSONWriter.plainEnd(UnsafeRawPointer(p), i, n)
            if i >= n { break }
            if i > runStart { out.append(p + runStart, count: i - runStart) }
            let c = p[i]
            out.append(UInt8(ascii: "\\"))
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(c)
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            default:
                let hex = ParseJSONWriter.hexDigits
                out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 15)])
            }
            i += 1
            runStart = i
        }
        if n > runStart { out.append(p + runStart, count: n - runStart) }
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

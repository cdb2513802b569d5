/// Plain text from feed values, for places that cannot carry markup: the RSS
/// `title` (RSS 2.0 titles are plain text; readers show markup literally),
/// the JSON Feed `title` and `summary`, the HTML page, and keyword filters.
public enum PlainText {
    /// Titles longer than this many characters are cut and end with "…".
    /// The store already limits titles (1 KiB); this keeps a hostile or
    /// legacy 100 KB title from making every output enormous.
    public static let maxTitleCharacters = 500

    /// The text of an HTML fragment: tags removed (with the contents of
    /// `script`, `style` and comments), character references decoded, runs
    /// of white space collapsed to one space, trimmed.
    public static func fromHTML(_ html: String) -> String {
        let bytes = Array(html.utf8)
        guard bytes.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }) else {
            return collapse(html)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            guard b == UInt8(ascii: "<"), i + 1 < n else {
                out.append(b)
                i += 1
                continue
            }
            let next = bytes[i + 1]
            if next == UInt8(ascii: "!") {
                // Comment, doctype or CDATA-ish: skip to the matching end.
                if hasPrefix(bytes, i, "<!--") {
                    i = find(bytes, from: i + 4, "-->").map { $0 + 3 } ?? n
                } else if hasPrefix(bytes, i, "<![CDATA[") {
                    let end = find(bytes, from: i + 9, "]]>") ?? n
                    out.append(contentsOf: bytes[(i + 9)..<end])
                    i = min(n, end + 3)
                } else {
                    i = find(bytes, from: i + 2, ">").map { $0 + 1 } ?? n
                }
                continue
            }
            let isTag = isLetter(next) || next == UInt8(ascii: "/") || next == UInt8(ascii: "?")
            guard isTag else {
                out.append(b)
                i += 1
                continue
            }
            let end = tagEnd(bytes, from: i + 1)
            let name = tagName(bytes, from: next == UInt8(ascii: "/") ? i + 2 : i + 1)
            i = end
            if next != UInt8(ascii: "/"), name == "script" || name == "style" {
                // Skip the raw-text element's contents up to its end tag.
                let close = Array("</\(name)".utf8)
                var j = i
                while j < n, !(bytes[j] == UInt8(ascii: "<") && matchesIgnoringCase(bytes, j, close)) { j += 1 }
                i = j < n ? tagEnd(bytes, from: j + 1) : n
            }
            // Tags separate words ("<p>a</p><p>b</p>" is "a b").
            out.append(0x20)
        }
        return collapse(HTMLEntityDecoder.decode(String(decoding: out, as: UTF8.self)))
    }

    /// The item's title as plain text.
    public static func title(of item: ItemRecord) -> String {
        let t = item.titleType == .html ? fromHTML(item.title) : collapse(item.title)
        return truncated(t, to: maxTitleCharacters)
    }

    /// A value given with its type, as plain text.
    public static func text(_ value: String, type: TextType) -> String {
        type == .html ? fromHTML(value) : collapse(value)
    }

    /// Cuts `s` after `limit` characters (grapheme clusters, so no letter or
    /// emoji is split) and appends "…".
    public static func truncated(_ s: String, to limit: Int) -> String {
        // Cheap exit: a string of at most `limit` UTF-8 bytes has at most `limit` characters.
        if s.utf8.count <= limit { return s }
        var count = 0
        var index = s.startIndex
        while index < s.endIndex {
            if count == limit { return String(s[..<index]).trimmingTrailingSpaces() + "…" }
            index = s.index(after: index)
            count += 1
        }
        return s
    }

    /// Collapses white space runs (space, tab, CR, LF, FF; NBSP is kept) to
    /// one space, trims, and drops characters XML may not carry
    /// (`XMLText.isAllowed`), so plain text is clean in every format.
    public static func collapse(_ s: String) -> String {
        var s = s
        return s.withUTF8 { buf -> String in
            let n = buf.count
            var out: [UInt8] = []
            out.reserveCapacity(n)
            var pendingSpace = false
            var i = 0
            while i < n {
                let b = buf[i]
                if b < 0x80 {
                    i += 1
                    switch b {
                    case 0x20, 0x09, 0x0A, 0x0D, 0x0C: pendingSpace = !out.isEmpty
                    case 0x21...0x7E:
                        if pendingSpace { out.append(0x20); pendingSpace = false }
                        out.append(b)
                    default: break  // other controls and DEL
                    }
                    continue
                }
                let (len, ok) = XMLText.sequence(buf, at: i)
                if ok {
                    if pendingSpace { out.append(0x20); pendingSpace = false }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<(i + len)]))
                }
                i += len
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// HTML for a value that may be plain text: text is escaped and line
    /// breaks kept, so a text summary still reads right in an HTML description.
    public static func html(_ value: String, type: TextType) -> String {
        guard type == .text else { return value }
        let escaped = XMLText.escaped(value)
        guard escaped.contains("\n") else { return escaped }
        return escaped.split(separator: "\n\n", omittingEmptySubsequences: true)
            .map { "<p>" + $0.replacingNewlines(with: "<br>") + "</p>" }
            .joined()
    }

    // MARK: Scanning helpers

    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }

    private static func hasPrefix(_ bytes: [UInt8], _ at: Int, _ prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        guard at + p.count <= bytes.count else { return false }
        for k in 0..<p.count where bytes[at + k] != p[k] { return false }
        return true
    }

    private static func matchesIgnoringCase(_ bytes: [UInt8], _ at: Int, _ p: [UInt8]) -> Bool {
        guard at + p.count <= bytes.count else { return false }
        for k in 0..<p.count where bytes[at + k] | 0x20 != p[k] | 0x20 { return false }
        return true
    }

    private static func find(_ bytes: [UInt8], from: Int, _ needle: String) -> Int? {
        let p = Array(needle.utf8)
        var i = from
        while i + p.count <= bytes.count {
            if bytes[i] == p[0], hasPrefix(bytes, i, needle) { return i }
            i += 1
        }
        return nil
    }

    /// Index just after the `>` that ends a tag starting before `from`, honouring quoted attribute values.
    private static func tagEnd(_ bytes: [UInt8], from: Int) -> Int {
        var i = from
        var quote: UInt8 = 0
        while i < bytes.count {
            let b = bytes[i]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                quote = b
            } else if b == UInt8(ascii: ">") {
                return i + 1
            }
            i += 1
        }
        return bytes.count
    }

    private static func tagName(_ bytes: [UInt8], from: Int) -> String {
        var i = from
        var name: [UInt8] = []
        while i < bytes.count, isLetter(bytes[i]) || (bytes[i] >= 0x30 && bytes[i] <= 0x39) {
            name.append(bytes[i] | 0x20)
            i += 1
        }
        return String(decoding: name, as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\n" || last == "\t" { s.removeLast() }
        return String(s)
    }
}

extension Substring {
    fileprivate func replacingNewlines(with replacement: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

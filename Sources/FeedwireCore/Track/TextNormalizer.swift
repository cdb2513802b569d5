/// Visible text of titles, summaries and contents, normalised for
/// comparison: two versions of an item whose normalised texts are equal
/// show readers the same thing, so a difference between them is noise.
///
/// The rule follows what a reader sees (and newsroom.py's ground truth):
/// - markup: tags are removed (a `<` not followed by a letter, `/`, `!` or
///   `?` is text, as in HTML's tokeniser); block-level tags (`p`, `br`, `div`, `li`,
///   headings, `blockquote`, table cells, `hr`, `section`, `article`,
///   `figure` …) count as a space so words on either side stay apart;
///   `script`/`style` contents and comments are dropped;
/// - character references are decoded once (`&amp;`, `&#8217;`, `&#x2019;`,
///   named HTML references — `HTMLEntityDecoder`), so CDATA ↔ escaped text
///   and numeric references are not changes;
/// - whitespace, including no-break and other Unicode spaces, collapses to
///   one space, and leading/trailing whitespace goes;
/// - `http(s)` URLs written in the text lose tracking parameters
///   (`URLCanonicalizer`), and image URLs their whole query (image CDNs
///   rotate sizes and cache busters there). URLs inside attributes vanish
///   with the tags, so `img src` churn and attribute order never matter.
public enum TextNormalizer {
    /// Normalised visible text of a value of the given type (`html` is
    /// markup; anything else is plain text, whose references are still
    /// decoded so a double-escaped `&amp;` does not count as a change).
    public static func normalize(_ value: String?, type: TextType?) -> String {
        guard let value, !value.isEmpty else { return "" }
        return type == .html ? plainText(html: value) : plainText(text: value)
    }

    /// Visible text of HTML markup.
    public static func plainText(html: String) -> String {
        let bytes = Array(html.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == 0x3C {  // <
                if i + 3 < n, bytes[i + 1] == 0x21, bytes[i + 2] == 0x2D, bytes[i + 3] == 0x2D {  // <!--
                    if let close = find(bytes, [0x2D, 0x2D, 0x3E], from: i + 4) {
                        i = close + 3
                        continue
                    }
                }
                // As HTML tokenisers do, `<` starts a tag only before a letter, `/`, `!` or `?`;
                // otherwise it is text ("5 < 7").
                let next = i + 1 < n ? bytes[i + 1] : 0
                let opensTag = URLCanonicalizer.isAlpha(next) || next == 0x2F || next == 0x21 || next == 0x3F
                var j = i + 1
                while opensTag, j < n, bytes[j] != 0x3E { j += 1 }
                if opensTag, j < n, j > i + 1 {
                    let (name, closing) = tagName(bytes, i + 1, j)
                    if !closing, name == "script" || name == "style" {
                        // Skip to the matching end tag; its contents are not visible text.
                        let endTag = Array("</\(name)".utf8)
                        if let close = findCaseInsensitive(bytes, endTag, from: j + 1),
                           let gt = bytes[close...].firstIndex(of: 0x3E) {
                            i = gt + 1
                            out.append(0x20)
                            continue
                        }
                    }
                    if blockTags.contains(name) { out.append(0x20) }
                    i = j + 1
                    continue
                }
                out.append(b)
                i += 1
            } else if b == 0x26, let (scalar, length) = HTMLEntityDecoder.reference(bytes, at: i) {  // &
                appendScalar(scalar, to: &out)
                i += length
            } else {
                out.append(b)
                i += 1
            }
        }
        return finish(out)
    }

    /// Plain text with references decoded and whitespace collapsed.
    public static func plainText(text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(0x26) else { return finish(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x26, let (scalar, length) = HTMLEntityDecoder.reference(bytes, at: i) {
                appendScalar(scalar, to: &out)
                i += length
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return finish(out)
    }

    /// Tags that separate words (HTML "block" and line-breaking elements).
    static let blockTags: Set<String> = [
        "p", "br", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "tr", "td", "th", "table", "thead", "tbody", "tfoot", "caption", "pre", "hr",
        "section", "article", "aside", "header", "footer", "nav", "main", "figure", "figcaption",
        "address", "details", "summary", "iframe", "video", "audio", "img", "picture", "source",
    ]

    // MARK: Helpers

    /// Lower-cased element name of the tag between `start` (after `<`) and `end` (at `>`).
    static func tagName(_ bytes: [UInt8], _ start: Int, _ end: Int) -> (String, Bool) {
        var i = start
        var closing = false
        if i < end, bytes[i] == 0x2F {
            closing = true
            i += 1
        }
        var name: [UInt8] = []
        while i < end, name.count < 12 {
            let b = bytes[i]
            let isAlnum = (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || (b >= 0x30 && b <= 0x39)
            guard isAlnum else { break }
            name.append((b >= 0x41 && b <= 0x5A) ? b | 0x20 : b)
            i += 1
        }
        return (String(decoding: name, as: UTF8.self), closing)
    }

    static func find(_ bytes: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard needle.count > 0, bytes.count >= needle.count else { return nil }
        var i = from
        while i <= bytes.count - needle.count {
            if bytes[i] == needle[0] {
                var k = 1
                while k < needle.count, bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func findCaseInsensitive(_ bytes: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var i = from
        while i <= bytes.count - needle.count {
            var k = 0
            while k < needle.count, URLCanonicalizer.lower(bytes[i + k]) == needle[k] { k += 1 }
            if k == needle.count { return i }
            i += 1
        }
        return nil
    }

    static func appendScalar(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        let v = scalar.value
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Byte length of a whitespace character starting at `i` (0 when none):
    /// ASCII whitespace and the separators Python's `str.split()` (newsroom's
    /// `norm`) splits on — U+0085, U+00A0, U+1680, U+2000–U+200A,
    /// U+2028/9, U+202F, U+205F, U+3000.
    @inline(__always)
    static func whitespaceLength(_ b: [UInt8], _ i: Int) -> Int {
        let c = b[i]
        if c < 0x80 { return (c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) ? 1 : 0 }
        let n = b.count
        if c == 0xC2, i + 1 < n { return (b[i + 1] == 0xA0 || b[i + 1] == 0x85) ? 2 : 0 }
        if c == 0xE1, i + 2 < n { return (b[i + 1] == 0x9A && b[i + 2] == 0x80) ? 3 : 0 }
        if c == 0xE2, i + 2 < n {
            if b[i + 1] == 0x80 { let d = b[i + 2]; return ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) ? 3 : 0 }
            if b[i + 1] == 0x81 { return b[i + 2] == 0x9F ? 3 : 0 }
            return 0
        }
        if c == 0xE3, i + 2 < n { return (b[i + 1] == 0x80 && b[i + 2] == 0x80) ? 3 : 0 }
        return 0
    }

    /// Collapses whitespace, trims, and canonicalises URLs written in the text.
    static func finish(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pendingSpace = false
        var sawURL = false
        var i = 0
        while i < bytes.count {
            let w = whitespaceLength(bytes, i)
            if w > 0 {
                pendingSpace = !out.isEmpty
                i += w
                continue
            }
            if pendingSpace {
                out.append(0x20)
                pendingSpace = false
            }
            let b = bytes[i]
            if b == 0x3A, i + 2 < bytes.count, bytes[i + 1] == 0x2F, bytes[i + 2] == 0x2F { sawURL = true }
            out.append(b)
            i += 1
        }
        let text = String(decoding: out, as: UTF8.self)
        return sawURL ? canonicaliseURLs(text) : text
    }

    /// Rewrites every whitespace-separated `http(s)://` token to its canonical
    /// form (trailing punctuation kept apart).
    static func canonicaliseURLs(_ text: String) -> String {
        var words: [Substring] = text.split(separator: " ", omittingEmptySubsequences: false)
        var changed = false
        let needle = Array("http".utf8)
        for (k, word) in words.enumerated() {
            let bytes = Array(word.utf8)
            guard let at = find(bytes, needle, from: 0) else { continue }
            var urlBytes = Array(bytes[at...])
            guard URLCanonicalizer.isWebURL(String(decoding: urlBytes, as: UTF8.self)) else { continue }
            var tail: [UInt8] = []
            while let last = urlBytes.last, trailingPunctuation.contains(last) {
                tail.insert(last, at: 0)
                urlBytes.removeLast()
            }
            let canonical = URLCanonicalizer.canonical(String(decoding: urlBytes, as: UTF8.self), dropImageQuery: true)
            let rewritten = String(decoding: bytes[..<at], as: UTF8.self) + canonical + String(decoding: tail, as: UTF8.self)
            if rewritten != word {
                words[k] = Substring(rewritten)
                changed = true
            }
        }
        return changed ? words.joined(separator: " ") : text
    }

    /// ASCII punctuation that ends a sentence rather than a URL.
    static let trailingPunctuation: Set<UInt8> = Set(".,;:!?)]}'\">".utf8)
}

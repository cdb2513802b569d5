/// Converts feed HTML (summaries, content) into `RichText`.
///
/// A small, forgiving tokenizer in the spirit of HTML5 §13.2.5, written for
/// chat messages rather than for rendering: it never builds a tree, keeps
/// no stack beyond the open link and the element whose content it skips,
/// works in one pass over the UTF-8 bytes, and stops once it has collected
/// `maxCharacters` of text. Any byte sequence is accepted; nothing in the
/// input can make it loop, recurse or crash.
///
/// - Entities are decoded exactly once (`HTMLEntityDecoder`), in text and
///   attribute values; CDATA sections are taken as literal text.
/// - `script`, `style`, `template`, `noscript` content is raw text and
///   dropped; `svg`, `math`, `head`, `iframe`, `object`, `video`, `audio`,
///   `select` content is dropped too.
/// - Block elements end a paragraph; `br` is a line break; `li` starts a
///   "• " item; whitespace collapses as in HTML rendering; `pre` keeps lines.
/// - `a href` becomes a link when the URL is http(s) (absolute, or made so
///   against `base`); any other scheme (`javascript:`, `data:` …) keeps only
///   the text.
public enum HTMLText {
    public static func parse(_ html: String, base: String? = nil, maxCharacters: Int = 100_000) -> RichText {
        var tokenizer = Tokenizer(bytes: Array(html.utf8), base: base, maxCharacters: maxCharacters)
        tokenizer.run()
        return tokenizer.builder.finish()
    }

    /// Plain text of HTML, for routing keywords and plain-text services.
    public static func plainText(_ html: String, maxCharacters: Int = 100_000) -> String {
        parse(html, maxCharacters: maxCharacters).plainText
    }

    /// Elements whose whole content is raw text, dropped (HTML5 raw text elements and friends).
    static let rawTextElements: Set<String> = ["script", "style", "template", "noscript", "xmp", "textarea", "title"]
    /// Elements whose content is dropped but parsed as markup.
    static let skippedElements: Set<String> = ["svg", "math", "head", "iframe", "object", "video", "audio", "select", "button", "canvas", "map"]
    static let blockElements: Set<String> = [
        "p", "div", "section", "article", "header", "footer", "aside", "nav", "main", "figure", "figcaption",
        "blockquote", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "caption",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "address", "center", "details", "summary", "form", "fieldset", "body", "html",
    ]
}

/// Collects spans into paragraphs with HTML whitespace rules.
struct RichTextBuilder {
    var paragraphs: [[RichText.Span]] = []
    var spans: [RichText.Span] = []
    var text = ""
    var pendingSpace = false
    var link: (url: String, text: String)?
    var count = 0
    var lastWasSpace = false
    let maxCharacters: Int
    var full = false

    init(maxCharacters: Int) { self.maxCharacters = maxCharacters }

    /// Adds decoded text; `preformatted` keeps newlines as line breaks.
    mutating func add(_ s: String, preformatted: Bool = false) {
        for c in s {
            if full { return }
            if preformatted, c == "\n" || c == "\r\n" || c == "\r" {
                lineBreak()
                continue
            }
            // No-break spaces collapse like spaces: chat text has no layout to protect.
            if c.isWhitespace {
                pendingSpace = true
                continue
            }
            if c.unicodeScalars.allSatisfy({ $0.value < 0x20 || $0.value == 0x7F }) { continue }
            if pendingSpace {
                if hasContentOnLine && !lastWasSpace { append(" ") }
                pendingSpace = false
            }
            append(c)
        }
    }

    /// Adds text as is (a list bullet), without whitespace collapsing.
    mutating func addRaw(_ s: String) {
        pendingSpace = false
        for c in s { append(c) }
    }

    var hasContentOnLine: Bool {
        if let l = link, !l.text.isEmpty { return true }
        if !text.isEmpty { return true }
        guard let last = spans.last else { return false }
        if case .lineBreak = last { return false }
        return true
    }

    mutating func append(_ c: Character) {
        if count >= maxCharacters { full = true; return }
        count += 1
        lastWasSpace = c == " "
        if link != nil { link!.text.append(c) } else { text.append(c) }
    }

    mutating func flushText() {
        if !text.isEmpty {
            spans.append(.text(text))
            text = ""
        }
    }

    mutating func lineBreak() {
        closeLink()
        flushText()
        pendingSpace = false
        lastWasSpace = false
        if !spans.isEmpty, !isLineBreak(spans.last!) { spans.append(.lineBreak) }
    }

    mutating func paragraphBreak() {
        closeLink()
        flushText()
        pendingSpace = false
        lastWasSpace = false
        while let last = spans.last, isLineBreak(last) { spans.removeLast() }
        if !spans.isEmpty { paragraphs.append(spans) }
        spans = []
    }

    mutating func openLink(_ url: String) {
        closeLink()
        if pendingSpace, hasContentOnLine, !lastWasSpace { append(" ") }
        pendingSpace = false
        flushText()
        link = (url, "")
    }

    /// Ends the open link; whitespace at its ends moves outside it.
    mutating func closeLink() {
        guard let l = link else { return }
        link = nil
        var t = Substring(l.text)
        let leading = t.first?.isWhitespace ?? false
        while let first = t.first, first.isWhitespace { t = t.dropFirst() }
        var trailing = false
        while let last = t.last, last.isWhitespace { t = t.dropLast(); trailing = true }
        if leading, !t.isEmpty, hasContentOnLine { spans.append(.text(" ")) }
        if !t.isEmpty {
            spans.append(.link(text: String(t), url: l.url))
            lastWasSpace = false
        }
        if trailing { pendingSpace = true }
    }

    func isLineBreak(_ s: RichText.Span) -> Bool { if case .lineBreak = s { return true }; return false }

    mutating func finish() -> RichText {
        paragraphBreak()
        return RichText(paragraphs: paragraphs, truncated: full)
    }
}

struct Tokenizer {
    let bytes: [UInt8]
    let base: String?
    var pos = 0
    var builder: RichTextBuilder
    /// Depth inside elements whose content is dropped.
    var skipDepth = 0
    var skipName = ""
    var preDepth = 0

    init(bytes: [UInt8], base: String?, maxCharacters: Int) {
        self.bytes = bytes
        self.base = base
        builder = RichTextBuilder(maxCharacters: maxCharacters)
    }

    static func isLetter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C }

    mutating func run() {
        var textStart = 0
        while pos < bytes.count && !builder.full {
            guard bytes[pos] == UInt8(ascii: "<") else { pos += 1; continue }
            let next = pos + 1 < bytes.count ? bytes[pos + 1] : 0
            let isMarkup = Tokenizer.isLetter(next) || next == UInt8(ascii: "/") || next == UInt8(ascii: "!") || next == UInt8(ascii: "?")
            if !isMarkup { pos += 1; continue }
            emitText(textStart, pos)
            markup()
            textStart = pos
        }
        if !builder.full { emitText(textStart, min(pos, bytes.count)) }
    }

    mutating func emitText(_ start: Int, _ end: Int) {
        guard end > start, skipDepth == 0 else { return }
        let raw = String(decoding: bytes[start..<end], as: UTF8.self)
        builder.add(HTMLEntityDecoder.decode(raw), preformatted: preDepth > 0)
    }

    /// At `<` followed by a letter, `/`, `!` or `?`.
    mutating func markup() {
        let start = pos
        if starts(with: "<!--") {
            pos = find("-->", from: pos + 4).map { $0 + 3 } ?? bytes.count
            return
        }
        if starts(with: "<![CDATA[") {
            let contentStart = pos + 9
            let end = find("]]>", from: contentStart) ?? bytes.count
            if skipDepth == 0 {
                builder.add(String(decoding: bytes[contentStart..<end], as: UTF8.self), preformatted: preDepth > 0)
            }
            pos = min(bytes.count, end + 3)
            return
        }
        if bytes[start + 1] == UInt8(ascii: "!") || bytes[start + 1] == UInt8(ascii: "?") {
            // Doctype, processing instruction or bogus comment: up to the next '>'.
            pos = find(">", from: pos + 2).map { $0 + 1 } ?? bytes.count
            return
        }
        let closing = bytes[start + 1] == UInt8(ascii: "/")
        var p = start + (closing ? 2 : 1)
        guard p < bytes.count, Tokenizer.isLetter(bytes[p]) else {
            // `</` not followed by a letter: HTML5 treats `</>` as nothing and `</ ` as a bogus comment.
            pos = find(">", from: p).map { $0 + 1 } ?? bytes.count
            return
        }
        let nameStart = p
        while p < bytes.count, !Tokenizer.isSpace(bytes[p]), bytes[p] != UInt8(ascii: ">"), bytes[p] != UInt8(ascii: "/") { p += 1 }
        let name = String(decoding: bytes[nameStart..<p], as: UTF8.self).lowercased()
        var href: String?
        var selfClosing = false
        // Attributes, honouring quotes so a '>' inside a value does not end the tag.
        while p < bytes.count {
            let b = bytes[p]
            if b == UInt8(ascii: ">") { p += 1; break }
            if Tokenizer.isSpace(b) { p += 1; continue }
            if b == UInt8(ascii: "/") { selfClosing = true; p += 1; continue }
            selfClosing = false
            let attrStart = p
            while p < bytes.count, !Tokenizer.isSpace(bytes[p]), bytes[p] != UInt8(ascii: "="), bytes[p] != UInt8(ascii: ">") { p += 1 }
            let attrEnd = p
            while p < bytes.count, Tokenizer.isSpace(bytes[p]) { p += 1 }
            guard p < bytes.count, bytes[p] == UInt8(ascii: "=") else { continue }
            p += 1
            while p < bytes.count, Tokenizer.isSpace(bytes[p]) { p += 1 }
            var valueStart = p
            var valueEnd = p
            if p < bytes.count, bytes[p] == UInt8(ascii: "\"") || bytes[p] == UInt8(ascii: "'") {
                let quote = bytes[p]
                valueStart = p + 1
                p = valueStart
                while p < bytes.count, bytes[p] != quote { p += 1 }
                valueEnd = p
                if p < bytes.count { p += 1 }
            } else {
                while p < bytes.count, !Tokenizer.isSpace(bytes[p]), bytes[p] != UInt8(ascii: ">") { p += 1 }
                valueEnd = p
            }
            if !closing, name == "a", attrEnd - attrStart == 4,
               String(decoding: bytes[attrStart..<attrEnd], as: UTF8.self).lowercased() == "href" {
                href = HTMLEntityDecoder.decode(String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self))
            }
        }
        pos = p
        if closing { endTag(name) } else { startTag(name, href: href, selfClosing: selfClosing) }
    }

    mutating func startTag(_ name: String, href: String?, selfClosing: Bool) {
        if HTMLText.rawTextElements.contains(name) {
            if !selfClosing { skipRawText(name) }
            return
        }
        if skipDepth > 0 {
            if name == skipName, !selfClosing { skipDepth += 1 }
            return
        }
        if HTMLText.skippedElements.contains(name) {
            if !selfClosing {
                skipDepth = 1
                skipName = name
            }
            return
        }
        switch name {
        case "br":
            builder.lineBreak()
        case "li":
            // Items of one list are lines of one paragraph (the list itself is a block).
            builder.lineBreak()
            builder.addRaw("• ")
        case "pre":
            builder.paragraphBreak()
            preDepth += 1
        case "a":
            if let href, let url = URLText.absoluteHTTP(href, base: base) {
                builder.openLink(url)
            } else {
                builder.closeLink()
            }
        case "td", "th":
            builder.pendingSpace = true
        case "img":
            break
        default:
            if HTMLText.blockElements.contains(name) { builder.paragraphBreak() }
        }
    }

    mutating func endTag(_ name: String) {
        if skipDepth > 0 {
            if name == skipName { skipDepth -= 1 }
            return
        }
        switch name {
        case "a":
            builder.closeLink()
        case "pre":
            preDepth = max(0, preDepth - 1)
            builder.paragraphBreak()
        case "li":
            builder.lineBreak()
        case "td", "th":
            builder.pendingSpace = true
        case "br":
            builder.lineBreak()  // `</br>` is a line break in HTML5 too
        default:
            if HTMLText.blockElements.contains(name) { builder.paragraphBreak() }
        }
    }

    /// Skips to the matching `</name` (case-insensitive) and past its `>`.
    mutating func skipRawText(_ name: String) {
        let needle = Array(("</" + name).utf8)
        var p = pos
        while p + needle.count <= bytes.count {
            if bytes[p] == UInt8(ascii: "<") {
                var match = true
                for k in 1..<needle.count where bytes[p + k] | 0x20 != needle[k] | 0x20 {
                    match = false
                    break
                }
                if match {
                    pos = find(">", from: p + needle.count).map { $0 + 1 } ?? bytes.count
                    return
                }
            }
            p += 1
        }
        pos = bytes.count
    }

    func starts(with s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard pos + n <= bytes.count else { return false }
        let p = s.utf8Start
        for i in 0..<n {
            var b = bytes[pos + i]
            var c = p[i]
            if Tokenizer.isLetter(b) { b |= 0x20 }
            if Tokenizer.isLetter(c) { c |= 0x20 }
            if b != c { return false }
        }
        return true
    }

    func find(_ s: StaticString, from: Int) -> Int? {
        let n = s.utf8CodeUnitCount
        let p = s.utf8Start
        var i = from
        while i + n <= bytes.count {
            if bytes[i] == p[0] {
                var ok = true
                for k in 1..<max(1, n) where bytes[i + k] != p[k] {
                    ok = false
                    break
                }
                if ok { return i }
            }
            i += 1
        }
        return nil
    }
}

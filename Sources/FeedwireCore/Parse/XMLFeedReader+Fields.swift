import FeedwireXML

/// What a captured element's text becomes.
enum Field: UInt8 {
    case none
    case feedTitle, feedSubtitle, feedLink, feedID, feedLanguage, feedRights, feedGenerator, feedIcon, feedImage
    case feedUpdated, feedUpdatedAlt, feedPublished, feedCategory, feedAuthor
    case ttl, updatePeriod, updateFrequency, skipHour, skipDay
    case itemTitle, itemLink, itemSummary, itemContent, itemAuthor, itemCategory, itemComments, itemGuid, itemID
    case itemPublished, itemPublishedAlt, itemUpdated, itemUpdatedAlt
    case personName, personEmail, personURI
}

extension XMLFeedReader {
    /// Starts capturing the current element's text for `target`.
    func capture(_ target: Field, mode: CaptureMode = .plain, type: TextType = .text) {
        field = target
        fieldDepth = depth
        self.mode = mode
        textType = type
        buffer.removeAll()
        markupNames.removeAll(keepingCapacity: true)
        pendingOpenTag = false
        unwrapDepth = 0
        sawMarkupChild = false
        routeText()
    }

    /// Tells the parser where text should go now: into `buffer` directly
    /// when it is kept as it is (plain text, or markup's top-level text),
    /// through `characters` when it must be escaped, nowhere otherwise.
    func routeText(at level: Int? = nil) {
        guard let parserRef else { return }
        parserRef._withUnsafeGuaranteedRef { parser in
            if field == .none {
                parser.routeText(into: nil, toHandler: false)
            } else if mode == .plain || (mode == .markup && (level ?? depth) == fieldDepth) {
                parser.routeText(into: buffer, toHandler: false)
            } else {
                parser.routeText(into: nil, toHandler: true)
            }
        }
    }

    func finishField() {
        let target = field
        field = .none
        routeText()
        closePendingTag()
        guard let value = XMLFeedReader.trimmedString(buffer) else { return }
        switch target {
        case .none: break
        case .feedTitle:
            feed.title = value
            feed.titleType = isAtomFormat(format) ? textType : rssTitleType(value)
        case .feedSubtitle: if feed.subtitle == nil { feed.subtitle = value }
        case .feedLink: if feed.link == nil || !isAtomFormat(format) { feed.link = resolve(value) }
        case .feedID: feed.id = value
        case .feedLanguage: setLanguage(value)
        case .feedRights: if feed.rights == nil { feed.rights = value }
        case .feedGenerator: feed.generator = value
        case .feedIcon: feed.icon = resolve(value)
        case .feedImage: if feed.image == nil { feed.image = resolve(value) }
        case .feedUpdated: if let t = DateParser.parse(value) { feed.updated = t }
        case .feedUpdatedAlt: if feed.updated == nil, feedUpdatedAlt == nil { feedUpdatedAlt = DateParser.parse(value) }
        case .feedPublished: feed.published = DateParser.parse(value)
        case .feedCategory: addFeedCategory(value)
        case .feedAuthor: XMLFeedReader.add(XMLFeedReader.person(from: value), to: &feed.authors)
        case .ttl: feed.pollHints.ttlMinutes = Int(value).flatMap { $0 >= 0 ? $0 : nil }
        case .updatePeriod: feed.pollHints.updatePeriod = value.lowercased()
        case .updateFrequency: feed.pollHints.updateFrequency = Int(value).flatMap { $0 > 0 ? $0 : nil }
        case .skipHour:
            // RSS 2.0: 0–23 GMT; some publishers write 24 for midnight.
            if let h = Int(value), (0...24).contains(h) { feed.pollHints.skipHours.insert(h % 24) }
        case .skipDay:
            if let d = XMLFeedReader.weekdays.firstIndex(of: value.lowercased()) { feed.pollHints.skipDays.insert(d) }
        case .itemTitle:
            item.title = value
            item.titleType = itemIsAtom ? textType : rssTitleType(value)
        case .itemLink: if item.link == nil || !itemIsAtom { item.link = resolve(value) }
        case .itemSummary:
            if item.summary == nil {
                item.summary = value
                item.summaryType = textType
            }
        case .itemContent:
            if item.content == nil {
                item.content = value
                item.contentType = textType
            }
        case .itemAuthor: XMLFeedReader.add(XMLFeedReader.person(from: value), to: &item.authors)
        case .itemCategory: addItemCategory(value)
        case .itemComments: item.comments = resolve(value)
        case .itemGuid, .itemID: item.id = value
        case .itemPublished: if let t = DateParser.parse(value) { itemPubDate = t }
        case .itemPublishedAlt: if itemAltPublished == nil { itemAltPublished = DateParser.parse(value) }
        case .itemUpdated: if let t = DateParser.parse(value) { itemUpdated = t }
        case .itemUpdatedAlt: if itemAltUpdated == nil { itemAltUpdated = DateParser.parse(value) }
        case .personName: person.name = value
        case .personEmail: person.email = value
        case .personURI: person.uri = resolve(value)
        }
    }

    func isAtomFormat(_ f: FeedFormat?) -> Bool { f == .atom10 || f == .atom03 }

    /// The captured text without leading and trailing white space (XML's
    /// and U+00A0), or nil when nothing is left.
    ///
    /// The `String` is made without validating the bytes again: they are
    /// UTF-8 by construction (the document was validated by `TextDecoder`
    /// before libxml2 saw it, libxml2 delivers it in whole characters, and
    /// everything else appended is ASCII markup or already a `String`).
    /// Validating again costs as much as the rest of field handling
    /// (callgrind); debug builds still check.
    static func trimmedString(_ bytes: ByteBuffer) -> String? {
        let bp = bytes.buffer
        do {
            var start = 0
            var end = bp.count
            while true {
                if start < end, bp[start] == 0x20 || bp[start] == 0x0A || bp[start] == 0x0D || bp[start] == 0x09 {
                    start += 1
                } else if start + 1 < end, bp[start] == 0xC2, bp[start + 1] == 0xA0 {
                    start += 2
                } else {
                    break
                }
            }
            while true {
                if end > start, bp[end - 1] == 0x20 || bp[end - 1] == 0x0A || bp[end - 1] == 0x0D || bp[end - 1] == 0x09 {
                    end -= 1
                } else if end - 1 > start, bp[end - 2] == 0xC2, bp[end - 1] == 0xA0 {
                    end -= 2
                } else {
                    break
                }
            }
            guard end > start else { return nil }
            let slice = UnsafeBufferPointer(rebasing: bp[start..<end])
            assert(String(validating: slice, as: UTF8.self) != nil, "captured text is not UTF-8")
            return String(copying: UTF8Span(unchecked: Span(_unsafeElements: slice)))
        }
    }

    func addFeedCategory(_ value: String) {
        if let v = nonEmpty(value), !feed.categories.contains(v) { feed.categories.append(v) }
    }

    func addItemCategory(_ value: String) {
        if let v = nonEmpty(value), !item.categories.contains(v) { item.categories.append(v) }
    }

    static let weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// RSS titles are plain text by the specification, but publishers put
    /// HTML in them, escaped or as elements. A title with child elements, an
    /// end tag, a `<br>`/`<img>`-style tag or a character reference is read
    /// as markup (feedparser's rule, plus the void tags); `5 < 6` stays text.
    func rssTitleType(_ value: String) -> TextType {
        sawMarkupChild || XMLFeedReader.looksLikeHTML(value) ? .html : .text
    }

    static func looksLikeHTML(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { looksLikeHTML($0) }
    }

    static func looksLikeHTML(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.contains(UInt8(ascii: "<")) || b.contains(UInt8(ascii: "&")) else { return false }
        func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "<"), i + 2 < b.count {
                if b[i + 1] == UInt8(ascii: "/"), isLetter(b[i + 2]) { return true }
                if isLetter(b[i + 1]) {
                    var j = i + 1
                    while j < b.count, isLetter(b[j]) || (b[j] >= 0x30 && b[j] <= 0x39) { j += 1 }
                    let name = String(decoding: b[(i + 1)..<j], as: UTF8.self).lowercased()
                    guard let close = b[j...].firstIndex(of: UInt8(ascii: ">")), close - i <= 500 else { i += 1; continue }
                    if b[close - 1] == UInt8(ascii: "/") || XMLFeedReader.voidElements.contains(name) { return true }
                }
            } else if b[i] == UInt8(ascii: "&") {
                var j = i + 1
                if j < b.count, b[j] == UInt8(ascii: "#") { j += 1 }
                let start = j
                while j < b.count, j - start < 10,
                      (b[j] >= 0x30 && b[j] <= 0x39) || ((b[j] | 0x20) >= 0x61 && (b[j] | 0x20) <= 0x7A) { j += 1 }
                if j > start, j < b.count, b[j] == UInt8(ascii: ";") { return true }
            }
            i += 1
        }
        return false
    }

    /// Adds a person unless already listed; `dc:creator` and `author` often
    /// name the same person, one with the address and one without.
    static func add(_ p: Person, to list: inout [Person]) {
        if let i = list.firstIndex(where: { ($0.name != nil && $0.name == p.name) || ($0.email != nil && $0.email == p.email) }) {
            if list[i].name == nil { list[i].name = p.name }
            if list[i].email == nil { list[i].email = p.email }
            if list[i].uri == nil { list[i].uri = p.uri }
            return
        }
        list.append(p)
    }

    /// `jo@example.com (Jo Smith)` (RSS 2.0 `author`), `Jo Smith
    /// (mailto:jo@example.com)`, `Jo Smith <jo@example.com>`, an address
    /// alone, or a name alone. Works on UTF-8 bytes: names are often
    /// Cyrillic, where `Character` operations are slow.
    static func person(from value: String) -> Person {
        let s = value.trimmingFeedWhitespace()
        let b = Array(s.utf8)
        let at = UInt8(ascii: "@"), space = UInt8(ascii: " ")
        guard b.contains(at) else { return Person(name: s) }
        func text(_ slice: ArraySlice<UInt8>) -> String? {
            nonEmpty(String(decoding: slice, as: UTF8.self))
        }
        if b.last == UInt8(ascii: ")"), let open = b.firstIndex(of: UInt8(ascii: "(")) {
            let before = b[..<open], inside = b[(open + 1)..<(b.count - 1)]
            let beforeText = text(before)
            if before.contains(at), !(beforeText ?? "").utf8.contains(space) {
                return Person(name: text(inside), email: beforeText)
            }
            // "Rael Dornfest (mailto:rael@oreilly.com)", as RSS 1.0 samples write dc:creator.
            let insideText = text(inside) ?? ""
            if insideText.lowercased().hasPrefix("mailto:"), insideText.utf8.contains(at) {
                return Person(name: beforeText, email: String(insideText.dropFirst(7)))
            }
        }
        if b.last == UInt8(ascii: ">"), let open = b.lastIndex(of: UInt8(ascii: "<")) {
            let email = text(b[(open + 1)..<(b.count - 1)])
            if let email, email.utf8.contains(at) { return Person(name: text(b[..<open]), email: email) }
        }
        if !b.contains(space) { return Person(email: s) }
        return Person(name: s)
    }

    // MARK: Markup capture

    func markupStart(_ tag: XMLStartTag) {
        closePendingTag()
        defer { routeText() }
        if mode == .xhtml, depth == fieldDepth + 1, !sawMarkupChild, tag.namespace == NS.xhtml, tag.localName == "div",
           buffer.buffer.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            // The wrapper div is not part of the content (RFC 4287 §3.1.1.3).
            sawMarkupChild = true
            unwrapDepth = depth
            buffer.removeAll()
            markupNames.append("")
            return
        }
        sawMarkupChild = true
        let name = tag.localName
        markupNames.append(name)
        buffer.append(UInt8(ascii: "<"))
        buffer.append(Array(name.utf8))
        // Attributes keep their local names only (the contract: "without
        // namespace prefixes"); of the xml: ones only lang means something in HTML.
        tag.forEachAttribute { attrName, ns, value in
            if ns == NS.xml, attrName != "lang" { return }
            buffer.append(UInt8(ascii: " "))
            buffer.append(Array(attrName.utf8))
            buffer.append("=\"")
            var v = value
            v.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), attribute: true) }
            buffer.append(UInt8(ascii: "\""))
        }
        pendingOpenTag = true
    }

    func markupEnd() {
        // `depth` is still the child's here; text after it is one level up.
        defer { routeText(at: depth - 1) }
        guard let name = markupNames.popLast() else { return }
        if depth == unwrapDepth {
            unwrapDepth = 0
            closePendingTag()
            return
        }
        if pendingOpenTag {
            pendingOpenTag = false
            if XMLFeedReader.voidElements.contains(name) {
                buffer.append("/>")
                return
            }
            buffer.append(UInt8(ascii: ">"))
        }
        buffer.append("</")
        buffer.append(Array(name.utf8))
        buffer.append(UInt8(ascii: ">"))
    }

    @inline(__always) func closePendingTag() {
        if pendingOpenTag {
            buffer.append(UInt8(ascii: ">"))
            pendingOpenTag = false
        }
    }

    /// HTML void elements, written as `<br/>`.
    static let voidElements: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                                            "param", "source", "track", "wbr"]

    func appendEscaped(_ text: UnsafeRawBufferPointer, attribute: Bool) {
        guard let p = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var run = 0
        for i in 0..<text.count {
            let c = p[i]
            guard c == UInt8(ascii: "&") || c == UInt8(ascii: "<") || c == UInt8(ascii: ">") || (attribute && c == UInt8(ascii: "\"")) else {
                continue
            }
            if i > run { buffer.append(p + run, count: i - run) }
            run = i + 1
            switch c {
            case UInt8(ascii: "&"): buffer.append("&amp;")
            case UInt8(ascii: "<"): buffer.append("&lt;")
            case UInt8(ascii: ">"): buffer.append("&gt;")
            default: buffer.append("&quot;")
            }
        }
        if text.count > run { buffer.append(p + run, count: text.count - run) }
    }
}

extension Substring {
    func trimmingCharacters() -> String { String(self).trimmingFeedWhitespace() }
}

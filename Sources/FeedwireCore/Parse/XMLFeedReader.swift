import FeedwireXML

/// Turns the SAX events of an RSS 0.9x/1.0/2.0 or Atom 0.3/1.0 document
/// into a `ParsedFeed`, item by item.
///
/// A stack of containers (channel, item, image, Atom person …) gives each
/// element its meaning; an element a container does not know makes its
/// whole subtree ignored, so a stray `<title>` inside an unknown extension
/// cannot overwrite a real one. Text is captured only for fields that are
/// kept, into one reused byte buffer; a `String` is built once per field.
///
/// Stored properties are `@exclusivity(unchecked)`, as in `XMLPushParser`:
/// one thread, hot per-event access, no overlapping `inout` access.
final class XMLFeedReader: XMLEventHandler {
    enum Container { case rssRoot, rdfRoot, channel, item, image, skipHours, skipDays, atomFeed, entry, person, source, mediaContent }

    /// How captured text becomes a value: `plain` keeps text only; `markup`
    /// keeps top-level text as it is (it already is markup, e.g. an RSS
    /// description) and serialises child elements; `xhtml` serialises
    /// everything below the Atom wrapper `div` (RFC 4287 §3.1.1.3).
    enum CaptureMode { case plain, markup, xhtml }

    @exclusivity(unchecked) var feed = ParsedFeed(format: .rss20)
    @exclusivity(unchecked) private(set) var format: FeedFormat?
    @exclusivity(unchecked) private(set) var notFeedReason: String?
    /// Problems found above the XML layer (left-out items …).
    @exclusivity(unchecked) var notes: [String] = []
    let documentBase: String?
    let onItem: ((ParsedItem) -> Void)?

    @exclusivity(unchecked) var depth = 0
    @exclusivity(unchecked) var ignoreDepth = 0
    @exclusivity(unchecked) var containers: [(kind: Container, depth: Int)] = []
    @exclusivity(unchecked) var bases: [(depth: Int, url: String)] = []

    // The item (RSS item / Atom entry) being read.
    @exclusivity(unchecked) var item = ParsedItem()
    @exclusivity(unchecked) var itemPubDate: Timestamp?
    @exclusivity(unchecked) var itemAltPublished: Timestamp?
    @exclusivity(unchecked) var itemUpdated: Timestamp?
    @exclusivity(unchecked) var itemAltUpdated: Timestamp?
    @exclusivity(unchecked) var itemIsAtom = false
    // Feed-level dates, by precedence.
    @exclusivity(unchecked) var feedUpdatedAlt: Timestamp?
    @exclusivity(unchecked) var person = Person()

    // Capture.
    @exclusivity(unchecked) var field = Field.none
    @exclusivity(unchecked) var fieldDepth = 0
    @exclusivity(unchecked) var mode = CaptureMode.plain
    @exclusivity(unchecked) var textType = TextType.text
    let buffer = ByteBuffer(capacity: 16 * 1024)
    /// The parser feeding this reader: captured plain text goes straight from
    /// it into `buffer` (`XMLPushParser.textSink`). Set by the session, which
    /// owns both. Held `Unmanaged` and called through
    /// `_withUnsafeGuaranteedRef`: an `unowned(unsafe)` reference was
    /// retained and released on every routing change (half a million times
    /// over 1000 feeds).
    var parser: XMLPushParser? {
        get { parserRef?.takeUnretainedValue() }
        set { parserRef = newValue.map { Unmanaged.passUnretained($0) } }
    }
    @exclusivity(unchecked) private(set) var parserRef: Unmanaged<XMLPushParser>?
    @exclusivity(unchecked) var markupNames: [String] = []
    @exclusivity(unchecked) var pendingOpenTag = false
    @exclusivity(unchecked) var unwrapDepth = 0
    @exclusivity(unchecked) var sawMarkupChild = false

    init(baseURL: String?, onItem: ((ParsedItem) -> Void)?) {
        documentBase = baseURL
        self.onItem = onItem
    }

    var currentBase: String? { bases.last?.url ?? documentBase }

    func resolve(_ reference: String) -> String { URLResolver.resolve(reference, against: currentBase) }

    // MARK: Events

    func startElement(_ tag: XMLStartTag) -> Bool {
        depth += 1
        if ignoreDepth > 0 { return true }
        if field != .none {
            if mode != .plain { markupStart(tag) }
            return true
        }
        if tag.attributeCount > 0, let base = tag.attribute(.base, namespace: NS.xml) {
            bases.append((depth, resolve(base)))
        }
        guard let top = containers.last else {
            if depth == 1 { return root(tag) }
            ignoreDepth = depth
            return true
        }
        switch top.kind {
        case .rssRoot: rssRootChild(tag)
        case .rdfRoot: rdfRootChild(tag)
        case .channel: channelChild(tag)
        case .item: itemIsAtom ? entryChild(tag) : itemChild(tag)
        case .image: imageChild(tag)
        case .skipHours:
            if tag.isName(.hour) { capture(.skipHour) } else { ignoreDepth = depth }
        case .skipDays:
            if tag.isName(.day) { capture(.skipDay) } else { ignoreDepth = depth }
        case .atomFeed: atomFeedChild(tag)
        case .entry: entryChild(tag)
        case .person: personChild(tag)
        case .source: sourceChild(tag)
        case .mediaContent: mediaChild(tag)
        }
        return true
    }

    func endElement(name: Int32, namespace: Int32) {
        defer { depth -= 1 }
        if ignoreDepth > 0 {
            if depth == ignoreDepth { ignoreDepth = 0 }
            if bases.last?.depth == depth { bases.removeLast() }
            return
        }
        if field != .none {
            if depth == fieldDepth {
                finishField()
            } else if mode != .plain {
                markupEnd()
                return
            } else {
                return
            }
        }
        if let top = containers.last, top.depth == depth {
            containers.removeLast()
            close(top.kind)
        }
        if bases.last?.depth == depth { bases.removeLast() }
    }

    func characters(_ text: UnsafeRawBufferPointer) {
        guard field != .none else { return }
        switch mode {
        case .plain:
            buffer.append(text)
        case .markup where depth == fieldDepth:
            closePendingTag()
            buffer.append(text)
        case .markup, .xhtml:
            closePendingTag()
            appendEscaped(text, attribute: false)
        }
    }

    // MARK: Structure

    func push(_ kind: Container) { containers.append((kind, depth)) }

    func ignore() { ignoreDepth = depth }

    /// The root element decides the format (RSS 2.0 §"Required channel
    /// elements", RSS 1.0 §5.2, RFC 4287 §4.1.1, Atom 0.3 §4).
    private func root(_ tag: XMLStartTag) -> Bool {
        let ns = tag.namespace
        if tag.isName(.rss), isRSSCore(ns) {
            let version = tag.attribute(.version)?.trimmingFeedWhitespace() ?? ""
            switch version {
            case "0.90", "0.9": format = .rss090
            case "0.91": format = .rss091
            case "0.92": format = .rss092
            case "0.93": format = .rss093
            case "0.94": format = .rss094
            default: format = .rss20
            }
            push(.rssRoot)
        } else if tag.isName(.RDF), ns == NS.rdf {
            format = .rss10
            push(.rdfRoot)
        } else if tag.isName(.feed), ns == NS.atom || ns == NS.atom03 || ns == NS.none {
            let version = tag.attribute(.version)?.trimmingFeedWhitespace()
            format = ns == NS.atom03 || (ns == NS.none && version == "0.3") ? .atom03 : .atom10
            if let lang = tag.attribute(.lang, namespace: NS.xml) { setLanguage(lang) }
            push(.atomFeed)
        } else {
            let shown = ns == NS.none ? tag.localName : "\(tag.localName) (in namespace \(namespaceName(ns)))"
            notFeedReason = "the root element is <\(shown)>, not <rss>, <rdf:RDF> or <feed>"
            return false
        }
        feed.format = format!
        return true
    }

    private func namespaceName(_ id: Int32) -> String {
        FeedVocabulary.namespaceURIs.first { $0.id == id }?.uri ?? "an unknown namespace"
    }

    /// RSS 0.9x/2.0 elements have no namespace, RSS 1.0 and 0.90 their own.
    @inline(__always) func isRSSCore(_ ns: Int32) -> Bool {
        ns == NS.none || ns == NS.rss10 || ns == NS.rss090 || ns == NS.userland
    }

    /// RSS 0.90 is recognised by its namespace on `channel`/`item` under `rdf:RDF`.
    func noteRDFNamespace(_ ns: Int32) {
        if ns == NS.rss090, format == .rss10 {
            format = .rss090
            feed.format = .rss090
        }
    }

    private func close(_ kind: Container) {
        switch kind {
        case .item, .entry: finishItem()
        case .person: finishPerson()
        default: break
        }
    }

    func startItem(atom: Bool) {
        item = ParsedItem()
        itemPubDate = nil
        itemAltPublished = nil
        itemUpdated = nil
        itemAltUpdated = nil
        itemIsAtom = atom
        push(atom ? .entry : .item)
    }

    /// An `item` that starts inside an unfinished one (a missing `</item>`)
    /// ends the earlier one first.
    func restartItem(atom: Bool) {
        if let top = containers.last, top.kind == .item || top.kind == .entry {
            containers.removeLast()
            finishItem()
        }
        startItem(atom: atom)
    }

    private func finishItem() {
        item.published = itemPubDate ?? itemAltPublished
        item.updated = itemUpdated ?? itemAltUpdated
        if item.link == nil, let guid = item.id, item.idIsPermaLink != false, !itemIsAtom, format != .rss10,
           guid.hasPrefix("http://") || guid.hasPrefix("https://") {
            // RSS 2.0: a guid that is a permalink "is a URL that points to the full item".
            item.link = guid
        }
        // Moved out, not copied: passing the property itself copies the
        // item (a retain per string, then a release when it is reset).
        var finished = ParsedItem()
        swap(&finished, &item)
        if let onItem { onItem(finished) } else { feed.items.append(finished) }
    }

    func startPerson() {
        person = Person()
        push(.person)
    }

    private func finishPerson() {
        guard person.name != nil || person.email != nil || person.uri != nil else { return }
        if containers.last?.kind == .entry || containers.last?.kind == .item {
            item.authors.append(person)
        } else if containers.last?.kind == .atomFeed {
            feed.authors.append(person)
        }
    }

    /// Called when the document ends: an item whose end tag never came is
    /// left out (its text may be cut off, and the tracker would read a cut
    /// title as an edit).
    func finishDocument() {
        if containers.contains(where: { $0.kind == .item || $0.kind == .entry }) {
            notes.append("the document ended inside an item; that item was left out")
        }
        field = .none
        if feed.updated == nil { feed.updated = feedUpdatedAlt }
    }

    func setLanguage(_ value: String) {
        let v = value.trimmingFeedWhitespace()
        if !v.isEmpty, feed.language == nil { feed.language = v }
    }
}

import CLibXML2

/// Receives the events of an `XMLPushParser`, synchronously, from inside
/// `parse(_:)` and `finish()`.
public protocol XMLEventHandler: AnyObject {
    /// Return false to stop parsing (e.g. the root is not a feed).
    func startElement(_ tag: XMLStartTag) -> Bool
    func endElement(name: Int32, namespace: Int32)
    /// Text and CDATA, with entities already decoded once. Valid only
    /// during the call.
    func characters(_ text: UnsafeRawBufferPointer)
}

/// Bounds that keep hostile documents cheap (issue 2, "Hostile input").
public struct XMLParseLimits: Sendable {
    /// Deeper elements stop the parse. libxml2's pull parser stops at 256
    /// too; its push parser has no limit of its own.
    public var maxDepth = 256
    /// Text delivered to the handler may not exceed
    /// max(`minTextBytes`, `textBytesPerInputByte` × input bytes).
    public var minTextBytes = 1 << 20
    public var textBytesPerInputByte = 5
    /// A document-declared entity is expanded only if its value is plain
    /// text of at most this many bytes.
    public var maxEntityValueBytes = 1024
    /// Error messages kept (all are counted).
    public var maxErrors = 100

    public init() {}
}

/// libxml2's SAX2 push parser behind a Swift owner.
///
/// Set up as ../shared/design/platform-notes.md §3 prescribes: a
/// zero-initialised handler (`XML_SAX2_MAGIC`, never `xmlSAXVersion`), our
/// own `user_data`, options NONET | RECOVER | NOWARNING | IGNORE_ENC (the
/// caller transcodes to UTF-8; never NOENT, DTDLOAD, DTDATTR, DTDVALID,
/// XINCLUDE or HUGE). No external subset or external entity is ever
/// loaded: `externalSubset`, `resolveEntity` and `getParameterEntity` are
/// not set, and `getEntity` answers only from `XMLEntityStore`.
///
/// Not thread-safe: one parser per document, used on one thread.
///
/// Its stored properties are `@exclusivity(unchecked)`: they are touched on
/// every SAX event, only from this object's own methods on one thread, and
/// never passed `inout` across a call, so Swift's dynamic exclusivity check
/// (a thread-local access-set update per access, ~9% of a parse in
/// callgrind) guards nothing here.
public final class XMLPushParser {
    @exclusivity(unchecked) private var ctxt: xmlParserCtxtPtr?
    /// The handler, a strong `let`: Swift calls it borrowed, without
    /// reference counting (an `unowned(unsafe)` copy was retained and
    /// released around every event: 2 of the 3 million atomic reference
    /// count operations over 1000 feeds, about 5% of the time).
    private let events: XMLEventHandler
    public let limits: XMLParseLimits
    private let vocabulary: XMLVocabulary
    @exclusivity(unchecked) private var nameTable = PointerTable(capacity: 0)
    /// Interned pointer of each vocabulary name (index = name id).
    private let namePointers: UnsafeMutablePointer<UnsafeRawPointer?>
    private let nameCount: Int
    @exclusivity(unchecked) private var namespaceTable = PointerTable(capacity: 0)
    private let entities = XMLEntityStore()
    @exclusivity(unchecked) private var repair = XMLInputRepair()
    @exclusivity(unchecked) private var depth = 0
    @exclusivity(unchecked) private var finished = false

    /// Error messages (libxml2's, refusals, limits), at most `limits.maxErrors`.
    @exclusivity(unchecked) public private(set) var errors: [String] = []
    /// All errors, including those not kept in `errors`.
    @exclusivity(unchecked) public private(set) var errorCount = 0
    /// Bytes given to `parse(_:)`.
    @exclusivity(unchecked) public private(set) var inputBytes = 0
    /// Text bytes delivered to the handler (entity expansions included).
    @exclusivity(unchecked) public private(set) var textBytes = 0
    /// True once the parse stopped early (a limit, the handler, or libxml2 gave up).
    @exclusivity(unchecked) public private(set) var isStopped = false
    /// Bare `&` characters that were read as text.
    public var bareAmpersands: Int { repair.bareAmpersands }

    /// Options: see the type's documentation.
    static let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_RECOVER.rawValue
        | XML_PARSE_NOWARNING.rawValue | XML_PARSE_IGNORE_ENC.rawValue)

    public init(vocabulary: XMLVocabulary, handler: XMLEventHandler, limits: XMLParseLimits = XMLParseLimits()) {
        LibXML2.ensureInitialized()
        fw_silence_generic_errors()
        self.vocabulary = vocabulary
        events = handler
        self.limits = limits
        nameCount = vocabulary.names.count
        namePointers = .allocate(capacity: max(1, nameCount))
        namePointers.initialize(repeating: nil, count: max(1, nameCount))
        var sax = XMLPushParser.makeSAXHandler()
        guard let c = xmlCreatePushParserCtxt(&sax, nil, nil, 0, nil) else {
            isStopped = true
            record("libxml2 could not create a parser (out of memory)")
            return
        }
        ctxt = c
        c.pointee.userData = Unmanaged.passUnretained(self).toOpaque()
        _ = xmlCtxtUseOptions(c, XMLPushParser.options)
        intern(vocabulary, dict: c.pointee.dict)
    }

    deinit {
        if let c = ctxt {
            // libxml2 builds a "SAX compat" document for internal subsets that
            // xmlFreeParserCtxt does not free (platform notes §3).
            if let d = c.pointee.myDoc {
                c.pointee.myDoc = nil
                xmlFreeDoc(d)
            }
            xmlFreeParserCtxt(c)
        }
        namePointers.deallocate()
    }

    private func intern(_ vocabulary: XMLVocabulary, dict: xmlDictPtr?) {
        nameTable = PointerTable(capacity: vocabulary.names.count)
        for (index, name) in vocabulary.names.enumerated() {
            let p = name.withCString { s in
                s.withMemoryRebound(to: xmlChar.self, capacity: name.utf8.count + 1) { xmlDictLookup(dict, $0, -1) }
            }
            if let p {
                nameTable.insert(UnsafeRawPointer(p), Int32(index))
                namePointers[index] = UnsafeRawPointer(p)
            }
        }
        namespaceTable = PointerTable(capacity: vocabulary.namespaces.count + 32)
        for (uri, id) in vocabulary.namespaces {
            let p = uri.withCString { s in
                s.withMemoryRebound(to: xmlChar.self, capacity: uri.utf8.count + 1) { xmlDictLookup(dict, $0, -1) }
            }
            if let p { namespaceTable.insert(UnsafeRawPointer(p), id) }
        }
    }

    // MARK: Feeding

    /// Parses the next piece of a document. The bytes must be valid UTF-8
    /// (FeedwireCore's `TextDecoder` guarantees it): strings are made from
    /// libxml2's output without validating them again.
    public func parse(_ chunk: UnsafeRawBufferPointer) {
        guard !finished, !chunk.isEmpty else { return }
        fw_silence_generic_errors()
        inputBytes += chunk.count
        // After a stop the repair still scans (nothing is parsed), so what
        // it reports about the document does not depend on where the
        // chunks were cut.
        repair.process(chunk, final: false) { push($0) }
    }

    public func parse(_ chunk: [UInt8]) {
        chunk.withUnsafeBytes { parse($0) }
    }

    /// Ends the document: flushes held-back bytes and lets libxml2 report
    /// what is unfinished.
    public func finish() {
        guard !finished else { return }
        finished = true
        guard let c = ctxt else { return }
        fw_silence_generic_errors()
        repair.process(UnsafeRawBufferPointer(start: nil, count: 0), final: true) { push($0) }
        if !isStopped {
            _ = xmlParseChunk(c, nil, 0, 1)
        }
    }

    private func push(_ bytes: UnsafeRawBufferPointer) {
        guard let c = ctxt, let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count, !isStopped {
            let n = min(bytes.count - offset, 64 * 1024)
            _ = xmlParseChunk(c, (base + offset).assumingMemoryBound(to: CChar.self), Int32(n), 0)
            offset += n
            if c.pointee.instate == XML_PARSER_EOF { isStopped = true }
        }
    }

    /// Stops the parse from inside a handler callback (or between chunks),
    /// optionally recording why.
    public func stop(reason: String? = nil) {
        if let reason { record(reason) }
        if !isStopped, let c = ctxt { xmlStopParser(c) }
        isStopped = true
    }

    /// The current line of the input, for messages.
    public var line: Int {
        guard let input = ctxt?.pointee.input else { return 0 }
        return Int(input.pointee.line)
    }

    func record(_ message: String) {
        errorCount += 1
        if errors.count < limits.maxErrors { errors.append(message) }
    }

    // MARK: Names

    @inline(__always)
    func pointer(forName index: Int32) -> UnsafeRawPointer? {
        guard index >= 0, Int(index) < nameCount else { return nil }
        return namePointers[Int(index)]
    }

    @inline(__always)
    func nameID(_ p: UnsafePointer<xmlChar>) -> Int32 {
        nameTable.lookup(UnsafeRawPointer(p)) ?? XMLVocabulary.unknown
    }

    @inline(__always)
    func namespaceID(_ uri: UnsafePointer<xmlChar>?) -> Int32 {
        guard let uri else { return XMLVocabulary.noNamespace }
        if let id = namespaceTable.lookup(UnsafeRawPointer(uri)) { return id }
        let id = vocabulary.namespaceFallback(String(cString: uri))
        namespaceTable.insert(UnsafeRawPointer(uri), id)
        return id
    }

    /// The text bound as last computed (see `textExceedsLimit`).
    @exclusivity(unchecked) private var textLimit = 0

    /// Whether the text delivered so far exceeds max(`minTextBytes`,
    /// `textBytesPerInputByte` × the input read up to the parser's current
    /// position). The position (`xmlByteConsumed`), not the bytes handed
    /// over so far, keeps the outcome independent of chunk sizes. The
    /// bound is recomputed only when the cached one is passed.
    private func textExceedsLimit() -> Bool {
        if textBytes <= textLimit { return false }
        let position = ctxt.map { Int(max(0, xmlByteConsumed($0))) } ?? inputBytes
        textLimit = max(limits.minTextBytes, limits.textBytesPerInputByte * position)
        return textBytes > textLimit
    }

    // MARK: Events (called by the SAX callbacks)

    func startElement(_ localname: UnsafePointer<xmlChar>, _ uri: UnsafePointer<xmlChar>?, _ count: Int,
                      _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard !isStopped else { return }
        depth += 1
        if depth > limits.maxDepth {
            stop(reason: "line \(line): elements are nested deeper than \(limits.maxDepth) levels; reading stopped there")
            return
        }
        let tag = XMLStartTag(name: nameID(localname), namespace: namespaceID(uri), depth: depth,
                              localNamePointer: localname, attributes: attributes, attributeCount: count, parser: self)
        if !events.startElement(tag) { stop() }
    }

    func endElement(_ localname: UnsafePointer<xmlChar>, _ uri: UnsafePointer<xmlChar>?) {
        guard !isStopped, depth > 0 else { return }
        depth -= 1
        events.endElement(name: nameID(localname), namespace: namespaceID(uri))
    }

    /// Where text goes without a call to the handler: while set, text is
    /// appended here directly (the handler sets it while it captures plain
    /// text: most text events, at a third of the cost of a handler call).
    /// Unowned: the handler that sets it owns the buffer and outlives the parse.
    @exclusivity(unchecked) private var textSink: Unmanaged<ByteBuffer>?
    /// Whether text events reach the handler at all (when no sink is set).
    /// A handler that only wants text while capturing turns this off otherwise.
    @exclusivity(unchecked) private(set) var deliversText = true

    /// Routes text from now on: into `sink` directly, else to the handler
    /// when `toHandler`, else nowhere. (One method rather than two public
    /// properties: setting a property from another module costs a dynamic
    /// exclusivity check.)
    public func routeText(into sink: ByteBuffer?, toHandler: Bool) {
        textSink = sink.map { Unmanaged.passUnretained($0) }
        deliversText = toHandler
    }

    func characters(_ text: UnsafePointer<xmlChar>, _ length: Int) {
        guard !isStopped, length > 0 else { return }
        textBytes += length
        if textExceedsLimit() {
            stop(reason: "line \(line): the document expands to more than \(textLimit) bytes of text; reading stopped there")
            return
        }
        if let textSink {
            textSink._withUnsafeGuaranteedRef { $0.append(text, count: length) }
        } else if deliversText {
            events.characters(UnsafeRawBufferPointer(start: text, count: length))
        }
    }

    func libxmlError(_ error: xmlErrorPtr) {
        let e = error.pointee
        // Warnings (namespace URI style, undeclared entities with an
        // external subset …) do not make a document ill-formed.
        guard e.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        var message = e.message.map { String(cString: $0) } ?? "unknown XML error"
        while message.last == "\n" || message.last == " " { message.removeLast() }
        record("line \(e.line): \(message)")
    }

    func entityDeclaration(_ name: UnsafePointer<xmlChar>, _ type: Int32, _ systemID: UnsafePointer<xmlChar>?,
                           _ content: UnsafePointer<xmlChar>?) {
        let n = String(cString: name)
        let system = systemID.map { " (\"\(String(cString: $0))\")" } ?? ""
        switch UInt32(bitPattern: type) {
        case XML_INTERNAL_GENERAL_ENTITY.rawValue:
            let length = content.map { Int(xmlStrlen($0)) } ?? 0
            let bytes = content.map { Array(UnsafeBufferPointer(start: $0, count: length)) } ?? []
            if bytes.count > limits.maxEntityValueBytes {
                entities.refuse(name: n)
                record("line \(line): entity &\(n); was not expanded: its value is longer than \(limits.maxEntityValueBytes) bytes")
            } else if bytes.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "<") }) {
                entities.refuse(name: n)
                record("line \(line): entity &\(n); was not expanded: its value contains markup or references")
            } else {
                _ = entities.declare(name: n, text: bytes)
            }
        case XML_EXTERNAL_GENERAL_PARSED_ENTITY.rawValue, XML_EXTERNAL_GENERAL_UNPARSED_ENTITY.rawValue:
            entities.refuse(name: n)
            record("line \(line): external entity &\(n);\(system) was not loaded")
        default:
            record("line \(line): parameter entity %\(n);\(system) was not expanded")
        }
    }

    func externalSubset(_ externalID: UnsafePointer<xmlChar>?, _ systemID: UnsafePointer<xmlChar>?) {
        guard externalID != nil || systemID != nil else { return }
        let what = systemID.map { "\"\(String(cString: $0))\"" } ?? externalID.map { "\"\(String(cString: $0))\"" } ?? ""
        record("line \(line): the document type refers to an external DTD \(what), which was not loaded")
    }

    func entity(_ name: UnsafePointer<xmlChar>) -> xmlEntityPtr? {
        guard let c = ctxt else { return nil }
        // libxml2 drops every later entity reference once `wellFormed` is 0
        // (xmlParseReference); we keep our own error list instead.
        c.pointee.wellFormed = 1
        let state = c.pointee.instate
        if state == XML_PARSER_DTD || state == XML_PARSER_ENTITY_DECL || state == XML_PARSER_ENTITY_VALUE {
            // Declaration bookkeeping: answer only for what the document declared.
            guard let entry = entities.resolve(name: String(cString: name)), entry.kind == .declared else { return nil }
            return entry.entity
        }
        guard let entry = entities.resolve(name) else { return nil }
        let inAttribute = state == XML_PARSER_ATTRIBUTE_VALUE
        entry.entity.pointee.etype = inAttribute ? XML_INTERNAL_GENERAL_ENTITY : XML_INTERNAL_PREDEFINED_ENTITY
        // "Already checked, no '<'": libxml2 then neither re-parses the value
        // nor scans it for markup before keeping the reference in an attribute.
        entry.entity.pointee.checked = 2
        switch entry.kind {
        case .declared, .refused: break
        case .html: record("line \(line): entity &\(String(cString: name)); is not declared; read as the HTML character")
        case .literal: record("line \(line): entity &\(String(cString: name)); is not declared; kept as text")
        }
        // Text expanded in content is counted when it reaches `characters`.
        return entry.entity
    }

    /// Expands `&#38;` (libxml2's spelling of `&amp;` in attribute values)
    /// and the entity references libxml2 kept, in one left-to-right pass.
    func expandAttributeReferences(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "&"), let semi = (i + 1..<min(n, i + 66)).first(where: { bytes[$0] == UInt8(ascii: ";") }) {
                let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + 1)..<semi]), as: UTF8.self)
                if name == "#38" {
                    out.append(UInt8(ascii: "&"))
                    i = semi + 1
                    continue
                }
                if let entry = entities.resolve(name: name) {
                    textBytes += entry.text.count
                    if textExceedsLimit() {
                        stop(reason: "line \(line): the document expands to more than \(textLimit) bytes of text; reading stopped there")
                        break
                    }
                    out.append(contentsOf: entry.text)
                    i = semi + 1
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

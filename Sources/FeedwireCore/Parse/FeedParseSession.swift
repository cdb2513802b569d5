import FeedwireXML

/// Parses one document fed in chunks, for callers that must not hold the
/// whole document or all its items (the CLI on a 50 MB feed).
///
/// With `onItem`, each item is handed over as soon as its end tag is read
/// and `finish()` returns the feed without items; without it the items are
/// collected in the result. Decoding starts once the charset is known (the
/// first few bytes, at most `CharsetSniffer.maxHead`); a document that is
/// not a feed is reported as soon as its root element shows it.
public final class FeedParseSession {
    /// The size of the pieces `FeedParser.parse` feeds (libcurl hands over
    /// at most 16 KiB; files are read in 256 KiB).
    public static let chunkSize = 64 * 1024

    public let options: FeedParseOptions
    private let onItem: ((ParsedItem) -> Void)?
    private var head: [UInt8] = []
    private var decoder: TextDecoder?
    private var route = Route.undecided
    private var pendingText: [UInt8] = []
    private var json: [UInt8] = []
    private var reader: XMLFeedReader?
    private var parser: XMLPushParser?
    private var failure: FeedParseError?
    private var finished = false
    /// Bytes given to `consume` so far.
    public private(set) var bytesRead = 0

    private enum Route { case undecided, xml, json }

    public init(options: FeedParseOptions = FeedParseOptions(), onItem: ((ParsedItem) -> Void)? = nil) {
        self.options = options
        self.onItem = onItem
    }

    /// Reads the next piece of the document. Throws once it is clear the
    /// document is not a feed; later calls throw the same error.
    public func consume(_ bytes: UnsafeRawBufferPointer) throws(FeedParseError) {
        if let failure { throw failure }
        guard !finished, !bytes.isEmpty else { return }
        bytesRead += bytes.count
        if let decoder {
            decoder.decode(bytes, final: false) { route($0) }
        } else if head.isEmpty, bytes.count >= CharsetSniffer.maxHead {
            // The usual first chunk holds everything the charset decision
            // needs: decide on a copy of its head and decode it in place.
            let first = Array(UnsafeRawBufferPointer(rebasing: bytes[0..<CharsetSniffer.maxHead]))
            start(CharsetSniffer.decide(head: first, transport: options.charset, final: false)
                ?? CharsetSniffer.Decision(charset: "utf-8", bomLength: 0), final: false, bytes: bytes)
        } else {
            head.appendRaw(bytes)
            if let decision = CharsetSniffer.decide(head: head, transport: options.charset, final: false) {
                start(decision, final: false)
            }
        }
        if let failure { throw failure }
    }

    public func consume(_ bytes: [UInt8]) throws(FeedParseError) {
        let failure: FeedParseError? = bytes.withUnsafeBytes { raw in
            do throws(FeedParseError) { try consume(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Ends the document and returns what was read.
    public func finish() throws(FeedParseError) -> ParsedFeed {
        if let failure { throw failure }
        guard !finished else { throw FeedParseError(message: "not a feed: the parse session was already finished") }
        finished = true
        if decoder == nil {
            guard !head.isEmpty else { throw FeedParseError(message: "not a feed: the document is empty") }
            start(CharsetSniffer.decide(head: head, transport: options.charset, final: true)
                ?? CharsetSniffer.Decision(charset: "utf-8", bomLength: 0), final: true)
        } else {
            decoder?.decode(UnsafeRawBufferPointer(start: nil, count: 0), final: true) { route($0) }
        }
        if let failure { throw failure }
        guard let decoder else { throw FeedParseError(message: "not a feed: the document is empty") }
        switch route {
        case .undecided:
            throw FeedParseError(message: "not a feed: the document contains only white space")
        case .json:
            var feed = try JSONFeedReader.read(json, baseURL: options.baseURL, onItem: onItem)
            json = []
            feed.encoding = decoder.encodingName
            feed.errors = decoder.errors
            feed.wellFormed = feed.errors.isEmpty
            return feed
        case .xml:
            guard let parser, let reader else { throw FeedParseError(message: "not a feed: the document is empty") }
            parser.finish()
            if let reason = reader.notFeedReason { throw FeedParseError(message: "not a feed: \(reason)") }
            guard reader.format != nil else {
                let why = parser.errors.first.map { " (\($0))" } ?? ""
                throw FeedParseError(message: "not a feed: no XML element was found\(why)")
            }
            reader.finishDocument()
            var feed = reader.feed
            feed.encoding = decoder.encodingName
            var errors = decoder.errors
            if parser.bareAmpersands > 0 {
                let n = parser.bareAmpersands
                errors.append("\(n) '&' character\(n == 1 ? "" : "s") that start\(n == 1 ? "s" : "") no entity reference \(n == 1 ? "was" : "were") read as text")
            }
            errors += parser.errors
            if parser.errorCount > parser.errors.count {
                errors.append("… and \(parser.errorCount - parser.errors.count) more errors")
            }
            errors += reader.notes
            feed.errors = errors
            feed.wellFormed = errors.isEmpty
            return feed
        }
    }

    /// Starts decoding with the decided charset, from `head` or (when the
    /// decision came from the first chunk alone) from `bytes`.
    private func start(_ decision: CharsetSniffer.Decision, final: Bool, bytes: UnsafeRawBufferPointer? = nil) {
        let first = bytes.map { Array($0.prefix(2)) } ?? Array(head.prefix(2))
        if first == [0x1F, 0x8B] {
            failure = FeedParseError(message: "not a feed: the data is gzip-compressed; decompress it first")
            return
        }
        let decoder = TextDecoder(charset: decision.charset)
        self.decoder = decoder
        if let bytes {
            decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[min(decision.bomLength, bytes.count)...]), final: final) { route($0) }
            return
        }
        let buffered = head
        head = []
        buffered.withUnsafeBytes { raw in
            decoder.decode(UnsafeRawBufferPointer(rebasing: raw[min(decision.bomLength, raw.count)...]), final: final) { route($0) }
        }
    }

    /// Sends decoded text on: to libxml2, or into the JSON buffer, once the
    /// first character that is not white space tells which.
    private func route(_ text: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        switch route {
        case .xml:
            parser?.parse(text)
            if let reason = reader?.notFeedReason { failure = FeedParseError(message: "not a feed: \(reason)") }
        case .json:
            json.append(contentsOf: text)
        case .undecided:
            guard let first = text.firstIndex(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
                pendingText.append(contentsOf: text)
                return
            }
            if text[first] == UInt8(ascii: "{") || text[first] == UInt8(ascii: "[") {
                route = .json
                json = pendingText
                json.append(contentsOf: text)
            } else {
                route = .xml
                let reader = XMLFeedReader(baseURL: options.baseURL, onItem: onItem)
                self.reader = reader
                let parser = XMLPushParser(vocabulary: FeedVocabulary.xml, handler: reader)
                reader.parser = parser
                parser.routeText(into: nil, toHandler: false)
                self.parser = parser
                if !pendingText.isEmpty { pendingText.withUnsafeBytes { parser.parse($0) } }
                parser.parse(text)
                if let reason = reader.notFeedReason { failure = FeedParseError(message: "not a feed: \(reason)") }
            }
            pendingText = []
        }
    }
}

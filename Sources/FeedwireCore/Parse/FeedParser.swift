/// What a caller knows about a document besides its bytes.
public struct FeedParseOptions: Sendable {
    /// The document's URL: the base for relative links (after `xml:base`).
    /// Nil leaves relative links as they are.
    public var baseURL: String?
    /// The charset HTTP's `Content-Type` gave, if any. A byte-order mark
    /// still wins over it; it wins over the XML declaration.
    public var charset: String?

    public init(baseURL: String? = nil, charset: String? = nil) {
        self.baseURL = baseURL
        self.charset = charset
    }
}

/// The document is not a feed at all (an HTML page, an empty body, JSON
/// that is not a JSON Feed …). Recoverable problems inside a feed are not
/// errors: they are listed in `ParsedFeed.errors`.
public struct FeedParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Starts with "not a feed: ".
    public var message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}

/// Reads RSS 0.90–2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and JSON Feed 1.0/1.1
/// documents into `ParsedFeed` (field meanings: ../shared/contracts/parse-json.md).
///
/// Safe on hostile input: libxml2 is used as a SAX2 push parser that loads
/// nothing external and expands only small plain-text entities the document
/// declares; text and nesting are bounded (see `XMLPushParser`).
public enum FeedParser {
    /// Parses a whole document held in memory.
    public static func parse(_ bytes: [UInt8], options: FeedParseOptions) throws(FeedParseError) -> ParsedFeed {
        let session = FeedParseSession(options: options)
        let failure: FeedParseError? = bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(raw.count, offset + FeedParseSession.chunkSize)
                do throws(FeedParseError) {
                    try session.consume(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                } catch {
                    return error
                }
                offset = end
            }
            return nil
        }
        if let failure { throw failure }
        return try session.finish()
    }
}

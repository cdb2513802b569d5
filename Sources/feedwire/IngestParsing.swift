import FeedwireCore

/// The feed parser as `ingest` uses it.
enum IngestParsing {
    static func parse(_ bytes: [UInt8], base: String?) throws -> ParsedFeed {
        try FeedParser.parse(bytes, options: FeedParseOptions(baseURL: base))
    }
}

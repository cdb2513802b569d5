import FeedwireCore

/// The feed parser as `ingest` uses it.
enum IngestParsing {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String { "the feed parser is not part of this build yet" }
    }

    static func parse(_ bytes: [UInt8], base: String?) throws -> ParsedFeed {
        throw Unavailable()
    }
}

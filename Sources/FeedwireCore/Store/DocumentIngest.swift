/// The path of one fetched (or saved) document into the store, shared by
/// `feedwire ingest` and the daemon's refresher: identical bytes are
/// recognised by their hash and never parsed again (they cannot change
/// anything — Miniflux does the same); anything else is parsed and
/// reconciled in one transaction.
public enum DocumentIngest {
    public enum Result: Sendable, Equatable {
        /// The bytes equal the last reconciled document: nothing to do.
        case unchanged
        /// Parsed and reconciled.
        case refreshed(RefreshOutcome, PollHints)
        /// The bytes are not a feed (the parser's message); with a fetch
        /// record, the failure is recorded as `.parseError`.
        case notAFeed(String)
    }

    /// - Parameters:
    ///   - base: the document's URL (relative links resolve against it; part of the hash).
    ///   - fetch: bookkeeping for a real fetch (nil for `ingest`: an unchanged
    ///     document then writes nothing at all).
    ///   - parse: the feed parser (`FeedParser.parse` with the base URL).
    ///   - createWithURL: create an unknown feed with this URL (`ingest`).
    public static func run(store: StateStore, feed: String, bytes: [UInt8], base: String?, now: Timestamp,
                           policy: TrackPolicy, fetch: FetchRecord?, createWithURL: String? = nil,
                           parse: ([UInt8]) throws -> ParsedFeed, route: (EventWithItem) -> [String]) throws -> Result {
        let hash = Fingerprint.document(bytes, base: base)
        if try store.feedState(named: feed)?.documentHash == hash {
            if var fetch {
                fetch.outcome = .unchanged
                try store.recordFetch(feed: feed, fetch, route: route)
            }
            return .unchanged
        }
        let document: ParsedFeed
        do {
            document = try parse(bytes)
        } catch {
            let message = "\(error)"
            if var fetch {
                fetch.outcome = .parseError
                fetch.error = "feed \(feed): \(message)"
                try store.recordFetch(feed: feed, fetch, route: route)
            }
            return .notAFeed(message)
        }
        let outcome = try store.refresh(RefreshRequest(feed: feed, document: document, documentHash: hash, fetch: fetch,
                                                       now: now, policy: policy, createWithURL: createWithURL), route: route)
        return .refreshed(outcome, document.pollHints)
    }
}

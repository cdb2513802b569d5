extension FetchRecord {
    /// The store's bookkeeping for a classified fetch (`FetchOutcome`), for
    /// the daemon's refresher. A 2xx with content becomes `.updated` here;
    /// pass the record to `refresh` (or `DocumentIngest.run`), which turns it
    /// into `.unchanged` or `.parseError` when that is what happened.
    public init(_ outcome: FetchOutcome, at: Timestamp, nextDue: Timestamp? = nil, failingAfter: Int = 3) {
        let kind: Outcome
        switch outcome.kind {
        case .ok, .moved: kind = .updated
        case .notModified: kind = .notModified
        case .gone: kind = .gone
        case .notFound, .rateLimited, .unavailable, .clientError, .serverError, .unexpectedStatus: kind = .httpError
        case .timeout, .tooLarge, .tls, .dns, .connect, .refused, .tooManyRedirects, .protocolNotAllowed, .invalidURL,
             .cancelled, .failed:
            kind = .networkError
        }
        self.init(at: at, outcome: kind, httpStatus: outcome.status, error: outcome.isSuccess ? nil : outcome.message,
                  validators: outcome.isSuccess ? outcome.validators : nil, movedTo: outcome.movedTo, nextDue: nextDue,
                  failingAfter: failingAfter)
    }
}

extension FeedState {
    /// What the poll policy needs to know about the feed's publishing
    /// (`watchingSince` is the baseline; after a baseline, `lastNewItemAt`
    /// starts at the newest item's publication date).
    public var publishingStats: PublishingStats {
        PublishingStats(lastNewItemAt: lastNewItemAt.map { Double($0.seconds) },
                        watchingSince: baselineAt.map { Double($0.seconds) })
    }
}

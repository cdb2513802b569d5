/// Everything the scheduler knows about one feed between refreshes. The
/// daemon starts from what the store remembers (the lead maps stored rows
/// onto this: last fetch time, failures, hints, redirect, gone) and hands the
/// updated value to `DaemonHooks.afterRefresh` after every refresh.
public struct FeedPollState: Sendable, Equatable {
    /// When the last refresh started (nil: never fetched, part of the first sync).
    public var lastAttempt: Double?
    /// When the last refresh finished.
    public var lastFinished: Double?
    /// When a refresh last succeeded (200 or 304).
    public var lastSuccess: Double?
    public var consecutiveFailures: Int = 0
    /// Do not poll before this time (from `Retry-After`).
    public var notBefore: Double?
    /// Last known document hints (kept across 304s and failures).
    public var pollHints: PollHints?
    public var publishing = PublishingStats()
    public var lastOutcome: PollOutcome?
    public var lastStatus: Int?
    public var lastCache = CacheHints()
    /// The last failure's message.
    public var lastError: String?
    /// The URL that answered 410. The feed stays disabled while that is the
    /// URL it would fetch; changing `url` in `feeds.conf` re-enables it.
    public var goneURL: String?
    /// A permanent redirect: `movedTo` is fetched instead of `movedFrom`
    /// for as long as `feeds.conf` still says `movedFrom`.
    public var movedFrom: String?
    public var movedTo: String?
    /// When the scheduler will poll next (nil: not scheduled).
    public var nextDue: Double?
    /// The reason for the last computed delay.
    public var lastReason: PollDecision.Reason?

    public init() {}

    public var neverFetched: Bool { lastAttempt == nil }
    public var isFailing: Bool { consecutiveFailures > 0 }

    /// The address to fetch for a feed configured with `configuredURL`.
    public func effectiveURL(configured configuredURL: String) -> String {
        if let movedFrom, let movedTo, movedFrom == configuredURL { return movedTo }
        return configuredURL
    }

    /// True when the address we would fetch answered 410 Gone.
    public func isGone(configured configuredURL: String) -> Bool {
        guard let goneURL else { return false }
        return goneURL == effectiveURL(configured: configuredURL)
    }

    /// Folds a finished refresh in. `configuredURL` is the feed's URL in
    /// `feeds.conf` when the refresh started.
    public mutating func record(_ report: RefreshReport, configuredURL: String, startedAt: Double, now: Double) {
        let fetchedURL = effectiveURL(configured: configuredURL)
        lastAttempt = startedAt
        lastFinished = now
        lastOutcome = report.outcome
        lastStatus = report.httpStatus
        lastCache = report.cache
        if let target = report.movedTo, target != fetchedURL {
            if target == configuredURL {
                (movedFrom, movedTo) = (nil, nil)
            } else {
                (movedFrom, movedTo) = (configuredURL, target)
            }
        }
        switch report.outcome {
        case .changed, .notModified:
            consecutiveFailures = 0
            lastSuccess = now
            lastError = nil
            notBefore = nil
            if publishing.watchingSince == nil { publishing.watchingSince = now }
            if report.newItems > 0 { publishing.lastNewItemAt = now }
            if let hints = report.pollHints { pollHints = hints }
        case .failed:
            consecutiveFailures += 1
            lastError = report.failure
            notBefore = report.retryAfter.map { now + $0 }
        case .gone:
            goneURL = effectiveURL(configured: configuredURL)
            lastError = report.failure
            notBefore = nil
        }
    }

    /// The policy inputs for the refresh just recorded.
    public func inputs(feedInterval: Double?, retryAfter: Double?) -> PollInputs {
        PollInputs(now: lastFinished ?? lastAttempt ?? 0, startedAt: lastAttempt, feedInterval: feedInterval,
                   outcome: lastOutcome ?? .notModified, consecutiveFailures: consecutiveFailures,
                   retryAfter: retryAfter, cache: lastCache, hints: pollHints ?? PollHints(), publishing: publishing)
    }

    /// Forgets per-URL knowledge when the operator changed the feed's URL:
    /// failures, hints, caching and the redirect belonged to the old address.
    public mutating func urlChanged() {
        consecutiveFailures = 0
        notBefore = nil
        pollHints = nil
        lastCache = CacheHints()
        lastError = nil
        movedFrom = nil
        movedTo = nil
        goneURL = nil
    }
}

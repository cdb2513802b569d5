/// The seams between the daemon loop and the pipeline stages. The daemon
/// (`DaemonRunner`) decides *when*; the stages behind these protocols do the
/// work (fetch → parse → track/store → publish/notify).

/// What one refresh of one feed came to, as far as the loop cares. The real
/// refresher builds it from the fetch (`init(fetch:…)` maps a `FetchOutcome`)
/// and what parsing and storing found:
///
/// | fetch / pipeline result | report |
/// |---|---|
/// | `ok`, `moved`: parsed and stored | `.changed` with new/updated counts and the document's hints |
/// | `notModified` | `.notModified` |
/// | `gone` (410) | `.gone` |
/// | `rateLimited`/`unavailable` (429/503) | `.failed` with `retryAfter` |
/// | any other failure, or a body that is not a feed | `.failed` with the message |
/// | a permanent redirect (`movedTo` set) | the same, with `movedTo` |
public struct RefreshReport: Sendable, Equatable {
    public var outcome: PollOutcome
    /// Final HTTP status, when there was a response.
    public var httpStatus: Int?
    /// `Retry-After`, seconds (429/503), already clamped to [1 s, 24 h].
    public var retryAfter: Double?
    /// The response's caching headers (a 304 carries them too).
    public var cache: CacheHints
    /// The document's poll hints; nil when no document was parsed (304,
    /// failure): the daemon keeps the last known ones.
    public var pollHints: PollHints?
    /// Items seen for the first time, and items whose content really changed.
    public var newItems: Int
    public var updatedItems: Int
    /// For a failure: what happened and what to do, naming the feed's URL
    /// (user-facing; never a secret).
    public var failure: String?
    /// Target of a permanent redirect (301/308). The refresher has stored it;
    /// the daemon fetches it from now on and tells the operator to update
    /// `feeds.conf`.
    public var movedTo: String?

    public init(outcome: PollOutcome, httpStatus: Int? = nil, retryAfter: Double? = nil, cache: CacheHints = CacheHints(),
                pollHints: PollHints? = nil, newItems: Int = 0, updatedItems: Int = 0, failure: String? = nil,
                movedTo: String? = nil) {
        self.outcome = outcome
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
        self.cache = cache
        self.pollHints = pollHints
        self.newItems = newItems
        self.updatedItems = updatedItems
        self.failure = failure
        self.movedTo = movedTo
    }

    /// Maps a fetch outcome. For `ok`/`moved`, pass what the parse and the
    /// store found; if the body turned out not to be a feed, report
    /// `.failed(message)` instead (keeping `cache` and `movedTo` if you like).
    public init(fetch: FetchOutcome, newItems: Int = 0, updatedItems: Int = 0, hints: PollHints? = nil) {
        let outcome: PollOutcome
        switch fetch.kind {
        case .ok, .moved: outcome = .changed
        case .notModified: outcome = .notModified
        case .gone: outcome = .gone
        default: outcome = .failed
        }
        self.init(outcome: outcome, httpStatus: fetch.status, retryAfter: fetch.retryAfter.map(Double.init),
                  cache: fetch.cache, pollHints: outcome == .changed ? hints : nil, newItems: newItems,
                  updatedItems: updatedItems, failure: fetch.isSuccess ? nil : fetch.message, movedTo: fetch.movedTo)
    }

    public static func changed(newItems: Int = 0, updatedItems: Int = 0, hints: PollHints = PollHints(),
                               cache: CacheHints = CacheHints(), movedTo: String? = nil) -> RefreshReport {
        RefreshReport(outcome: .changed, httpStatus: 200, cache: cache, pollHints: hints, newItems: newItems,
                      updatedItems: updatedItems, movedTo: movedTo)
    }

    public static func notModified(cache: CacheHints = CacheHints()) -> RefreshReport {
        RefreshReport(outcome: .notModified, httpStatus: 304, cache: cache)
    }

    public static func failed(_ message: String, status: Int? = nil, retryAfter: Double? = nil) -> RefreshReport {
        RefreshReport(outcome: .failed, httpStatus: status, retryAfter: retryAfter, failure: message)
    }

    public static func gone(status: Int = 410) -> RefreshReport {
        RefreshReport(outcome: .gone, httpStatus: status)
    }
}

/// Refreshes one feed: fetch (conditional, with the stored validators),
/// parse, reconcile and store in one transaction, enqueue notifications.
///
/// Contract: `completion` is called exactly once, on any thread. The daemon
/// never calls `refresh` for a feed whose previous refresh has not completed.
/// `feed.url` is the address to fetch: the daemon substitutes the target of
/// a stored permanent redirect while `feeds.conf` still names the old URL.
public protocol FeedRefresher: AnyObject, Sendable {
    func refresh(feed: FeedConfig, completion: @escaping @Sendable (RefreshReport) -> Void)
}

/// Something the daemon must stop in order on SIGTERM: the delivery worker,
/// the publisher, the store (commit and close) …
public protocol DaemonComponent: AnyObject, Sendable {
    /// Shown in logs ("stopping delivery").
    var componentName: String { get }
    /// Finish or abandon work by `deadline` (Unix seconds), then call
    /// `completion` exactly once, on any thread. The daemon moves on at the
    /// deadline even if `completion` never comes.
    func shutdown(deadline: Double, completion: @escaping @Sendable () -> Void)
}

/// What the daemon calls into, all on the daemon's serial queue. Keep each
/// short: hop to your own queue for file or network I/O.
public struct DaemonHooks: Sendable {
    /// After the schedule is built and before `READY=1`: start workers here.
    public var ready: @Sendable () -> Void
    /// After every refresh, with the feed as configured (not the redirected
    /// URL), the report and the feed's updated poll state (persist it if the
    /// store keeps scheduling state). Publish outputs, poke the delivery worker.
    public var afterRefresh: @Sendable (FeedConfig, RefreshReport, FeedPollState) -> Void
    /// No refresh is in flight any more (a wave finished): a good moment to
    /// write merged outputs once instead of once per feed.
    public var settled: @Sendable () -> Void
    /// SIGHUP installed a new valid configuration (old, new): rebuild outputs
    /// and notifiers. Feeds are the daemon's business.
    public var reloaded: @Sendable (FeedwireConfig, FeedwireConfig) -> Void
    /// Whether the store is usable (last transaction succeeded, database
    /// open). Feeds `/healthz` and the watchdog.
    public var storeHealthy: @Sendable () -> Bool

    public init(ready: @escaping @Sendable () -> Void = {},
                afterRefresh: @escaping @Sendable (FeedConfig, RefreshReport, FeedPollState) -> Void = { _, _, _ in },
                settled: @escaping @Sendable () -> Void = {},
                reloaded: @escaping @Sendable (FeedwireConfig, FeedwireConfig) -> Void = { _, _ in },
                storeHealthy: @escaping @Sendable () -> Bool = { true }) {
        self.ready = ready
        self.afterRefresh = afterRefresh
        self.settled = settled
        self.reloaded = reloaded
        self.storeHealthy = storeHealthy
    }
}

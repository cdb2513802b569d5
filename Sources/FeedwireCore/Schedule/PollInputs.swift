/// The values the poll policy decides from. Small value types, so the policy
/// depends on nothing but the fetch layer's `CacheHints`: the daemon maps
/// each refresh onto them (see `RefreshReport`).

/// `[daemon]` interval settings plus the policy's fixed rules.
public struct PollBounds: Sendable, Equatable {
    /// `[daemon] interval`: used when a feed sets no `interval` of its own.
    public var defaultInterval: Double
    /// `[daemon] min_interval`: no computed delay is ever shorter.
    public var floor: Double
    /// `[daemon] max_interval`: no computed delay is ever longer (also the cap of failure backoff).
    public var ceiling: Double
    /// `[daemon] jitter`: fraction of the delay by which a poll may come early.
    public var jitter: Double
    /// Silence after which a feed counts as quiet, and the step of the adaptive stretch.
    public var quietStep: Double = 86_400
    /// The adaptive stretch never exceeds this multiple of the configured interval.
    public var maxAdaptiveFactor: Double = 4
    /// A publisher hint can slow a feed on the default interval down to this, no further.
    public var hintCap: Double = 3_600

    public init(defaultInterval: Double = 15 * 60, floor: Double = 60, ceiling: Double = 86_400, jitter: Double = 0.1) {
        self.floor = max(1, floor)
        self.ceiling = max(self.floor, ceiling)
        self.defaultInterval = defaultInterval
        self.jitter = min(max(jitter, 0), 0.5)
    }

    public init(settings: DaemonSettings) {
        self.init(defaultInterval: settings.interval, floor: settings.minInterval, ceiling: settings.maxInterval,
                  jitter: settings.jitter)
    }

    /// Clamps a delay into [floor, ceiling].
    public func clamp(_ seconds: Double) -> Double { min(max(seconds, floor), ceiling) }
}

/// How a refresh ended, as far as scheduling cares.
public enum PollOutcome: String, Sendable, Equatable, CaseIterable {
    /// 200 and the document was processed (whether or not anything was new).
    case changed
    /// 304 Not Modified.
    case notModified = "not_modified"
    /// Transport error, HTTP error (including 429/503), or a body that is not a feed.
    case failed
    /// 410 Gone: stop polling (RFC 9110 §15.5.11: "likely to be permanent").
    case gone
}

/// What the daemon has observed about a feed's publishing.
public struct PublishingStats: Sendable, Equatable {
    /// When a new item last appeared in the feed (first seen by us).
    public var lastNewItemAt: Double?
    /// When we first fetched the feed successfully.
    public var watchingSince: Double?

    public init(lastNewItemAt: Double? = nil, watchingSince: Double? = nil) {
        self.lastNewItemAt = lastNewItemAt
        self.watchingSince = watchingSince
    }

    /// Seconds without a new item, or nil when we have not watched it yet.
    public func silence(at now: Double) -> Double? {
        guard let since = lastNewItemAt ?? watchingSince else { return nil }
        return max(0, now - since)
    }
}

/// Everything one scheduling decision needs.
public struct PollInputs: Sendable, Equatable {
    /// When the refresh finished: the decision time.
    public var now: Double
    /// When the refresh started. Regular intervals count from here, so a
    /// feed configured at 1 min is polled every minute even when a refresh
    /// takes 20 s. Nil: `now`.
    public var startedAt: Double?
    /// The feed's own `interval`, nil when it uses `[daemon] interval`.
    public var feedInterval: Double?
    public var outcome: PollOutcome
    /// Consecutive failures including this one (0 after a success).
    public var consecutiveFailures: Int
    /// `Retry-After` in seconds (429/503), already clamped by the fetch layer.
    public var retryAfter: Double?
    public var cache: CacheHints
    /// The document's hints (RSS `ttl`, `skipHours`, `skipDays`, `sy:`), the
    /// last known ones when this response had no body.
    public var hints: PollHints
    public var publishing: PublishingStats

    public init(now: Double, startedAt: Double? = nil, feedInterval: Double? = nil, outcome: PollOutcome,
                consecutiveFailures: Int = 0, retryAfter: Double? = nil, cache: CacheHints = CacheHints(),
                hints: PollHints = PollHints(), publishing: PublishingStats = PublishingStats()) {
        self.now = now
        self.startedAt = startedAt
        self.feedInterval = feedInterval
        self.outcome = outcome
        self.consecutiveFailures = consecutiveFailures
        self.retryAfter = retryAfter
        self.cache = cache
        self.hints = hints
        self.publishing = publishing
    }
}

/// The policy's answer.
public struct PollDecision: Sendable, Equatable {
    /// What set the delay, for logs and `STATUS=`.
    public enum Reason: String, Sendable, Equatable {
        case interval
        case adaptive
        case cache = "max-age"
        case ttl
        case syndication = "sy:updatePeriod"
        case backoff
        case retryAfter = "retry-after"
        case gone
    }

    /// Absolute time of the next poll; nil: never (the feed is disabled).
    public var next: Double?
    /// The delay before jitter and skips, within [floor, ceiling].
    public var delay: Double
    public var reason: Reason
    /// True when `skipHours`/`skipDays` pushed the poll later.
    public var skipped: Bool

    public init(next: Double?, delay: Double, reason: Reason, skipped: Bool = false) {
        self.next = next
        self.delay = delay
        self.reason = reason
        self.skipped = skipped
    }
}

/// When to poll a feed next: a pure function of the last refresh, the
/// feed's configuration and the time, with randomness passed in.
///
/// The rules, in order:
///
/// 1. **Configured interval.** The feed's `interval`, else `[daemon] interval`,
///    clamped to [`min_interval`, `max_interval`].
/// 2. **Adaptive stretch.** A feed that has published nothing for a whole day
///    is polled less often: ×(1 + whole days of silence), at most ×4 and never
///    beyond the ceiling. It is never polled *faster* than configured, and the
///    first refresh that brings a new item resets the silence, so the very
///    next delay is the configured interval again. A busy feed (something new
///    every day) therefore always runs at its configured interval: a feed set
///    to 1 min is polled every minute, which the newsroom's promise ("an alert
///    within one poll interval") needs. Silence is measured from the last new
///    item, or from the first fetch when none has been seen.
/// 3. **Publisher hints** — HTTP freshness (`Cache-Control: max-age`, or
///    `Expires − Date`, RFC 9111 §4.2.1), RSS 2.0 `<ttl>` (minutes), the
///    Syndication module's `sy:updatePeriod`/`sy:updateFrequency`, and RSS
///    `skipHours`/`skipDays` (GMT) — may only slow polling down, and only for
///    feeds that use the default interval. There they stretch the delay to at
///    most `max(configured, min(hint, 1 h))`.
///
///    Why not honour them everywhere: most such hints are CMS boilerplate, not
///    a publisher's wish. WordPress emits `sy:updatePeriod hourly` on every
///    feed and Ghost (the Kyiv Independent's CMS) emits `<ttl>60</ttl>`;
///    honouring them would turn every newsroom source the operator set to
///    "5m" into an hourly one and break the alert promise. An operator who
///    writes `interval` for a feed has decided; conditional requests (ETag,
///    Last-Modified → 304) keep such polling cheap for the publisher. For
///    feeds on the default interval we are polite, but cap the hint at 1 h so
///    a `max-age=86400` from a misconfigured CDN cannot hide a day of news.
/// 4. **Failures** back off from the configured interval: the first failure
///    retries after one interval (a blip costs nothing), each further
///    consecutive failure doubles it, up to the ceiling (24 h by default),
///    like GitLab's webhook backoff. `Retry-After` (429/503) is a minimum:
///    the delay is the larger of the backoff and the server's demand.
/// 5. **410 Gone** disables the feed: no next poll.
/// 6. **Jitter.** Regular polls come *early* by up to `jitter` × delay
///    (never below the floor), so a thousand feeds configured together drift
///    apart while no feed is ever polled later than its interval; a
///    `Retry-After` delay is spread *later* instead (never earlier than asked).
///
/// Regular delays count from when the refresh started; failure delays from
/// when it ended. Everything stays within [floor, ceiling].
public struct PollPolicy: Sendable, Equatable {
    public var bounds: PollBounds

    public init(bounds: PollBounds) { self.bounds = bounds }

    public init(settings: DaemonSettings) { self.bounds = PollBounds(settings: settings) }

    /// Rule 1: the feed's interval, or the default, within [floor, ceiling].
    public func configuredInterval(feedInterval: Double?) -> Double {
        bounds.clamp(feedInterval ?? bounds.defaultInterval)
    }

    /// Rule 2: 1 while the feed publishes at least daily; 1 + whole days of
    /// silence after that, at most `maxAdaptiveFactor`.
    public func adaptiveFactor(silence: Double?) -> Double {
        guard let silence, silence >= bounds.quietStep, bounds.quietStep > 0 else { return 1 }
        return min(bounds.maxAdaptiveFactor, 1 + (silence / bounds.quietStep).rounded(.down))
    }

    /// Rule 3: the longest interval any publisher hint asks for, and which hint.
    public func publisherHint(_ inputs: PollInputs) -> (seconds: Double, reason: PollDecision.Reason)? {
        var best: (seconds: Double, reason: PollDecision.Reason)?
        func consider(_ seconds: Double?, _ reason: PollDecision.Reason) {
            guard let seconds, seconds > 0, seconds.isFinite else { return }
            if best == nil || seconds > best!.seconds { best = (seconds, reason) }
        }
        consider(inputs.cache.freshnessLifetime.map(Double.init), .cache)
        consider(inputs.hints.ttlMinutes.map { Double($0) * 60 }, .ttl)
        consider(inputs.hints.syndicationInterval, .syndication)
        return best
    }

    /// The decision for one finished refresh. `rng` supplies the jitter; tests
    /// pass a seeded generator.
    public func decide<R: RandomNumberGenerator>(_ inputs: PollInputs, using rng: inout R) -> PollDecision {
        let configured = configuredInterval(feedInterval: inputs.feedInterval)
        let u = bounds.jitter > 0 ? Double.random(in: 0..<1, using: &rng) : 0
        switch inputs.outcome {
        case .gone:
            return PollDecision(next: nil, delay: 0, reason: .gone)

        case .failed:
            let n = max(1, inputs.consecutiveFailures)
            var delay = configured * Double(1 << UInt64(min(n - 1, 40)))
            var reason: PollDecision.Reason = n > 1 ? .backoff : .interval
            if let retryAfter = inputs.retryAfter, retryAfter > delay {
                delay = retryAfter
                reason = .retryAfter
            }
            delay = bounds.clamp(delay)
            let spread = reason == .retryAfter
                ? min(bounds.ceiling, delay * (1 + bounds.jitter * u))
                : max(bounds.floor, delay * (1 - bounds.jitter * u))
            return PollDecision(next: inputs.now + spread, delay: delay, reason: reason)

        case .changed, .notModified:
            var delay = configured
            var reason: PollDecision.Reason = .interval
            let factor = adaptiveFactor(silence: inputs.publishing.silence(at: inputs.now))
            if factor > 1 {
                let stretched = min(bounds.ceiling, configured * factor)
                if stretched > delay { (delay, reason) = (stretched, .adaptive) }
            }
            let usesDefault = inputs.feedInterval == nil
            if usesDefault, let hint = publisherHint(inputs) {
                let capped = min(hint.seconds, max(configured, bounds.hintCap))
                if capped > delay { (delay, reason) = (capped, hint.reason) }
            }
            delay = bounds.clamp(delay)
            let early = max(bounds.floor, delay * (1 - bounds.jitter * u))
            var next = max(inputs.now, (inputs.startedAt ?? inputs.now) + early)
            var skipped = false
            if usesDefault {
                let pushed = PollPolicy.skipping(next, hours: inputs.hints.skipHours, days: inputs.hints.skipDays,
                                                 limit: inputs.now + bounds.ceiling)
                if pushed > next {
                    // Feeds sharing the same skip window should not all fire at hh:00:00.
                    next = min(inputs.now + bounds.ceiling, pushed + delay * bounds.jitter * u)
                    skipped = true
                }
            }
            return PollDecision(next: next, delay: delay, reason: reason, skipped: skipped)
        }
    }

    /// The first time to poll a feed after a (re)start, from what the store
    /// remembers, so a restart does not re-poll everything at once.
    ///
    /// Never fetched: now (first sync; the scheduler's in-flight cap spreads
    /// the load). Otherwise the regular decision replayed as of the last
    /// attempt (with its failure count and last known hints) under the
    /// *current* configuration, and never before a stored `Retry-After`.
    /// Overdue feeds are due now.
    public func resumeTime<R: RandomNumberGenerator>(state: FeedPollState, feedInterval: Double?, now: Double,
                                                      using rng: inout R) -> Double {
        guard let last = state.lastAttempt else { return max(now, state.notBefore ?? now) }
        let failures = state.consecutiveFailures
        let inputs = PollInputs(now: last, startedAt: last, feedInterval: feedInterval,
                                outcome: failures > 0 ? .failed : .notModified, consecutiveFailures: failures,
                                hints: state.pollHints ?? PollHints(), publishing: state.publishing)
        var next = decide(inputs, using: &rng).next ?? now
        if let notBefore = state.notBefore { next = max(next, notBefore) }
        return min(max(now, next), now + bounds.ceiling)
    }

    /// Moves `time` past RSS `skipHours` and `skipDays` (both GMT; days 0 =
    /// Sunday … 6 = Saturday, hour 24 read as 0), but never past `limit`.
    /// A set that skips every hour or every day is nonsense and ignored.
    public static func skipping(_ time: Double, hours: Set<Int>, days: Set<Int>, limit: Double) -> Double {
        let h = Set(hours.compactMap { $0 == 24 ? 0 : (0...23).contains($0) ? $0 : nil })
        let d = days.filter { (0...6).contains($0) }
        let useHours = !h.isEmpty && h.count < 24
        let useDays = !d.isEmpty && d.count < 7
        guard useHours || useDays else { return time }
        var t = time
        // At most 6 skipped days plus 23 skipped hours: the loop always ends well before this bound.
        for _ in 0..<(24 * 8) {
            let seconds = Int64(t.rounded(.down))
            let c = Timestamp(seconds: seconds).components
            if useDays && d.contains(c.weekday) {
                t = Double(floorMultiple(seconds, 86_400) + 86_400)
            } else if useHours && h.contains(c.hour) {
                t = Double(floorMultiple(seconds, 3_600) + 3_600)
            } else {
                break
            }
            if t >= limit { return limit }
        }
        return min(t, limit)
    }

    private static func floorMultiple(_ value: Int64, _ step: Int64) -> Int64 {
        (value >= 0 ? value / step : (value - step + 1) / step) * step
    }
}

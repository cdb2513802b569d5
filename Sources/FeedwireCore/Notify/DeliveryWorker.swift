import Dispatch
import Logging

/// Sends the outbox to the chat services: one request in flight per
/// target, shaped by per-target token buckets, honouring Retry-After,
/// retrying on the schedule, disabling gone endpoints, coalescing bursts.
///
/// All state lives on one serial queue (`queue`); the outbox is only ever
/// called from it. Time comes from the injected `Clock`. In `.automatic`
/// mode a `DispatchSourceTimer` wakes the worker when the next target may
/// send (and at least every `pollInterval`), and every answer triggers the
/// next pass. In `.manual` mode nothing runs by itself: tests drive passes
/// with `step()` and move a `FakeClock`, so nothing ever sleeps.
///
/// Delivery is at-least-once: rows are marked delivered only after the
/// service accepted them. A request in flight when the worker is stopped
/// (or the process dies) leaves its rows pending; the next worker sends
/// them again with the same idempotency key.
///
/// Wiring in the daemon:
/// ```swift
/// let router = NotificationRouter(config: config)          // rebuilt on reload
/// try store.refresh(request) { router.targets(for: $0.event, entry: $0.entry) }
/// let worker = DeliveryWorker(outbox: store, transport: curl, clock: SystemClock(),
///                             notifiers: config.notifiers, daemon: config.daemon, logger: logger)
/// worker.start()
/// worker.wake()                                            // after each refresh that wrote rows
/// worker.reconfigure(newConfig.notifiers, daemon: newConfig.daemon)   // SIGHUP
/// worker.stop(grace: config.daemon.shutdownGrace)          // SIGTERM (not from the worker's queue)
/// ```
public final class DeliveryWorker: @unchecked Sendable {
    public enum Mode: Sendable { case automatic, manual }

    public struct Settings: Sendable {
        /// Longest wait between passes, so rows written without a `wake()` are picked up.
        public var pollInterval: Double = 5
        /// Due rows read per target and pass (the digest planner's horizon).
        public var fetchLimit: Int = 1_000
        /// Seed for retry jitter.
        public var seed: UInt64 = UInt64(truncatingIfNeeded: Int64(monotonicSeconds() * 1e9))
        /// Delays before attempts 2…n (defaults.md); tests shorten them to keep real waiting short.
        public var retrySchedule: [Double] = RetryPolicy.schedule
        /// First pause after `RetryPolicy.failuresBeforePause` consecutive failures (doubles up to `maxPause`).
        public var firstPause: Double = RetryPolicy.firstPause
        public var maxPause: Double = RetryPolicy.maxPause
        public init() {}
    }

    /// A target's delivery state (confined to `queue`).
    final class Target {
        var config: NotifierConfig
        var endpoint: NotifierEndpoint?
        let formatter: any ChatFormatter
        var shaper: RateShaper
        var quiet: QuietHours?
        var inFlight = false
        var digestMode = false
        var consecutiveFailures = 0
        var consecutiveRateLimits = 0
        /// Rows whose in-place edit found nothing to edit: post them instead.
        var forcePost: Set<Int64> = []
        var disabledReason: String?

        init(config: NotifierConfig, formatter: any ChatFormatter) {
            self.config = config
            self.formatter = formatter
            shaper = RateShaper(limits: config.rate.flatMap { RateLimit(parsing: $0) }.map { [$0] }
                ?? RateLimit.defaults(for: config.type, chatID: config.chatID))
        }
    }

    /// What a target looks like from outside (metrics, tests).
    public struct TargetStatus: Sendable, Equatable {
        public var name: String
        public var inFlight: Bool
        public var digestMode: Bool
        public var blockedUntil: Double
        public var consecutiveFailures: Int
        public var disabledReason: String?
        public var configurationError: String?
    }

    private let queue = DispatchQueue(label: "feedwire.delivery")
    private let outbox: DeliveryQueue
    private let transport: HTTPTransport
    private let clock: Clock
    private let logger: Logger
    /// Outbox depth, delivery latency and attempt results (`feedwire_outbox_depth`, …).
    private let metrics: FeedwireMetrics?
    private let mode: Mode
    private let settings: Settings
    private let environment: [String: String]?
    private var targets: [String: Target] = [:]
    private var order: [String] = []
    private var configurationErrors: [String: String] = [:]
    /// Outbox targets without configuration that were already reported.
    private var reportedUnknown: Set<String> = []
    private var rng: SplitMix64
    private var timer: DispatchSourceTimer?
    private var running = false
    /// Bumped by `stop()`: answers to requests of an older generation are ignored.
    private var generation = 0
    private let inFlightGroup = DispatchGroup()

    public init(outbox: DeliveryQueue, transport: HTTPTransport, clock: Clock, notifiers: [NotifierConfig],
                daemon: DaemonSettings = DaemonSettings(), environment: [String: String]? = nil,
                logger: Logger = Logger(label: "feedwire.notify"), metrics: FeedwireMetrics? = nil, mode: Mode = .automatic,
                settings: Settings = Settings()) {
        self.outbox = outbox
        self.metrics = metrics
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.mode = mode
        self.settings = settings
        self.environment = environment
        rng = SplitMix64(seed: settings.seed)
        configure(notifiers, daemon: daemon)
    }

    // MARK: Control

    /// Starts automatic delivery (no effect in manual mode).
    public func start() {
        queue.async { [self] in
            guard mode == .automatic else { return }
            running = true
            pump(group: nil)
        }
    }

    /// Stops sending. Answers that arrive afterwards are ignored, so their
    /// rows stay pending and are sent again (same idempotency key) by the
    /// next worker. With `grace` > 0, first waits that long for requests in
    /// flight to be answered and recorded.
    public func stop(grace: Double = 0) {
        queue.sync { running = false }
        if grace > 0 { _ = inFlightGroup.wait(timeout: .now() + grace) }
        queue.sync {
            generation += 1
            timer?.cancel()
            timer = nil
            for t in targets.values { t.inFlight = false }
        }
    }

    /// New rows were written (the store committed a refresh): look now.
    public func wake() {
        queue.async { [self] in
            if running { pump(group: nil) }
        }
    }

    /// A reloaded configuration. Targets keep their shaping and failure
    /// state when they keep their name and service type.
    public func reconfigure(_ notifiers: [NotifierConfig], daemon: DaemonSettings = DaemonSettings()) {
        queue.async { [self] in
            configure(notifiers, daemon: daemon)
            if running { pump(group: nil) }
        }
    }

    /// One pass (manual mode): sends what may be sent now, waits for those
    /// answers to be recorded, returns how many requests went out.
    @discardableResult
    public func step() -> Int {
        let group = DispatchGroup()
        let sent = queue.sync { pump(group: group) }
        group.wait()
        return sent
    }

    /// Steps until a pass sends nothing (at most `maxSteps` passes).
    @discardableResult
    public func runUntilIdle(maxSteps: Int = 10_000) -> Int {
        var total = 0
        for _ in 0..<maxSteps {
            let n = step()
            if n == 0 { break }
            total += n
        }
        return total
    }

    public func status() -> [TargetStatus] {
        queue.sync {
            order.map { name in
                let t = targets[name]
                return TargetStatus(name: name, inFlight: t?.inFlight ?? false, digestMode: t?.digestMode ?? false,
                                    blockedUntil: t?.shaper.blockedUntil ?? 0, consecutiveFailures: t?.consecutiveFailures ?? 0,
                                    disabledReason: t?.disabledReason, configurationError: configurationErrors[name])
            }
        }
    }

    // MARK: Configuration (on `queue` or in init)

    private func configure(_ notifiers: [NotifierConfig], daemon: DaemonSettings) {
        var next: [String: Target] = [:]
        configurationErrors = [:]
        for config in notifiers {
            let target: Target
            if let existing = targets[config.name], existing.config.type == config.type {
                target = existing
                target.config = config
            } else {
                target = Target(config: config, formatter: ChatFormatters.formatter(for: config.type))
            }
            if let rate = config.rate, RateLimit(parsing: rate) == nil {
                logger.warning("notifier \(config.name): rate \"\(rate)\" is not N/Ts (e.g. \"5/2s\", \"30/min\"); using the service's documented rate")
            }
            target.quiet = nil
            if let q = config.quietHours {
                if let parsed = QuietHours(parsing: q) {
                    target.quiet = parsed
                } else {
                    logger.warning("notifier \(config.name): quiet_hours \"\(q)\" is not HH:MM-HH:MM (UTC); quiet hours are off")
                }
            }
            do {
                target.endpoint = try NotifierEndpoint(config: config, settings: daemon, environment: environment)
            } catch {
                target.endpoint = nil
                configurationErrors[config.name] = error.description
                logger.error("\(error.description); its messages wait in the outbox until this is fixed")
            }
            next[config.name] = target
        }
        targets = next
        order = notifiers.map(\.name)
    }

    // MARK: Passes (on `queue`)

    /// Sends one request for every target that may send now. Returns how many were sent.
    @discardableResult
    private func pump(group: DispatchGroup?) -> Int {
        let now = clock.now()
        let stamp = Timestamp(unix: now)
        var wakeAt = now + settings.pollInterval
        var sent = 0
        let counts: [String: Int]
        do {
            counts = try outbox.pendingCounts()
        } catch {
            logger.error("notification outbox: cannot read pending messages (\(error)); retrying in \(Int(settings.pollInterval)) s")
            scheduleTimer(at: wakeAt)
            return 0
        }
        if let metrics {
            for name in Set(order).union(counts.keys) { metrics.setOutboxDepth(target: name, depth: counts[name] ?? 0) }
        }
        for (name, count) in counts where targets[name] == nil && !reportedUnknown.contains(name) {
            reportedUnknown.insert(name)
            logger.warning("notifier \(name) is not in the configuration any more; \(count) message(s) for it wait in the outbox. Restore its [[notify]] table, or `feedwire outbox drop --target \(name)`.")
        }
        for name in order {
            guard let t = targets[name], !t.inFlight, (counts[name] ?? 0) > 0 else { continue }
            do {
                if let reason = try outbox.disabledReason(target: name) {
                    t.disabledReason = reason
                    continue
                }
                if t.disabledReason != nil {
                    logger.notice("notifier \(name): enabled again; delivering its waiting messages")
                    t.disabledReason = nil
                }
                guard let endpoint = t.endpoint else { continue }
                if let quiet = t.quiet, quiet.contains(stamp) {
                    wakeAt = min(wakeAt, Double(quiet.end(after: stamp).seconds))
                    continue
                }
                let ready = t.shaper.readyAt(now)
                if ready > now {
                    wakeAt = min(wakeAt, ready)
                    continue
                }
                let due = try outbox.dueMessages(target: name, now: stamp, limit: settings.fetchLimit)
                if due.isEmpty {
                    t.digestMode = false
                    if let next = try outbox.nextDue(target: name) { wakeAt = min(wakeAt, max(now, Double(next.seconds))) }
                    continue
                }
                let plan = DeliveryPlanner.plan(
                    due: due, target: name, threshold: t.config.digestThreshold, digestMode: t.digestMode,
                    formatter: t.formatter, endpoint: endpoint, forcePost: t.forcePost,
                    remote: { [outbox] story in try? outbox.remoteMessage(target: name, storyID: story) })
                if plan.digestMode && !t.digestMode {
                    logger.notice("notifier \(name): \(due.count) messages waiting; sending digests until the queue is empty")
                }
                t.digestMode = plan.digestMode
                guard let delivery = plan.delivery else { continue }
                // Durable before the request leaves: after a crash the same rows go out again under this key.
                try outbox.markSending(delivery.rowIDs, key: delivery.idempotencyKey)
                send(t, delivery, endpoint: endpoint, now: now, group: group)
                sent += 1
            } catch {
                logger.error("notifier \(name): outbox error (\(error)); retrying on the next pass")
            }
        }
        scheduleTimer(at: wakeAt)
        return sent
    }

    private func scheduleTimer(at time: Double) {
        guard mode == .automatic, running else { return }
        let delay = max(0.001, min(time - clock.now(), settings.pollInterval))
        if timer == nil {
            let source = DispatchSource.makeTimerSource(queue: queue)
            // Runs on `queue` (the source's target queue).
            source.setEventHandler { [weak self] in
                guard let self, self.running else { return }
                _ = self.pump(group: nil)
            }
            source.activate()
            timer = source
        }
        timer?.schedule(deadline: .now() + delay, leeway: .milliseconds(5))
    }

    private func send(_ t: Target, _ delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Double, group: DispatchGroup?) {
        let request = t.formatter.makeRequest(delivery, endpoint: endpoint, now: Timestamp(unix: now))
        t.inFlight = true
        t.shaper.sent(at: now)
        let name = t.config.name, type = t.config.type, sentGeneration = generation
        inFlightGroup.enter()
        group?.enter()
        transport.send(request) { [self] result in
            queue.async { [self] in
                defer {
                    inFlightGroup.leave()
                    group?.leave()
                }
                // Stopped meanwhile: as if the process had died before recording the answer.
                guard sentGeneration == generation else { return }
                finish(name: name, type: type, delivery: delivery, result: result)
                if running { _ = pump(group: nil) }
            }
        }
    }

    /// Records an answer (on `queue`).
    private func finish(name: String, type: NotifierType, delivery d: PlannedDelivery, result: Result<HTTPResponse, TransportError>) {
        let now = clock.now()
        let stamp = Timestamp(unix: now)
        let outcome = ServiceAnswer.interpret(result, type: type, mode: d.mode, now: now)
        let t = targets[name]
        t?.inFlight = false
        t?.shaper.answered(at: now)
        if case let .success(response) = result, let hint = ServiceAnswer.rateHint(response, now: now) {
            t?.shaper.apply(hint, now: now)
        }
        let rows = d.rowIDs.count == 1 ? "message \(d.rowIDs[0])" : "\(d.rowIDs.count) messages"
        metrics?.recordDelivery(target: name, result: DeliveryWorker.resultLabel(outcome))
        do {
            switch outcome {
            case let .delivered(remote):
                t?.consecutiveFailures = 0
                t?.consecutiveRateLimits = 0
                let keep: RemoteMessage?
                switch d.mode {
                case let .edit(original): keep = original
                case let .reply(root): keep = root ?? remote
                case .post:
                    // Only an announcement (or an update posted anew) becomes the story's message to edit later.
                    if case let .story(s) = d.body, s.kind == .new || s.kind == .updated { keep = remote } else { keep = nil }
                }
                CrashPoint.hit(CrashPoint.deliveryBeforeMark)
                try outbox.markDelivered(d.rowIDs, at: stamp, remote: keep)
                if let metrics {
                    for at in d.detectedAt { metrics.observeDeliveryLatency(target: name, seconds: now - Double(at.seconds)) }
                }
                t?.forcePost.subtract(d.rowIDs)
                logger.debug("notifier \(name): delivered \(rows)")
            case let .editTargetMissing(detail):
                t?.forcePost.formUnion(d.rowIDs)
                logger.notice("notifier \(name): the message to edit for \(rows) no longer exists (\(detail)); posting the update as a new message")
            case let .rateLimited(after, detail):
                let count = (t?.consecutiveRateLimits ?? 0) + 1
                t?.consecutiveRateLimits = count
                let wait = after.map(RetryPolicy.clampRetryAfter) ?? RetryPolicy.unhintedRateLimitWait(consecutive: count)
                t?.shaper.block(until: now + wait, reason: "429 Retry-After")
                logger.warning("notifier \(name): rate limited by the service (\(detail)); next request in \(Self.seconds(wait))")
            case let .retry(detail, after):
                let failures = (t?.consecutiveFailures ?? 0) + 1
                t?.consecutiveFailures = failures
                if let after { t?.shaper.block(until: now + RetryPolicy.clampRetryAfter(after), reason: "Retry-After") }
                var dead: [Int64] = []
                var nextAttempt: Double?
                // One jitter for the whole message: its rows stay due together, so a retry resends the same message.
                let random = jitter()
                for (id, attempts) in zip(d.rowIDs, d.attempts) {
                    let n = attempts + 1
                    if let delay = RetryPolicy.delay(afterAttempts: n, random: random, schedule: settings.retrySchedule) {
                        // Rounded up: never before the scheduled time.
                        let due = Timestamp(seconds: Int64((now + delay).rounded(.up)))
                        try outbox.markRetry(id, attempts: n, notBefore: due, error: detail)
                        nextAttempt = min(nextAttempt ?? delay, delay)
                    } else {
                        dead.append(id)
                    }
                }
                if !dead.isEmpty {
                    let attempts = settings.retrySchedule.count + 1
                    try outbox.markDead(dead, at: stamp, error: "gave up after \(attempts) attempts: \(detail)")
                    logger.error("notifier \(name): gave up on \(dead.count) message(s) after \(attempts) attempts (\(detail)); see `feedwire outbox list --target \(name)`, `feedwire outbox retry` resends them")
                }
                if let pause = RetryPolicy.pause(afterFailures: failures, first: settings.firstPause, max: settings.maxPause) {
                    t?.shaper.block(until: now + pause, reason: "paused after \(failures) consecutive failures")
                    logger.warning("notifier \(name): \(failures) failures in a row (\(detail)); pausing it for \(Self.seconds(pause))")
                } else if let nextAttempt {
                    logger.warning("notifier \(name): delivery of \(rows) failed (\(detail)); retrying in \(Self.seconds(nextAttempt))")
                }
            case let .gone(detail):
                try outbox.disableTarget(name, reason: detail, at: stamp)
                t?.disabledReason = detail
                let waiting: Int = ((try? outbox.pendingCounts()) ?? [:])[name] ?? d.rowIDs.count
                logger.error("notifier \(name): the service says this endpoint is gone (\(detail)). Nothing more is sent to it; \(waiting) message(s) wait in the outbox. Fix its url/token/room/chat_id in feeds.conf, then run `feedwire outbox retry --target \(name)` to enable it again.")
            case let .rejected(detail):
                t?.consecutiveFailures = 0
                try outbox.markDead(d.rowIDs, at: stamp, error: detail)
                logger.error("notifier \(name): the service rejected \(rows) (\(detail)); dead-lettered, not retried. See `feedwire outbox list --target \(name)`.")
            }
        } catch {
            logger.error("notifier \(name): cannot record the answer for \(rows) in the outbox (\(error)); it will be sent again")
        }
    }

    /// The `result` label of `feedwire_deliveries_total`.
    static func resultLabel(_ o: DeliveryOutcome) -> String {
        switch o {
        case .delivered: return "delivered"
        case .editTargetMissing: return "edit_missing"
        case .rateLimited: return "rate_limited"
        case .retry: return "retry"
        case .gone: return "gone"
        case .rejected: return "rejected"
        }
    }

    /// Uniform in [0, 1), from the seeded generator.
    private func jitter() -> Double { Double(rng.next() >> 11) / Double(UInt64(1) << 53) }

    static func seconds(_ s: Double) -> String {
        if s < 10 { return "\((s * 10).rounded() / 10) s" }
        if s < 120 { return "\(Int(s.rounded())) s" }
        if s < 7_200 { return "\(Int((s / 60).rounded())) min" }
        return "\((s / 360).rounded() / 10) h"
    }
}

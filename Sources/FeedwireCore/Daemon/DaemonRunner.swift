import Dispatch
import Glibc
import Logging

/// The daemon loop: builds the schedule from the configuration and stored
/// state, refreshes feeds when due (through `FeedRefresher`), reloads on
/// SIGHUP, stops gracefully on SIGTERM/SIGINT, talks to systemd
/// (`READY=1`, `STATUS=`, `WATCHDOG=1`, `RELOADING=1`, `STOPPING=1`) and
/// serves `/metrics` and `/healthz`.
///
/// Concurrency: everything mutable is confined to `queue`, a serial
/// Dispatch queue; refresh completions, signals and timers hop onto it. One
/// timer (`WakeTimer` "schedule") is re-armed to the earliest due time of
/// the `DueQueue` heap — not one timer per feed.
///
/// Wiring `feedwire run` (all on the main thread, in this order):
///
///     FeedwireLogging.bootstrap(level: cliLevel ?? configLevel)   // 1. logging, once
///     let loaded = try configOption.load()                          // 2. config (exit 1/3)
///     let store = try openStore(loaded.config.daemon.state)         // 3. store (exit 3)
///     let metrics = FeedwireMetrics()                               //    shared with delivery
///     var options = DaemonOptions()
///     options.followConfigLogLevel = cliLevel == nil
///     let runner = DaemonRunner(                                    // 4. the loop
///         config: loaded.config, refresher: pipeline,               //    FeedRefresher
///         components: [pipeline, delivery, publisher, store],       //    stop order; store last
///         hooks: DaemonHooks(ready: { delivery.start() },
///                            afterRefresh: { feed, report, state in … },
///                            settled: { publisher.publishIfDirty() },
///                            reloaded: { old, new in … },
///                            storeHealthy: { store.isHealthy }),
///         storedState: { names in store.pollStates(names) },
///         loader: { try ConfigLoader.load(path: path) },
///         options: options, metrics: metrics)
///     try runner.start()      // binds metrics, signals, schedule, READY=1 (error → exit 3)
///     dispatchMain()          // never returns; a graceful stop calls exit(0)
public final class DaemonRunner: @unchecked Sendable {
    public enum Phase: String, Sendable {
        case created, running, stopping, stopped
    }

    public let queue: DispatchQueue
    public let metrics: FeedwireMetrics
    public let health: LoopHealth
    let refresher: any FeedRefresher
    let components: [any DaemonComponent]
    let hooks: DaemonHooks
    let storedState: @Sendable ([String]) -> [String: FeedPollState]
    let loader: @Sendable () throws -> LoadedConfig
    let options: DaemonOptions
    let clock: any Clock
    let timers: any WakeTimerFactory
    let logger: Logger
    let exitProcess: @Sendable (Int32) -> Void
    let notifier: SdNotify?
    let watchdogInterval: Double?
    let logSink: LogSink
    let showProgressLine: Bool

    // Everything below is confined to `queue` (extensions in other files use it there too).
    var config: FeedwireConfig
    var feeds: [String: FeedConfig] = [:]
    var states: [String: FeedPollState] = [:]
    var due: DueQueue
    var policy: PollPolicy
    var rng: SplitMix64
    var phase: Phase = .created
    var firstSync: FirstSyncProgress
    var failing: Set<String> = []
    /// Feeds with `enabled = true` in the configuration.
    var enabledCount = 0
    var gone: Set<String> = []
    /// The feed configuration each in-flight refresh started with.
    var inFlightConfig: [String: FeedConfig] = [:]
    var lastCompletion: Double = 0
    var lastStatusKey = ""
    var lastStatusSentAt = -Double.infinity
    var lastProgressLineAt = -Double.infinity
    var scheduleTimer: WakeTimer?
    /// When (clock time) `scheduleTimer` is armed to fire; nil when it is
    /// disarmed or has fired. See `rearm`.
    var scheduleArmedFor: Double?
    var housekeepingTimer: WakeTimer?
    var watchdogTimer: WakeTimer?
    var stopTimer: WakeTimer?
    var signalSources: SignalSources?
    var metricsServer: MetricsServer?
    var stuckWarned: Set<String> = []
    var watchdogWarned = false
    var stopForced = false
    var closing = false
    var closingIndex = 0
    var stopReason = ""

    /// - Parameters:
    ///   - config: the configuration `run` was started with.
    ///   - refresher: does one feed's refresh (fetch → store → enqueue).
    ///   - components: stopped in this order after the in-flight grace
    ///     (e.g. delivery worker, publisher, then the store last).
    ///   - hooks: callbacks on the daemon queue.
    ///   - storedState: what the store remembers per feed name (called on
    ///     the daemon queue at start and for feeds added by a reload).
    ///   - loader: re-reads `feeds.conf` on SIGHUP (`{ try ConfigLoader.load(path:) }`).
    ///   - exit: ends the process after a graceful stop (tests pass a recorder).
    public init(config: FeedwireConfig, refresher: any FeedRefresher, components: [any DaemonComponent] = [],
                hooks: DaemonHooks = DaemonHooks(),
                storedState: @escaping @Sendable ([String]) -> [String: FeedPollState] = { _ in [:] },
                loader: @escaping @Sendable () throws -> LoadedConfig,
                options: DaemonOptions = DaemonOptions(), environment: DaemonEnvironment = .current(),
                clock: any Clock = SystemClock(), timers: any WakeTimerFactory = DispatchWakeTimerFactory(),
                metrics: FeedwireMetrics = FeedwireMetrics(), logger: Logger = Logger(label: "feedwire"),
                logSink: LogSink = .standardError,
                exit: @escaping @Sendable (Int32) -> Void = { Glibc.exit($0) },
                queue: DispatchQueue = DispatchQueue(label: "feedwire.daemon")) {
        self.config = config
        self.refresher = refresher
        self.components = components
        self.hooks = hooks
        self.storedState = storedState
        self.loader = loader
        self.options = options
        self.clock = clock
        self.timers = timers
        self.metrics = metrics
        self.logger = logger
        self.logSink = logSink
        self.exitProcess = exit
        self.queue = queue
        self.notifier = SdNotify(address: environment.notifySocket)
        self.watchdogInterval = SdNotify.watchdogInterval(usec: environment.watchdogUsec, pid: environment.watchdogPID)
        self.policy = PollPolicy(settings: config.daemon)
        self.due = DueQueue(maxInFlight: options.refreshCap(for: config.daemon))
        let now = clock.now()
        self.rng = SplitMix64(seed: options.jitterSeed ?? UInt64(truncatingIfNeeded: Int64(now * 1e6)))
        self.firstSync = FirstSyncProgress(everyFeeds: options.progressEveryFeeds, everySeconds: options.progressEverySeconds)
        self.health = LoopHealth(now: now, staleAfter: max(30, 3 * options.housekeepingPeriod))
        let journal = FeedwireLogging.stderrIsJournal(journalStream: environment.journalStream)
        self.showProgressLine = options.progressLine ?? (isatty(2) == 1 && !journal)
    }

    // MARK: - Public control (any thread)

    /// Binds the metrics endpoint (throws if it cannot), installs the signal
    /// sources, builds the schedule, calls `hooks.ready` and sends `READY=1`.
    /// Call once, on the main thread, before `dispatchMain()`.
    public func start() throws {
        if !config.daemon.metrics.isEmpty {
            let server = try MetricsServer(address: config.daemon.metrics,
                                           allowNonLoopback: options.allowNonLoopbackMetrics,
                                           handler: DaemonRunner.metricsHandler(metrics: metrics, health: health, clock: clock))
            if !server.address.isLoopback {
                logger.warning("metrics endpoint on non-loopback address \(server.address): it has no authentication")
            }
            metricsServer = server
        }
        if options.handleSignals {
            signalSources = SignalSources(queue: queue) { [weak self] sig in self?.signalReceived(sig) }
        }
        queue.sync { begin() }
    }

    /// What SIGHUP does: re-read `feeds.conf` and apply it if valid.
    public func reload() { queue.async { self.reloadNow() } }

    /// What SIGTERM/SIGINT do: stop scheduling, let in-flight work finish
    /// within `shutdown_grace`, stop the components, exit 0.
    public func stop(reason: String = "stop requested") { queue.async { self.beginShutdown(reason: reason) } }

    /// Polls a feed as soon as a slot is free (after its current refresh, if one is running).
    public func pollNow(_ name: String) {
        queue.async {
            guard self.phase == .running else { return }
            if self.due.pollNow(name, now: self.clock.now()) { self.tick() }
        }
    }

    /// The metrics endpoint's bound address (nil when disabled).
    public var metricsAddress: MetricsServer.Address? { metricsServer?.address }

    /// A consistent view of the loop (tests, `status`). Not from `queue` itself.
    public func snapshot() -> DaemonSnapshot {
        queue.sync {
            DaemonSnapshot(phase: phase, config: config, states: states,
                           scheduled: Dictionary(uniqueKeysWithValues: due.heap.entries.map { ($0.name, $0.due) }),
                           inFlight: due.inFlight, firstSync: firstSync, status: statusText(now: clock.now()))
        }
    }

    // MARK: - Start

    func begin() {
        guard phase == .created else { return }
        let now = clock.now()
        lastCompletion = now
        applyLogLevel(config.daemon.logLevel)
        for feed in config.feeds { feeds[feed.name] = feed }
        let enabled = config.feeds.filter(\.enabled)
        enabledCount = enabled.count
        let stored = storedState(enabled.map(\.name))
        for feed in enabled {
            let state = stored[feed.name] ?? FeedPollState()
            states[feed.name] = state
            metrics.seedFeed(feed.name, state: state)
            if state.isFailing { failing.insert(feed.name) }
            scheduleFirst(feed, now: now, spread: nil)
            if state.isFailing, !gone.contains(feed.name) {
                // A restart must not hide a failing feed until its backed-off retry, which may be hours away.
                logStillFailing(feed, state: states[feed.name] ?? state, now: now)
            }
        }
        phase = .running
        let disabled = config.feeds.count - enabled.count
        var line = "started: \(enabled.count) feeds"
        if disabled > 0 { line += " (\(disabled) disabled in feeds.conf)" }
        if !failing.isEmpty { line += ", \(failing.count) failing since the last run" }
        if firstSync.isActive { line += "; first sync of \(firstSync.total) feeds never fetched" }
        if let next = due.nextDue { line += "; next poll in \(DurationText.format(next - now))" }
        logger.info("\(line)")
        hooks.ready()
        notify("READY=1\n" + SdNotify.statusLine(statusText(now: now)) + "\nMAINPID=\(getpid())")
        lastStatusSentAt = now
        lastStatusKey = statusKey()
        updateGauges()

        scheduleTimer = timers.makeTimer(name: "schedule", queue: queue) { [unowned self] in
            scheduleArmedFor = nil  // one-shot: it has fired
            tick()
        }
        housekeepingTimer = timers.makeTimer(name: "housekeeping", queue: queue) { [unowned self] in housekeeping() }
        housekeepingTimer?.arm(after: options.housekeepingPeriod)
        if let interval = watchdogInterval, notifier != nil {
            watchdogTimer = timers.makeTimer(name: "watchdog", queue: queue) { [unowned self] in watchdogFired() }
            watchdogTimer?.arm(after: interval)
        }
        metricsServer?.start()
        rearm()
    }

    /// Puts a feed into the schedule for the first time (start, or added
    /// by a reload). `spread`: poll within that many seconds (reload).
    func scheduleFirst(_ feed: FeedConfig, now: Double, spread: Double?) {
        var state = states[feed.name] ?? FeedPollState()
        if state.isGone(configured: feed.url) {
            gone.insert(feed.name)
            state.nextDue = nil
            states[feed.name] = state
            logger.warning("not polled: \(state.goneURL ?? feed.url) answered 410 Gone; remove the feed from feeds.conf (line \(feed.line)), or change its url to poll it again",
                           metadata: ["feed": .string(feed.name)])
            return
        }
        gone.remove(feed.name)
        if let from = state.movedFrom, let to = state.movedTo, from == feed.url {
            logger.warning("moved permanently to \(to); fetching that address. Update url in feeds.conf (line \(feed.line))",
                           metadata: ["feed": .string(feed.name)])
        }
        var at: Double
        if state.neverFetched {
            firstSync.add(feed.name, now: now)
            at = max(now, state.notBefore ?? now)
            if let spread { at += Double.random(in: 0..<max(spread, 0.001), using: &rng) }
        } else {
            at = policy.resumeTime(state: state, feedInterval: feed.interval, now: now, using: &rng)
            if let spread, at <= now { at = now + Double.random(in: 0..<max(spread, 0.001), using: &rng) }
        }
        due.schedule(feed.name, at: at)
        state.nextDue = due.due(of: feed.name) ?? at
        states[feed.name] = state
    }

    // MARK: - The loop

    /// The scheduler timer fired: start every due feed the cap allows.
    func tick() {
        guard phase == .running else { return }
        let now = clock.now()
        for name in due.takeDue(now: now) { startRefresh(name, now: now) }
        rearm()
    }

    /// Re-arms the single scheduler timer to the earliest due time.
    ///
    /// Every completion ends in a `tick`, and most leave the earliest due time
    /// where it was: the timer is then left alone. Re-arming a Dispatch
    /// timer to the same moment is a kernel timer update on Dispatch's manager
    /// thread; with 10,000 feeds that was hundreds a second and about a tenth
    /// of the daemon's CPU in an all-304 cycle.
    func rearm() {
        guard let timer = scheduleTimer else { return }
        guard phase == .running, let wake = due.wakeTime else {
            timer.disarm()
            scheduleArmedFor = nil
            return
        }
        let now = clock.now()
        let target = now + min(max(0, wake - now), options.maxTimerSleep)
        if let armed = scheduleArmedFor, abs(armed - target) < 0.001 { return }
        timer.arm(after: target - now)
        scheduleArmedFor = target
    }

    private func startRefresh(_ name: String, now: Double) {
        guard let configured = feeds[name], configured.enabled else {
            due.finish(name, next: nil, now: now)
            return
        }
        var feed = configured
        feed.url = states[name]?.effectiveURL(configured: configured.url) ?? configured.url
        inFlightConfig[name] = configured
        metrics.setInFlight(due.inFlightCount)
        refresher.refresh(feed: feed) { [weak self] report in
            guard let self else { return }
            self.queue.async { self.complete(name, startedAt: now, report: report) }
        }
    }

    /// A refresh finished (on the queue).
    func complete(_ name: String, startedAt: Double, report: RefreshReport) {
        guard due.isInFlight(name), let used = inFlightConfig.removeValue(forKey: name) else {
            logger.debug("ignoring a second completion of the same refresh", metadata: ["feed": .string(name)])
            return
        }
        guard !closing else {
            // Abandoned at the shutdown grace: the components (the store among them) are stopping or stopped.
            logger.debug("result arrived after the shutdown grace; ignored", metadata: ["feed": .string(name)])
            return
        }
        let now = clock.now()
        lastCompletion = now
        stuckWarned.remove(name)
        var state = states[name] ?? FeedPollState()
        let previousFailures = state.consecutiveFailures
        let wasMovedTo = state.movedTo
        let current = feeds[name]

        if let current, current.enabled, current.url != used.url {
            // The URL changed while this refresh ran: its result is about the old address.
            due.finish(name, next: now, now: now)
            state.nextDue = due.due(of: name)
            states[name] = state
            hooks.afterRefresh(used, report, state)
            afterCompletion(now: now)
            return
        }

        state.record(report, configuredURL: used.url, startedAt: startedAt, now: now)
        let stillWanted = current?.enabled == true
        var decision = policy.decide(state.inputs(feedInterval: current?.interval ?? used.interval,
                                                  retryAfter: report.retryAfter), using: &rng)
        if report.outcome == .gone { decision.next = nil }
        let scheduled = due.finish(name, next: stillWanted && phase == .running ? decision.next : nil, now: now)
        state.nextDue = scheduled
        state.lastReason = decision.reason
        // Kept for removed feeds too: re-adding one later resumes where it was.
        states[name] = state
        if stillWanted {
            if state.isFailing { failing.insert(name) } else { failing.remove(name) }
            if report.outcome == .gone {
                gone.insert(name)
                failing.remove(name)
            }
            metrics.recordRefresh(feed: name, report: report, state: state)
        }

        logRefresh(used, report: report, state: state, decision: decision, previousFailures: previousFailures,
                   previousMove: wasMovedTo, now: now)
        switch firstSync.record(name, failed: report.outcome == .failed || report.outcome == .gone, now: now) {
        case .none: break
        case .progress: logger.info("\(firstSync.summary)")
        case .finished: firstSyncFinished(now: now)
        }
        hooks.afterRefresh(used, report, state)
        afterCompletion(now: now)
    }

    private func afterCompletion(now: Double) {
        metrics.setInFlight(due.inFlightCount)
        if due.inFlightCount == 0 { hooks.settled() }
        updateProgressLine(now: now)
        if phase == .stopping {
            if due.inFlightCount == 0 { closeComponents() }
            return
        }
        maybeSendStatus(now: now, force: false)
        // Fill the freed slot right away (not via the timer): no moment where
        // due feeds wait while a slot is free, which the watchdog would read as a stall.
        tick()
    }

    func firstSyncFinished(now: Double) {
        let took = now - (firstSync.startedAt ?? now)
        var line = "first sync finished: \(firstSync.total) feeds in \(DurationText.format(took))"
        if !firstSync.failing.isEmpty { line += ", \(firstSync.failing.count) failing" }
        logger.info("\(line)")
        metrics.setFirstSyncPending(0)
        if showProgressLine { logSink.setProgress(nil) }
    }

    func updateProgressLine(now: Double) {
        metrics.setFirstSyncPending(firstSync.pending.count)
        guard showProgressLine, firstSync.isActive, now - lastProgressLineAt >= 0.2 else { return }
        lastProgressLineAt = now
        logSink.setProgress(firstSync.summary)
    }

    // MARK: - Logging

    func logRefresh(_ feed: FeedConfig, report: RefreshReport, state: FeedPollState, decision: PollDecision,
                    previousFailures: Int, previousMove: String?, now: Double) {
        if logger.logLevel > .debug, RefreshLog.onlyDebug(report: report, previousFailures: previousFailures,
                                                          previousMove: previousMove) {
            return  // the usual poll: no string is built for a line nobody sees
        }
        let meta: Logger.Metadata = ["feed": .string(feed.name)]
        let next = state.nextDue.map { "next poll in \(DurationText.format($0 - now))" } ?? "not scheduled"
        let why = decision.reason == .interval ? "" : " (\(decision.reason.rawValue))"
        let n = state.consecutiveFailures
        // Every failure is counted in metrics; the log says it at 1, 2, 4, 8 … so a feed down for days does not flood it.
        for line in RefreshLog.lines(feed: feed, report: report, state: state, previousFailures: previousFailures,
                                     previousMove: previousMove, schedule: next + why, quietRepeat: n & (n - 1) != 0) {
            logger.log(level: line.level, "\(line.message)", metadata: meta)
        }
    }

    /// At start: a feed whose last refresh (before the restart) failed.
    func logStillFailing(_ feed: FeedConfig, state: FeedPollState, now: Double) {
        let n = state.consecutiveFailures
        let error = state.lastError.map { RefreshLog.withoutSubject($0, feed: feed.name) } ?? "the last refresh failed"
        let next = state.nextDue.map { "next attempt in \(DurationText.format(max(0, $0 - now)))" } ?? "not scheduled"
        logger.warning("failing since before this start (\(n) \(n == 1 ? "failure" : "failures") in a row): \(error); \(next)",
                       metadata: ["feed": .string(feed.name)])
    }

    func applyLogLevel(_ text: String) {
        guard options.followConfigLogLevel else { return }
        if let level = FeedwireLogging.parseLevel(text) {
            FeedwireLogging.level.set(level)
        } else {
            logger.warning("unknown log_level `\(text)`; keeping \(FeedwireLogging.level.value.rawValue)")
        }
    }

    func notify(_ message: String) { notifier?.send(message) }

    // MARK: - Signals

    func signalReceived(_ sig: Int32) {
        switch sig {
        case SIGHUP: reloadNow()
        default: beginShutdown(reason: SignalSources.name(sig))
        }
    }
}

/// What `DaemonRunner.snapshot()` returns.
public struct DaemonSnapshot: Sendable {
    public var phase: DaemonRunner.Phase
    public var config: FeedwireConfig
    public var states: [String: FeedPollState]
    /// Waiting feeds and their due times.
    public var scheduled: [String: Double]
    /// Feeds being refreshed and when each started.
    public var inFlight: [String: Double]
    public var firstSync: FirstSyncProgress
    public var status: String
}

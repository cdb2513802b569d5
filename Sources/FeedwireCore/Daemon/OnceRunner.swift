import Dispatch
import Logging
import Synchronization

/// `feedwire once`: refresh every enabled feed exactly once, in waves
/// bounded like the daemon's, and report. No schedule, no signals, no
/// systemd; outputs and deliveries are the caller's next step.
///
/// Feeds that a stored 410 disabled are skipped (and reported as such).
public final class OnceRunner: @unchecked Sendable {
    public struct Outcome: Sendable {
        /// Every refreshed feed's report, by name.
        public var reports: [String: RefreshReport]
        /// Feeds whose refresh failed or answered 410 (exit code 1 when not empty).
        public var failed: [String]
        /// Feeds not refreshed because a stored 410 disabled them.
        public var skipped: [String]
    }

    private let config: FeedwireConfig
    private let refresher: any FeedRefresher
    private let stored: [String: FeedPollState]
    private let maxInFlight: Int
    private let logger: Logger
    private let clock: any Clock
    private let afterRefresh: @Sendable (FeedConfig, RefreshReport) -> Void
    private let queue = DispatchQueue(label: "feedwire.once")

    // Confined to `queue`.
    private var due: DueQueue
    private var reports: [String: RefreshReport] = [:]
    private var progress: FirstSyncProgress
    private var feeds: [String: FeedConfig] = [:]

    /// - Parameters:
    ///   - stored: what the store remembers (to skip gone feeds and follow stored redirects).
    ///   - maxInFlight: refreshes at once (nil: twice `[daemon] max_in_flight`, at least 8).
    ///   - afterRefresh: called on an internal serial queue after each refresh.
    public init(config: FeedwireConfig, refresher: any FeedRefresher, stored: [String: FeedPollState] = [:],
                maxInFlight: Int? = nil, clock: any Clock = SystemClock(), logger: Logger = Logger(label: "feedwire"),
                afterRefresh: @escaping @Sendable (FeedConfig, RefreshReport) -> Void = { _, _ in }) {
        self.config = config
        self.refresher = refresher
        self.stored = stored
        self.maxInFlight = max(1, maxInFlight ?? max(8, config.daemon.maxInFlight * 2))
        self.clock = clock
        self.logger = logger
        self.afterRefresh = afterRefresh
        due = DueQueue(maxInFlight: self.maxInFlight)
        progress = FirstSyncProgress(everyFeeds: 50, everySeconds: 10)
    }

    /// Runs the cycle and blocks the calling thread until every refresh has
    /// completed. Call it from the main thread (or any thread that is not
    /// needed by the refresher to complete).
    public func run() -> Outcome {
        let done = DispatchSemaphore(value: 0)
        let skipped = Mutex<[String]>([])
        queue.async { [self] in
            let now = clock.now()
            for feed in config.feeds where feed.enabled {
                if stored[feed.name]?.isGone(configured: feed.url) == true {
                    skipped.withLock { $0.append(feed.name) }
                    logger.warning("skipped: disabled since it answered 410 Gone; remove it from feeds.conf (line \(feed.line)), or change its url to poll it again",
                                   metadata: ["feed": .string(feed.name)])
                    continue
                }
                if let state = stored[feed.name], let to = state.movedTo, state.movedFrom == feed.url {
                    logger.warning("moved permanently to \(to); fetching that address. Update url in feeds.conf (line \(feed.line))",
                                   metadata: ["feed": .string(feed.name)])
                }
                feeds[feed.name] = feed
                due.schedule(feed.name, at: now)
                progress.add(feed.name, now: now)
            }
            if feeds.isEmpty {
                done.signal()
                return
            }
            pump(done)
        }
        done.wait()
        return queue.sync {
            let failed = reports.filter { $0.value.outcome == .failed || $0.value.outcome == .gone }.map(\.key).sorted()
            return Outcome(reports: reports, failed: failed, skipped: skipped.withLock { $0 })
        }
    }

    private func pump(_ done: DispatchSemaphore) {
        for name in due.takeDue(now: .infinity) {
            guard var feed = feeds[name] else { continue }
            let configured = feed
            feed.url = stored[name]?.effectiveURL(configured: feed.url) ?? feed.url
            let startedAt = clock.now()
            refresher.refresh(feed: feed) { [self] report in
                queue.async { [self] in
                    let now = clock.now()
                    due.finish(name, next: nil, now: now)
                    reports[name] = report
                    log(configured, report: report, startedAt: startedAt, now: now)
                    let failed = report.outcome == .failed || report.outcome == .gone
                    if case .progress = progress.record(name, failed: failed, now: now) {
                        logger.info("\(progress.summary)")
                    }
                    afterRefresh(configured, report)
                    if due.inFlightCount == 0 && due.scheduledCount == 0 {
                        done.signal()
                    } else {
                        pump(done)
                    }
                }
            }
        }
    }

    /// The same lines as the daemon's (`RefreshLog`): every failure at
    /// warning, a 410 at error, a permanent redirect with the advice to
    /// update feeds.conf, new/updated counts at info, "not modified" at debug.
    private func log(_ feed: FeedConfig, report: RefreshReport, startedAt: Double, now: Double) {
        let before = stored[feed.name] ?? FeedPollState()
        var after = before
        after.record(report, configuredURL: feed.url, startedAt: startedAt, now: now)
        for line in RefreshLog.lines(feed: feed, report: report, state: after, previousFailures: before.consecutiveFailures,
                                     previousMove: before.movedTo, schedule: nil) {
            logger.log(level: line.level, "\(line.message)", metadata: ["feed": .string(feed.name)])
        }
    }
}

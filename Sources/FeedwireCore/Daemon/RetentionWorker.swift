import Dispatch
import Logging

/// Prunes old revisions and long-vanished items in the background
/// (`[daemon] keep_revisions`, `keep_items`): every `period` it calls the
/// store's `pruneBatch` until a batch reports no more work. Each batch is
/// one short transaction, so polls are never held up for long; the worker
/// runs on its own serial queue.
public final class RetentionWorker: DaemonComponent, @unchecked Sendable {
    public let componentName = "retention"
    private let store: StateStore
    private let clock: Clock
    private let logger: Logger
    private let period: Double
    private let queue = DispatchQueue(label: "feedwire.retention", qos: .background)
    // Confined to `queue`.
    private var policy: RetentionPolicy
    private var timer: DispatchSourceTimer?
    private var stopped = false

    public init(store: StateStore, settings: DaemonSettings, clock: Clock = SystemClock(), period: Double = 600,
                logger: Logger = Logger(label: "feedwire")) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.period = period
        policy = RetentionPolicy(daemon: settings)
    }

    /// Starts the periodic pass (the first one after a minute, not at start-up).
    public func start() {
        queue.async { [self] in
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.schedule(deadline: .now() + min(60, period), repeating: period, leeway: .seconds(10))
            t.setEventHandler { [weak self] in self?.pass() }
            t.activate()
            timer = t
        }
    }

    public func reconfigure(_ settings: DaemonSettings) {
        queue.async { [self] in policy = RetentionPolicy(daemon: settings) }
    }

    /// Runs batches until done (or stopped). On `queue`.
    private func pass() {
        var total = RetentionReport()
        for _ in 0..<10_000 where !stopped {
            do {
                let report = try store.pruneBatch(policy, now: clock.timestamp)
                total.itemsDeleted += report.itemsDeleted
                total.revisionsDeleted += report.revisionsDeleted
                total.eventsDeleted += report.eventsDeleted
                if !report.moreWork { break }
            } catch {
                logger.error("retention: pruning failed (\(error)); it is tried again in \(Int(period / 60)) min")
                return
            }
        }
        if total.itemsDeleted + total.revisionsDeleted + total.eventsDeleted > 0 {
            logger.info("retention: removed \(total.itemsDeleted) old items, \(total.revisionsDeleted) revisions, \(total.eventsDeleted) events")
        }
    }

    public func shutdown(deadline: Double, completion: @escaping @Sendable () -> Void) {
        queue.async { [self] in
            stopped = true
            timer?.cancel()
            timer = nil
            completion()
        }
    }
}

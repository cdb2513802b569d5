import FeedwireCore
import FeedwireCurl
import Logging

/// The pipeline's parts built from one configuration: what `run` and
/// `once` share. Opening the store or building the HTTP engine can fail;
/// both mean "cannot start" (exit 3).
final class DaemonAssembly: Sendable {
    let config: FeedwireConfig
    let store: SQLiteStore
    let transport: CurlTransport
    let pipeline: FeedPipeline
    let delivery: DeliveryWorker
    let publisher: PublishWorker
    let retention: RetentionWorker
    let metrics: FeedwireMetrics
    let logger: Logger

    init(config: FeedwireConfig, deliveryMode: DeliveryWorker.Mode, logger: Logger) throws {
        self.config = config
        self.logger = logger
        do {
            store = try SQLiteStore(path: config.daemon.state, mode: .writer)
        } catch {
            throw CommandFailure.cannotStart("feedwire: cannot start: \(error)")
        }
        do {
            try store.syncFeeds(config.feeds, now: SystemClock().timestamp)
        } catch {
            throw CommandFailure.cannotStart("feedwire: cannot start: could not record the configured feeds in \(config.daemon.state): \(error)")
        }
        do {
            transport = CurlTransport(configuration: try CurlTransportConfiguration(settings: config.daemon))
        } catch {
            throw CommandFailure.cannotStart("feedwire: cannot start: \(error)")
        }
        metrics = FeedwireMetrics()
        pipeline = FeedPipeline(store: store, transport: transport, config: config, logger: logger)
        delivery = DeliveryWorker(outbox: store, transport: transport, clock: SystemClock(), notifiers: config.notifiers,
                                  daemon: config.daemon, logger: logger, metrics: metrics, mode: deliveryMode)
        publisher = PublishWorker(config: config, reader: store, logger: logger, minimumSpacing: 2)
        retention = RetentionWorker(store: store, settings: config.daemon, logger: logger)
    }

    /// What the store remembers per feed, for the scheduler.
    func storedPollStates(_ names: [String]) -> [String: FeedPollState] {
        guard let states = try? store.feedStates() else { return [:] }
        let wanted = Set(names)
        var out: [String: FeedPollState] = [:]
        for state in states where wanted.contains(state.name) { out[state.name] = state.pollState }
        return out
    }

    /// Components in the order SIGTERM stops them: no new refreshes, then
    /// deliveries, outputs and pruning, then the HTTP engine, the store last.
    var components: [any DaemonComponent] {
        let delivery = self.delivery, transport = self.transport, grace = config.daemon.shutdownGrace
        return [
            pipeline,
            ClosureComponent("delivery") { delivery.stop(grace: min(grace, 5)) },
            publisher,
            retention,
            ClosureComponent("http") { transport.shutdown() },
        ]
    }

    /// Applies a reloaded configuration to every part but the scheduler.
    func reconfigure(_ new: FeedwireConfig) {
        do {
            try store.syncFeeds(new.feeds, now: SystemClock().timestamp)
        } catch {
            logger.error("reload: could not record the configured feeds: \(error)")
        }
        pipeline.reconfigure(new)
        delivery.reconfigure(new.notifiers, daemon: new.daemon)
        publisher.reload(new)
        retention.reconfigure(new.daemon)
    }
}

/// `--log-level`, shared by the long-running commands.
func resolveLogLevel(_ text: String?, config: FeedwireConfig?) throws -> Logger.Level {
    if let text {
        guard let level = FeedwireLogging.parseLevel(text) else {
            throw CommandFailure.usage("feedwire: --log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }
    return config.flatMap { FeedwireLogging.parseLevel($0.daemon.logLevel) } ?? .info
}

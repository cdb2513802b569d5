import ArgumentParser
import FeedwireCore
import FeedwireCurl
import Logging

/// `feedwire once`: one full cycle — every enabled feed refreshed once,
/// every output written, the outbox delivered — then exit. For cron users
/// and tests. Exit 1 when a feed failed, 3 when it cannot start.
struct OnceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "once",
        abstract: "One full cycle of every feed, outputs and deliveries, then exit.",
        discussion: "Messages that cannot be sent within --max-wait (a long Retry-After, a later retry) stay in the outbox for the next run. Exit codes: 0 every feed refreshed, 1 a feed failed, 3 cannot start."
    )

    @OptionGroup var config: ConfigOption

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (default: [daemon] log_level).")
    var logLevel: String?

    @Option(name: .long, help: "Longest pause (seconds) to wait for before sending a notification (default 60).")
    var maxWait: Double = 60

    @Flag(name: .long, help: "Refresh and publish only; leave notifications in the outbox.")
    var noDeliver = false

    func run() throws {
        let path = config.path
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: path)
        } catch {
            throw CommandFailure.cannotStart(error.description + "\nfeedwire: cannot start: fix feeds.conf (`feedwire check --config \(path)`)")
        }
        FeedwireLogging.bootstrap(level: try resolveLogLevel(logLevel, config: loaded.config))
        let logger = Logger(label: "feedwire")
        for warning in loaded.warnings { logger.warning("\(warning.formatted(file: path))") }

        let parts = try DaemonAssembly(config: loaded.config, deliveryMode: .manual, logger: logger)
        defer { parts.transport.shutdown() }
        let feeds = loaded.config.feeds.map(\.name)
        let once = OnceRunner(config: loaded.config, refresher: parts.pipeline, stored: parts.storedPollStates(feeds),
                              logger: logger)
        let result = once.run()
        parts.pipeline.flush()  // the batched "not modified" polls (FeedPipeline)
        parts.publisher.publishNow()
        if !noDeliver {
            let clock = SystemClock()
            let drained = OutboxDrain.run(worker: parts.delivery, outbox: parts.store, targets: loaded.config.notifiers.map(\.name),
                                          clock: clock, maxWait: maxWait, deadline: clock.now() + max(maxWait * 5, 300),
                                          logger: logger)
            if drained.left > 0 {
                logger.notice("\(drained.left) notification(s) wait in the outbox for a later run")
            }
        }
        let refreshed = result.reports.count - result.failed.count
        logger.info("once: \(refreshed) feeds refreshed, \(result.failed.count) failed, \(result.skipped.count) skipped")
        if !result.failed.isEmpty {
            throw CommandFailure.failed("feedwire once: \(result.failed.count) feed(s) failed: \(result.failed.joined(separator: ", "))")
        }
    }
}

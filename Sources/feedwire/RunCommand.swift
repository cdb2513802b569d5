import ArgumentParser
import Dispatch
import FeedwireCore
import Logging

/// `feedwire run`: the daemon. Polls every feed on its schedule, publishes
/// outputs, delivers notifications; SIGHUP reloads feeds.conf, SIGTERM stops
/// gracefully. Under systemd (`Type=notify`) it reports READY, STATUS and
/// the watchdog through `$NOTIFY_SOCKET`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: poll feeds on schedule, publish outputs, deliver notifications.",
        discussion: "SIGHUP re-reads the configuration (an invalid file is rejected and the old one keeps running); SIGTERM or SIGINT stops after in-flight work (up to shutdown_grace). Exit codes: 0 stopped cleanly, 3 cannot start."
    )

    @OptionGroup var config: ConfigOption

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (default: [daemon] log_level).")
    var logLevel: String?

    func run() throws {
        let path = config.path
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: path)
        } catch {
            throw CommandFailure.cannotStart(error.description + "\nfeedwire: cannot start: fix feeds.conf (`feedwire check --config \(path)`)")
        }
        let cliLevel = try logLevel.map { try resolveLogLevel($0, config: nil) }
        FeedwireLogging.bootstrap(level: try resolveLogLevel(logLevel, config: loaded.config))
        let logger = Logger(label: "feedwire")
        for warning in loaded.warnings { logger.warning("\(warning.formatted(file: path))") }

        let parts = try DaemonAssembly(config: loaded.config, deliveryMode: .automatic, logger: logger)
        var options = DaemonOptions()
        options.followConfigLogLevel = cliLevel == nil
        let publisher = parts.publisher, delivery = parts.delivery, retention = parts.retention
        let pipeline = parts.pipeline
        let runner = DaemonRunner(
            config: loaded.config, refresher: pipeline, components: parts.components,
            hooks: DaemonHooks(
                ready: {
                    delivery.start()
                    retention.start()
                    publisher.publishIfDirty()
                },
                afterRefresh: { feed, report, state in
                    pipeline.noteNextDue(feed.name, at: state.nextDue)
                    if report.newItems > 0 || report.updatedItems > 0 || report.outcome != .notModified {
                        delivery.wake()
                    }
                },
                settled: {
                    pipeline.flushNextDue()
                    publisher.publishIfDirty()
                },
                reloaded: { _, new in parts.reconfigure(new) },
                storeHealthy: { pipeline.storeHealthy }),
            storedState: { names in parts.storedPollStates(names) },
            loader: { try ConfigLoader.load(path: path) },
            options: options, metrics: parts.metrics, logger: logger)
        do {
            try runner.start()
        } catch {
            throw CommandFailure.cannotStart("feedwire: cannot start: \(error)")
        }
        logger.info("running with \(loaded.config.feeds.count) feeds, \(loaded.config.outputs.count) outputs, \(loaded.config.notifiers.count) notifiers; state \(loaded.config.daemon.state)")
        withExtendedLifetime((parts, runner)) {
            dispatchMain()
        }
    }
}

import Dispatch
import FeedwireCore
import FeedwireTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The daemon loop with real Dispatch timers, the real clock, real signals
/// and the metrics endpoint on a real socket; only the pipeline is faked.
/// (The built binary's signal handling is the lead's `feedwire run` test.)
@Suite(.serialized) struct DaemonRealTimeTests {
    final class Box: Sendable {
        let loads = Mutex(0)
        let exits = Mutex<[Int32]>([])
    }

    private func config(feeds: Int, metrics: String = "") -> FeedwireConfig {
        var daemon = DaemonSettings()
        daemon.interval = 1
        daemon.minInterval = 1
        daemon.jitter = 0
        daemon.shutdownGrace = 2
        daemon.metrics = metrics
        let list = (0..<feeds).map { FeedConfig(name: "f\($0)", url: "http://feeds.test/f\($0).xml") }
        return FeedwireConfig(daemon: daemon, feeds: list)
    }

    private func runner(_ config: FeedwireConfig, refresher: FakeRefresher, box: Box, signals: Bool) -> DaemonRunner {
        var options = DaemonOptions()
        options.handleSignals = signals
        options.progressLine = false
        options.followConfigLogLevel = false
        options.housekeepingPeriod = 0.2
        let sink = LogSink.memory()
        return DaemonRunner(
            config: config, refresher: refresher,
            loader: {
                box.loads.withLock { $0 += 1 }
                return LoadedConfig(config: config)
            },
            options: options, environment: DaemonEnvironment(),
            logger: Logger(label: "t") { FeedwireLogHandler(label: $0, format: .plain, sink: sink, level: LogLevelSetting(.info)) },
            logSink: sink, exit: { code in box.exits.withLock { $0.append(code) } })
    }

    private func wait(_ timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let end = monotonicSeconds() + timeout
        while monotonicSeconds() < end {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    @Test func pollsOnRealTimersAndServesMetrics() throws {
        let box = Box()
        let refresher = FakeRefresher(clock: SystemClock(), responder: { _ in .changed(newItems: 1) })
        let r = runner(config(feeds: 3, metrics: "127.0.0.1:0"), refresher: refresher, box: box, signals: false)
        try r.start()
        let port = Int(try #require(r.metricsAddress).port)
        #expect(wait { refresher.calls.count >= 9 })  // three rounds of three feeds, one a second
        let times = refresher.calls(for: "f0").map(\.at)
        for (a, b) in zip(times, times.dropFirst()) { #expect(b - a > 0.9 && b - a < 1.5) }
        let metrics = try LoopbackHTTP.request(port: port, method: "GET", path: "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("feedwire_feed_items_total{feed=\"f1\",kind=\"new\"}"))
        #expect(try LoopbackHTTP.request(port: port, method: "GET", path: "/healthz").text == "ok\n")
        r.stop(reason: "test")
        #expect(wait { box.exits.withLock { $0 } == [0] })
        #expect(refresher.overlaps.isEmpty)
    }

    /// A real SIGHUP and SIGTERM delivered to this test process reach the
    /// runner through its Dispatch signal sources. Afterwards the signals
    /// are ignored (which discards any still pending) and then restored.
    @Test func realSignalsReloadAndStop() throws {
        let box = Box()
        let refresher = FakeRefresher(clock: SystemClock())
        let r = runner(config(feeds: 1), refresher: refresher, box: box, signals: true)
        defer {
            for sig in [SIGHUP, SIGTERM, SIGINT] {
                signal(sig, SIG_IGN)
                signal(sig, SIG_DFL)
            }
        }
        try r.start()
        // The sources register asynchronously; a signal sent before that is ignored, so resend until seen.
        #expect(wait { kill(getpid(), SIGHUP); return wait(0.2) { box.loads.withLock { $0 } >= 1 } })
        #expect(box.exits.withLock { $0 }.isEmpty)
        kill(getpid(), SIGTERM)
        #expect(wait { box.exits.withLock { $0 } == [0] })
    }
}

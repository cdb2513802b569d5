import Dispatch
import FeedwireCore
import FeedwireTestSupport
import Logging
import Synchronization

/// A `DaemonRunner` wired to fakes: a fake clock and manual timers (time
/// moves only when the test says), a `FakeRefresher`, an in-memory log, a
/// recorded exit code and, optionally, a fake systemd notify socket.
final class DaemonHarness: @unchecked Sendable {
    let clock = FakeClock()
    let timers: ManualTimers
    let refresher: FakeRefresher
    let sink = LogSink.memory()
    let directory = TemporaryDirectory(prefix: "feedwire-daemon")
    let notifySocket: FakeNotifySocket?
    let runner: DaemonRunner
    let recorder = Recorder()

    /// What the hooks, the loader and `exit` saw (shared with their closures).
    final class Recorder: Sendable {
        let exitCodes = Mutex<[Int32]>([])
        let loaderResult = Mutex<Result<LoadedConfig, ConfigError>?>(nil)
        let loadCount = Mutex(0)
        let refreshed = Mutex<[(feed: String, report: RefreshReport, state: FeedPollState)]>([])
        let reloads = Mutex(0)
        let settled = Mutex(0)
        let storeHealthy = Mutex(true)
        let ready = Mutex(0)
    }

    static var testOptions: DaemonOptions {
        var o = DaemonOptions()
        o.handleSignals = false
        o.progressLine = false
        o.jitterSeed = 1
        o.followConfigLogLevel = false
        return o
    }

    init(config: FeedwireConfig, stored: [String: FeedPollState] = [:], options: DaemonOptions = DaemonHarness.testOptions,
         components: [any DaemonComponent] = [], notify: Bool = false, abstractSocket: Bool = false,
         watchdogUsec: String? = nil, watchdogPID: String? = nil,
         responder: @escaping FakeRefresher.Responder = { _ in .notModified() }) throws {
        timers = ManualTimers(clock: clock)
        refresher = FakeRefresher(clock: clock, responder: responder)
        notifySocket = notify ? try FakeNotifySocket(directory: directory.path, abstract: abstractSocket) : nil
        let recorder = self.recorder
        recorder.loaderResult.withLock { $0 = .success(LoadedConfig(config: config)) }
        let sink = self.sink
        let logger = Logger(label: "feedwire") { label in
            FeedwireLogHandler(label: label, format: .plain, sink: sink, level: LogLevelSetting(.debug))
        }
        let env = DaemonEnvironment(notifySocket: notifySocket?.address, watchdogUsec: watchdogUsec, watchdogPID: watchdogPID)
        var hooks = DaemonHooks()
        hooks.afterRefresh = { feed, report, state in recorder.refreshed.withLock { $0.append((feed.name, report, state)) } }
        hooks.reloaded = { _, _ in recorder.reloads.withLock { $0 += 1 } }
        hooks.settled = { recorder.settled.withLock { $0 += 1 } }
        hooks.storeHealthy = { recorder.storeHealthy.withLock { $0 } }
        hooks.ready = { recorder.ready.withLock { $0 += 1 } }
        runner = DaemonRunner(
            config: config, refresher: refresher, components: components, hooks: hooks,
            storedState: { names in stored.filter { names.contains($0.key) } },
            loader: {
                recorder.loadCount.withLock { $0 += 1 }
                return try recorder.loaderResult.withLock { $0 }!.get()
            },
            options: options, environment: env, clock: clock, timers: timers, logger: logger, logSink: sink,
            exit: { code in recorder.exitCodes.withLock { $0.append(code) } })
    }

    func start() throws { try runner.start() }

    /// Simulated time passes; due timers fire.
    func run(for seconds: Double) {
        timers.run(for: seconds)
        settle()
    }

    /// Lets queued work run, including chains of hops (a component's
    /// completion hopping back to the queue, which starts the next one …).
    func settle() {
        timers.settle()
        for _ in 0..<20 { runner.queue.sync {} }
    }

    func nextLoad(_ result: Result<LoadedConfig, ConfigError>) { recorder.loaderResult.withLock { $0 = result } }
    func nextConfig(_ config: FeedwireConfig) { nextLoad(.success(LoadedConfig(config: config))) }

    /// Reload through the same path SIGHUP takes, then let it finish.
    func reload() {
        runner.reload()
        settle()
    }

    var loads: Int { recorder.loadCount.withLock { $0 } }
    var exits: [Int32] { recorder.exitCodes.withLock { $0 } }
    var logs: [String] { sink.lines }
    var refreshes: [(feed: String, report: RefreshReport, state: FeedPollState)] { recorder.refreshed.withLock { $0 } }
    var reloadHooks: Int { recorder.reloads.withLock { $0 } }
    var settledCalls: Int { recorder.settled.withLock { $0 } }
    var readyCalls: Int { recorder.ready.withLock { $0 } }
    func setStoreHealthy(_ ok: Bool) { recorder.storeHealthy.withLock { $0 = ok } }
    var snapshot: DaemonSnapshot { runner.snapshot() }

    func logs(containing text: String) -> [String] { logs.filter { $0.contains(text) } }

    /// Datagrams received by the fake notify socket so far.
    func notifications() -> [String] { notifySocket?.drain() ?? [] }

    /// Times (relative to `origin`) at which a feed was refreshed.
    func callTimes(_ feed: String, from origin: Double) -> [Double] {
        refresher.calls(for: feed).map { $0.at - origin }
    }
}

/// A configuration with feeds `f0`…`f(n-1)`.
func testConfig(feeds n: Int, interval: Double = 900, feedInterval: Double? = nil, jitter: Double = 0,
                maxInFlight: Int = 32, grace: Double = 10) -> FeedwireConfig {
    var daemon = DaemonSettings()
    daemon.interval = interval
    daemon.jitter = jitter
    daemon.maxInFlight = maxInFlight
    daemon.shutdownGrace = grace
    let feeds = (0..<n).map { i -> FeedConfig in
        var f = FeedConfig(name: "f\(i)", url: "http://feeds.test/f\(i).xml")
        f.interval = feedInterval
        f.line = 10 + i
        return f
    }
    return FeedwireConfig(daemon: daemon, feeds: feeds, path: "/etc/feedwire/feeds.conf")
}

extension FeedwireConfig {
    func adding(_ feed: FeedConfig) -> FeedwireConfig {
        var c = self
        c.feeds.append(feed)
        return c
    }

    func removing(_ name: String) -> FeedwireConfig {
        var c = self
        c.feeds.removeAll { $0.name == name }
        return c
    }

    func changing(_ name: String, _ change: (inout FeedConfig) -> Void) -> FeedwireConfig {
        var c = self
        if let i = c.feeds.firstIndex(where: { $0.name == name }) { change(&c.feeds[i]) }
        return c
    }
}

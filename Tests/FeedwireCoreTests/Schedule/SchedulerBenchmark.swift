import Dispatch
import FeedwireCore
import FeedwireTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// `make bench-schedule`: what managing 10,000 feeds costs the scheduler,
/// over a simulated day on a fake clock. A benchmark, not a test: it only
/// runs with FEEDWIRE_BENCH=1 and prints numbers; it asserts nothing about speed.
/// Serialized: the CPU figures are process-wide.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["FEEDWIRE_BENCH"] != nil))
struct SchedulerBenchmark {
    static let feeds = Int(ProcessInfo.processInfo.environment["FEEDWIRE_BENCH_FEEDS"] ?? "") ?? 10_000

    /// The pure part: heap + in-flight bookkeeping + poll policy, one
    /// decision per refresh, 15 min interval, 10 % jitter, a day.
    @Test func pureSchedulerOverADay() {
        let n = Self.feeds
        let policy = PollPolicy(bounds: PollBounds(defaultInterval: 900, floor: 60, ceiling: 86_400, jitter: 0.1))
        var rng = SplitMix64(seed: 1)
        var queue = DueQueue(maxInFlight: 64)
        let start = 1_764_072_000.0
        for i in 0..<n { queue.schedule("feed-\(i)", at: start + Double(i % 900)) }
        var now = start
        var decisions = 0
        let cpu0 = ProcessStats.cpuSeconds()
        let t0 = monotonicSeconds()
        while now < start + 86_400 {
            guard let wake = queue.wakeTime else { break }
            now = max(now, wake)
            for name in queue.takeDue(now: now) {
                let d = policy.decide(PollInputs(now: now + 0.05, startedAt: now, outcome: .notModified,
                                                 publishing: PublishingStats(lastNewItemAt: now - 3_600)), using: &rng)
                queue.finish(name, next: d.next, now: now + 0.05)
                decisions += 1
            }
        }
        let cpu = ProcessStats.cpuSeconds() - cpu0
        let wall = monotonicSeconds() - t0
        print(String(format: "bench-schedule pure: %d feeds, %d decisions over a simulated day: %.3f s CPU (%.3f s wall), %.2f µs per decision",
                     n, decisions, cpu, wall, cpu / Double(max(decisions, 1)) * 1e6))
    }

    /// The whole daemon loop with a fake pipeline that answers 304 at once:
    /// Dispatch hops, the single timer re-armed, status, metrics, logging
    /// (info level) — everything but the real fetch/parse/store.
    @Test func daemonLoopOverADay() throws {
        let n = Self.feeds
        var daemon = DaemonSettings()
        daemon.jitter = 0.1
        let config = FeedwireConfig(daemon: daemon, feeds: (0..<n).map { FeedConfig(name: "feed-\($0)", url: "http://bench.test/\($0).xml") })
        let clock = FakeClock()
        let timers = ManualTimers(clock: clock, settleRounds: 4)
        let refresher = CountingRefresher()
        var options = DaemonOptions()
        options.handleSignals = false
        options.progressLine = false
        options.followConfigLogLevel = false
        options.jitterSeed = 1
        let sink = LogSink.memory()
        let runner = DaemonRunner(
            config: config, refresher: refresher, loader: { LoadedConfig(config: config) }, options: options,
            environment: DaemonEnvironment(), clock: clock, timers: timers,
            logger: Logger(label: "bench") { FeedwireLogHandler(label: $0, format: .plain, sink: sink, level: LogLevelSetting(.info)) },
            logSink: sink, exit: { _ in })
        let cpu0 = ProcessStats.cpuSeconds()
        let t0 = monotonicSeconds()
        try runner.start()
        let startupCPU = ProcessStats.cpuSeconds() - cpu0
        var fired = 0
        for _ in 0..<24 {
            fired += timers.run(for: 3_600)
            timers.compact()
        }
        let cpu = ProcessStats.cpuSeconds() - cpu0
        let wall = monotonicSeconds() - t0
        let refreshes = refresher.count
        print(String(format: "bench-schedule loop: %d feeds, %d refreshes, %d timer fires over a simulated day: %.3f s CPU (%.3f s wall; start-up %.3f s), %.2f µs per refresh, RSS %.1f MiB",
                     n, refreshes, fired, cpu, wall, startupCPU, cpu / Double(max(refreshes, 1)) * 1e6,
                     Double(ProcessStats.residentBytes() ?? 0) / 1_048_576))
        print("bench-schedule loop: status \"\(runner.snapshot().status)\"")
    }
}

/// Answers 304 at once and only counts (the fake refresher records every
/// call, which would dominate a million-refresh run).
final class CountingRefresher: FeedRefresher, Sendable {
    private let calls = Mutex(0)
    var count: Int { calls.withLock { $0 } }

    func refresh(feed: FeedConfig, completion: @escaping @Sendable (RefreshReport) -> Void) {
        calls.withLock { $0 += 1 }
        completion(.notModified())
    }
}

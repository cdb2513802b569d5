import Glibc
import Synchronization

/// Feedwire's metrics, named once here. The daemon updates the per-feed and
/// scheduler series; the delivery worker calls `setOutboxDepth` and
/// `observeDeliveryLatency`. Safe from any queue.
public final class FeedwireMetrics: Sendable {
    public let registry: MetricsRegistry

    // Per feed.
    public static let lastSuccess = "feedwire_feed_last_success_timestamp_seconds"
    public static let consecutiveErrors = "feedwire_feed_consecutive_errors"
    public static let fetches = "feedwire_feed_fetches_total"
    public static let items = "feedwire_feed_items_total"
    // Delivery.
    public static let outboxDepth = "feedwire_outbox_depth"
    public static let deliveryLatency = "feedwire_delivery_latency_seconds"
    public static let deliveries = "feedwire_deliveries_total"
    // Daemon.
    public static let feeds = "feedwire_feeds"
    public static let inFlight = "feedwire_refreshes_in_flight"
    public static let firstSyncPending = "feedwire_first_sync_pending"
    public static let reloads = "feedwire_reloads_total"
    public static let loopHealthy = "feedwire_loop_healthy"
    public static let buildInfo = "feedwire_build_info"

    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        let r = registry
        r.declare(Self.lastSuccess, .gauge, help: "Unix time of the feed's last successful fetch (200 or 304).")
        r.declare(Self.consecutiveErrors, .gauge, help: "Consecutive failed fetches of the feed (0 when healthy).")
        r.declare(Self.fetches, .counter, help: "Fetches by outcome: changed, not_modified, failed, gone.")
        r.declare(Self.items, .counter, help: "Items found new or really updated, per feed.")
        r.declare(Self.outboxDepth, .gauge, help: "Notifications waiting in the outbox, per target.")
        r.declare(Self.deliveryLatency, .histogram, help: "Seconds from a change being detected to its notification being delivered.",
                  buckets: [1, 5, 15, 30, 60, 120, 300, 900, 3_600, 21_600])
        r.declare(Self.deliveries, .counter, help: "Delivery attempts by target and result.")
        r.declare(Self.feeds, .gauge, help: "Configured feeds by state: active, failing, disabled.")
        r.declare(Self.inFlight, .gauge, help: "Feed refreshes in flight.")
        r.declare(Self.firstSyncPending, .gauge, help: "Feeds never fetched yet (first sync).")
        r.declare(Self.reloads, .counter, help: "SIGHUP reloads by result: ok, rejected.")
        r.declare(Self.loopHealthy, .gauge, help: "1 while the scheduler loop makes progress and the store is usable.")
        r.declare(Self.buildInfo, .gauge, help: "Always 1; the version label says which Feedwire this is.")
        r.declare("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
        r.declare("process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.")
        r.declare("process_open_fds", .gauge, help: "Number of open file descriptors.")
        r.declare("process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")
        r.set(Self.buildInfo, ["version": FeedwireVersion.current], to: 1)
        let start = SystemClock().now() - monotonicSeconds() + ProcessStats.uptimeAtStart
        r.set("process_start_time_seconds", to: start.rounded(.down))
        r.addCollector { [r] in
            if let rss = ProcessStats.residentBytes() { r.set("process_resident_memory_bytes", to: Double(rss)) }
            r.set("process_cpu_seconds_total", to: ProcessStats.cpuSeconds())
            if let fds = ProcessStats.openFileDescriptors() { r.set("process_open_fds", to: Double(fds)) }
        }
    }

    /// After each refresh.
    public func recordRefresh(feed: String, report: RefreshReport, state: FeedPollState) {
        registry.increment(Self.fetches, ["feed": feed, "outcome": report.outcome.rawValue])
        if report.newItems > 0 { registry.increment(Self.items, ["feed": feed, "kind": "new"], by: Double(report.newItems)) }
        if report.updatedItems > 0 {
            registry.increment(Self.items, ["feed": feed, "kind": "updated"], by: Double(report.updatedItems))
        }
        registry.set(Self.consecutiveErrors, ["feed": feed], to: Double(state.consecutiveFailures))
        if let t = state.lastSuccess { registry.set(Self.lastSuccess, ["feed": feed], to: t.rounded(.down)) }
    }

    /// Seeds a feed's gauges from stored state, so a restart does not show gaps.
    public func seedFeed(_ feed: String, state: FeedPollState) {
        registry.set(Self.consecutiveErrors, ["feed": feed], to: Double(state.consecutiveFailures))
        if let t = state.lastSuccess { registry.set(Self.lastSuccess, ["feed": feed], to: t.rounded(.down)) }
    }

    /// A feed left the configuration.
    public func forgetFeed(_ feed: String) { registry.removeSeries(label: "feed", value: feed) }

    public func setFeeds(active: Int, failing: Int, disabled: Int) {
        registry.set(Self.feeds, ["state": "active"], to: Double(active))
        registry.set(Self.feeds, ["state": "failing"], to: Double(failing))
        registry.set(Self.feeds, ["state": "disabled"], to: Double(disabled))
    }

    public func setInFlight(_ n: Int) { registry.set(Self.inFlight, to: Double(n)) }
    public func setFirstSyncPending(_ n: Int) { registry.set(Self.firstSyncPending, to: Double(n)) }
    public func recordReload(ok: Bool) { registry.increment(Self.reloads, ["result": ok ? "ok" : "rejected"]) }
    public func setLoopHealthy(_ healthy: Bool) { registry.set(Self.loopHealthy, to: healthy ? 1 : 0) }

    /// For the delivery worker: messages waiting for a target.
    public func setOutboxDepth(target: String, depth: Int) {
        registry.set(Self.outboxDepth, ["target": target], to: Double(depth))
    }

    /// For the delivery worker: seconds from event detection to delivery.
    public func observeDeliveryLatency(target: String, seconds: Double) {
        registry.observe(Self.deliveryLatency, ["target": target], max(0, seconds))
    }

    /// For the delivery worker: one attempt's result (`delivered`, `retry`, `dead`, …).
    public func recordDelivery(target: String, result: String) {
        registry.increment(Self.deliveries, ["target": target, "result": result])
    }
}

/// Cheap reads of this process's resource use (for metrics and benchmarks).
public enum ProcessStats {
    /// Seconds between boot and process start, from `/proc/self/stat` field 22.
    static let uptimeAtStart: Double = {
        guard let stat = readSmallFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); starttime is field 22.
        guard fields.count > 19, let ticks = Double(fields[19]) else { return 0 }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return hz > 0 ? ticks / hz : 0
    }()

    /// Resident set size from `/proc/self/statm` (pages × page size).
    public static func residentBytes() -> Int? {
        guard let statm = readSmallFile("/proc/self/statm") else { return nil }
        let parts = statm.split(separator: " ")
        guard parts.count > 1, let pages = Int(parts[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// User + system CPU seconds of the whole process.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func secs(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return secs(usage.ru_utime) + secs(usage.ru_stime)
    }

    /// Entries in `/proc/self/fd`.
    public static func openFileDescriptors() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var n = 0
        while readdir(dir) != nil { n += 1 }
        return max(0, n - 3)  // ".", ".." and the directory's own descriptor
    }

    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self).trimmingTrailingNewline()
    }
}

extension String {
    fileprivate func trimmingTrailingNewline() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}

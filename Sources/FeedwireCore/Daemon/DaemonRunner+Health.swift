import Dispatch
import Logging

/// Liveness: housekeeping, the systemd watchdog, `STATUS=` and `/healthz`.
/// All on the daemon queue.
extension DaemonRunner {
    /// Whether the loop is making progress, and if not, why.
    ///
    /// Stuck means: refreshes are in flight but none has finished for
    /// `stallLimit` (a wedged transfer engine or store), or a feed is overdue
    /// by `stallLimit` while slots are free (the scheduler timer stopped).
    /// An idle loop with nothing due is healthy. That this runs at all proves
    /// the daemon queue itself is not blocked.
    func progress(now: Double) -> (ok: Bool, problem: String?) {
        let stall = options.stall(for: config.daemon)
        if let oldest = due.oldestInFlightStart, now - oldest > stall, now - lastCompletion > stall {
            return (false, "no feed refresh has finished for \(DurationText.format(now - lastCompletion)) "
                + "(\(due.inFlightCount) in flight)")
        }
        if phase == .running, due.inFlightCount < due.maxInFlight, let next = due.nextDue, now - next > stall {
            return (false, "feeds are overdue by \(DurationText.format(now - next)): the scheduler is not firing")
        }
        return (true, nil)
    }

    /// Every `housekeepingPeriod`: health beat, gauges, progress, stuck refreshes, `STATUS=`.
    func housekeeping() {
        guard phase == .running || phase == .stopping else { return }
        let now = clock.now()
        let (ok, problem) = progress(now: now)
        let store = hooks.storeHealthy()
        health.beat(now: now, progressing: ok, problem: problem, storeHealthy: store, stopping: phase == .stopping)
        metrics.setLoopHealthy(ok && store)
        updateGauges()
        if firstSync.tick(now: now) == .progress { logger.info("\(firstSync.summary)") }
        let stall = options.stall(for: config.daemon)
        for (name, started) in due.inFlight where now - started > stall && !stuckWarned.contains(name) {
            stuckWarned.insert(name)
            logger.warning("refresh has not finished after \(DurationText.format(now - started)); still waiting (it is never started twice)",
                           metadata: ["feed": .string(name)])
        }
        if phase == .running { maybeSendStatus(now: now, force: false) }
        housekeepingTimer?.arm(after: options.housekeepingPeriod)
    }

    /// The watchdog timer (half of `WATCHDOG_USEC`): ping only while the
    /// loop makes progress and the store is usable, as Miniflux pings only
    /// after a successful database ping. Otherwise systemd restarts us.
    func watchdogFired() {
        guard phase == .running || phase == .stopping else { return }
        let now = clock.now()
        let (ok, problem) = progress(now: now)
        let store = hooks.storeHealthy()
        if ok && store {
            notify("WATCHDOG=1")
            if watchdogWarned { logger.notice("watchdog: the loop is making progress again") }
            watchdogWarned = false
        } else if !watchdogWarned {
            watchdogWarned = true
            let why = problem ?? "the state database is not usable"
            logger.error("watchdog: not confirming liveness to systemd: \(why); systemd restarts Feedwire if this lasts past WatchdogSec")
        }
        if let interval = watchdogInterval { watchdogTimer?.arm(after: interval) }
    }

    /// `32 feeds, 3 failing, next poll in 40 s`.
    func statusText(now: Double) -> String {
        switch phase {
        case .stopping: return "Stopping: waiting for \(due.inFlightCount) refreshes"
        case .stopped: return "Stopped"
        case .created: return "Starting"
        case .running: break
        }
        var parts = ["\(activeCount) feeds"]
        if !failing.isEmpty { parts.append("\(failing.count) failing") }
        if !gone.isEmpty { parts.append("\(gone.count) gone") }
        if firstSync.isActive { parts.append(firstSync.summary) }
        if let next = due.nextDue {
            parts.append(next <= now ? "polling now" : "next poll in \(DurationText.format(next - now))")
        } else if due.inFlightCount > 0 {
            parts.append("\(due.inFlightCount) refreshing")
        } else {
            parts.append("nothing scheduled")
        }
        return parts.joined(separator: ", ")
    }

    /// Feeds enabled in the configuration and not disabled by a 410.
    var activeCount: Int { enabledCount - gone.count }

    func statusKey() -> String {
        "\(feeds.count)/\(activeCount)/\(failing.count)/\(gone.count)/\(firstSync.isActive)"
    }

    /// Sends `STATUS=` when the counts changed (at most once a second) or
    /// every `statusPeriod` (its "next poll in" ages).
    func maybeSendStatus(now: Double, force: Bool) {
        let key = statusKey()
        let changed = key != lastStatusKey && now - lastStatusSentAt >= 1
        guard force || changed || now - lastStatusSentAt >= options.statusPeriod else { return }
        notify(SdNotify.statusLine(statusText(now: now)))
        lastStatusKey = key
        lastStatusSentAt = now
        updateGauges()
    }

    func updateGauges() {
        metrics.setFeeds(active: activeCount - failing.count, failing: failing.count, disabled: gone.count)
        metrics.setInFlight(due.inFlightCount)
        metrics.setFirstSyncPending(firstSync.pending.count)
    }

    /// `/metrics` and `/healthz` (run on the metrics server's queue, so they
    /// touch only thread-safe state).
    static func metricsHandler(metrics: FeedwireMetrics, health: LoopHealth, clock: any Clock) -> MetricsServer.Handler {
        { head in
            switch head.path {
            case "/metrics":
                return HTTPReply(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                 body: metrics.registry.render())
            case "/healthz":
                let (healthy, reason) = health.check(now: clock.now())
                return HTTPReply(status: healthy ? 200 : 503, body: healthy ? "ok\n" : reason + "\n")
            case "/":
                return HTTPReply(status: 200, body: "Feedwire \(FeedwireVersion.current): /metrics /healthz\n")
            default:
                return HTTPReply(status: 404, body: "not found; try /metrics or /healthz\n")
            }
        }
    }
}

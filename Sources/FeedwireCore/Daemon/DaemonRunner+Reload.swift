import Dispatch
import Logging

/// SIGHUP: re-read `feeds.conf`; reject an invalid file and keep running the
/// old configuration; otherwise swap the configuration value whole and
/// adjust the schedule without losing any feed's state.
extension DaemonRunner {
    func reloadNow() {
        guard phase == .running else {
            logger.notice("ignoring reload while \(phase.rawValue)")
            return
        }
        notify("RELOADING=1\nMONOTONIC_USEC=\(UInt64(monotonicSeconds() * 1e6))\n"
            + SdNotify.statusLine("Reloading the configuration"))
        logger.info("reloading the configuration")
        let loaded: LoadedConfig
        do {
            loaded = try loader()
        } catch let error as ConfigError {
            for d in error.diagnostics {
                logger.log(level: d.severity == .error ? .error : .warning, "\(d.formatted(file: error.file))")
            }
            reloadRejected(errors: error.diagnostics.filter { $0.severity == .error }.count)
            return
        } catch {
            logger.error("\(error)")
            reloadRejected(errors: 1)
            return
        }
        let file = loaded.config.path ?? config.path ?? "feeds.conf"
        for warning in loaded.warnings { logger.warning("\(warning.formatted(file: file))") }
        apply(loaded.config, now: clock.now())
        metrics.recordReload(ok: true)
        notify("READY=1\n" + SdNotify.statusLine(statusText(now: clock.now())))
        lastStatusSentAt = clock.now()
    }

    private func reloadRejected(errors: Int) {
        logger.error("the new configuration was rejected (\(errors) \(errors == 1 ? "error" : "errors")); still running the previous one with \(activeCount) feeds. Fix feeds.conf (`feedwire check` lists the problems) and reload again")
        metrics.recordReload(ok: false)
        notify("READY=1\n" + SdNotify.statusLine(statusText(now: clock.now())))
        lastStatusSentAt = clock.now()
    }

    /// How soon a feed added by a reload (or given a new url) is first
    /// polled: within `addedFeedSpread`, spread so a reload adding many
    /// feeds does not poll them all at once — but never later than the
    /// feed's own interval.
    func addedSpread(_ feed: FeedConfig) -> Double {
        min(options.addedFeedSpread, policy.configuredInterval(feedInterval: feed.interval))
    }

    /// Installs a valid new configuration.
    func apply(_ new: FeedwireConfig, now: Double) {
        let old = config
        if new.daemon.state != old.daemon.state {
            logger.warning("state changed from \(old.daemon.state) to \(new.daemon.state): this takes effect after a restart; still using \(old.daemon.state)")
        }
        if new.daemon.metrics != old.daemon.metrics {
            logger.warning("metrics changed from \"\(old.daemon.metrics)\" to \"\(new.daemon.metrics)\": this takes effect after a restart")
        }
        if new.daemon.logLevel != old.daemon.logLevel { applyLogLevel(new.daemon.logLevel) }
        let boundsChanged = PollBounds(settings: new.daemon) != PollBounds(settings: old.daemon)
        policy = PollPolicy(settings: new.daemon)
        due.maxInFlight = options.refreshCap(for: new.daemon)

        var newFeeds: [String: FeedConfig] = [:]
        for feed in new.feeds { newFeeds[feed.name] = feed }
        let oldFeeds = feeds
        var removed = 0
        for (name, oldFeed) in oldFeeds where oldFeed.enabled && newFeeds[name]?.enabled != true {
            due.remove(name)
            firstSync.remove(name)
            failing.remove(name)
            gone.remove(name)
            stuckWarned.remove(name)
            removed += 1
            if newFeeds[name] == nil {
                metrics.forgetFeed(name)
                logger.info("removed from feeds.conf; its items stay in the store", metadata: ["feed": .string(name)])
            } else {
                logger.info("disabled in feeds.conf; no longer polled", metadata: ["feed": .string(name)])
            }
        }
        feeds = newFeeds
        config = new
        enabledCount = new.feeds.filter(\.enabled).count

        // Feeds this run has never seen may still have state in the store (removed earlier, renamed back).
        let unseen = new.feeds.filter { $0.enabled && states[$0.name] == nil }.map(\.name)
        if !unseen.isEmpty {
            for (name, state) in storedState(unseen) where states[name] == nil { states[name] = state }
        }

        var added = 0
        var changed = 0
        let meta = { (name: String) -> Logger.Metadata in ["feed": .string(name)] }
        for feed in new.feeds where feed.enabled {
            let name = feed.name
            guard let oldFeed = oldFeeds[name], oldFeed.enabled else {
                added += 1
                let state = states[name] ?? FeedPollState()
                if state.isFailing { failing.insert(name) }
                metrics.seedFeed(name, state: state)
                scheduleFirst(feed, now: now, spread: addedSpread(feed))
                if let at = due.due(of: name) {
                    logger.info("added; first poll in \(DurationText.format(at - now))", metadata: meta(name))
                } else if !due.isInFlight(name) {
                    logger.info("added", metadata: meta(name))
                }
                continue
            }
            if oldFeed.url != feed.url {
                changed += 1
                var state = states[name] ?? FeedPollState()
                state.urlChanged()
                failing.remove(name)
                gone.remove(name)
                if !due.isInFlight(name) {
                    // A refresh in flight sees the change when it completes and reschedules at once.
                    let at = now + Double.random(in: 0..<max(addedSpread(feed), 0.001), using: &rng)
                    due.schedule(name, at: at)
                    state.nextDue = at
                }
                states[name] = state
                logger.info("url changed to \(feed.url); polling the new address shortly", metadata: meta(name))
                continue
            }
            guard boundsChanged || oldFeed.interval != feed.interval else { continue }
            if oldFeed.interval != feed.interval { changed += 1 }
            guard due.isScheduled(name), var state = states[name], !state.neverFetched else { continue }
            let at = policy.resumeTime(state: state, feedInterval: feed.interval, now: now, using: &rng)
            due.schedule(name, at: at)
            state.nextDue = at
            states[name] = state
            logger.debug("interval now \(DurationText.format(policy.configuredInterval(feedInterval: feed.interval))); next poll in \(DurationText.format(at - now))",
                         metadata: meta(name))
        }
        logger.info("configuration reloaded: \(activeCount) feeds (\(added) added, \(removed) removed, \(changed) changed)")
        hooks.reloaded(old, new)
        updateGauges()
        lastStatusKey = ""
        rearm()
    }
}

import FeedwireCore
import FeedwireTestSupport
import Testing

/// SIGHUP, through `DaemonRunner.reload()` — the same function the signal source calls.
@Suite struct DaemonReloadTests {
    @Test func addedFeedsArePolledSoonAndRemovedOnesNeverAgain() throws {
        let config = testConfig(feeds: 3)
        let h = try DaemonHarness(config: config)
        let t0 = h.clock.now()
        try h.start()
        h.run(for: 100)
        var added = FeedConfig(name: "new", url: "http://feeds.test/new.xml")
        added.line = 40
        h.nextConfig(config.removing("f1").adding(added))
        h.reload()
        #expect(h.loads == 1)
        #expect(h.reloadHooks == 1)
        h.run(for: 31)
        #expect(h.refresher.callCount("new") == 1)
        let first = try #require(h.refresher.calls(for: "new").first)
        #expect(first.at - t0 >= 100 && first.at - t0 < 131)
        h.run(for: 3_600)
        #expect(h.callTimes("f1", from: t0) == [0])
        #expect(h.refresher.callCount("f0") == 5)
        #expect(h.logs(containing: "f1: removed from feeds.conf").count == 1)
        #expect(h.logs(containing: "new: added; first poll in").count == 1)
        #expect(h.logs(containing: "configuration reloaded: 3 feeds (1 added, 1 removed, 0 changed)").count == 1)
        #expect(h.runner.metrics.registry.value(FeedwireMetrics.fetches, ["feed": "f1", "outcome": "not_modified"]) == nil)
    }

    /// A feed polled every 5 s is first polled within 5 s of being added,
    /// not within the general 30 s spread.
    @Test func anAddedFastFeedIsPolledWithinItsInterval() throws {
        var config = testConfig(feeds: 1)
        config.daemon.minInterval = 1
        let h = try DaemonHarness(config: config)
        try h.start()
        h.run(for: 10)
        let t1 = h.clock.now()
        var added = FeedConfig(name: "fast", url: "http://feeds.test/fast.xml")
        added.interval = 5
        h.nextConfig(config.adding(added))
        h.reload()
        h.run(for: 5)
        let first = try #require(h.refresher.calls(for: "fast").first)
        #expect(first.at - t1 <= 5)
    }

    @Test func unchangedFeedsKeepTheirStateAndSchedule() throws {
        let config = testConfig(feeds: 2)
        let h = try DaemonHarness(config: config, responder: { f in f.name == "f0" ? .failed("HTTP 500", status: 500) : .notModified() })
        try h.start()
        h.run(for: 1_000)
        let before = h.snapshot
        h.nextConfig(config.adding(FeedConfig(name: "x", url: "http://feeds.test/x.xml")))
        h.reload()
        let after = h.snapshot
        #expect(after.states["f0"]?.consecutiveFailures == 2)
        #expect(after.states["f0"] == before.states["f0"])
        #expect(after.scheduled["f0"] == before.scheduled["f0"])
        #expect(after.scheduled["f1"] == before.scheduled["f1"])
    }

    @Test func changedIntervalsTakeEffect() throws {
        let config = testConfig(feeds: 1)
        let h = try DaemonHarness(config: config)
        let t0 = h.clock.now()
        try h.start()
        h.run(for: 60)
        h.nextConfig(config.changing("f0") { $0.interval = 120 })
        h.reload()
        #expect(h.snapshot.scheduled["f0"] == t0 + 120)
        h.run(for: 300)
        #expect(h.callTimes("f0", from: t0) == [0, 120, 240, 360])
        // And the default interval in [daemon] too.
        var slower = config
        slower.daemon.interval = 3_600
        h.nextConfig(slower)
        h.reload()
        #expect(h.snapshot.scheduled["f0"] == t0 + 360 + 3_600)
    }

    @Test func aChangedUrlIsPolledSoonWithFreshState() throws {
        let config = testConfig(feeds: 1)
        let h = try DaemonHarness(config: config, responder: { _ in .failed("HTTP 404", status: 404) })
        try h.start()
        h.run(for: 1_000)
        #expect(h.snapshot.states["f0"]?.consecutiveFailures == 2)
        h.refresher.setResponder { _ in .notModified() }
        h.nextConfig(config.changing("f0") { $0.url = "http://feeds.test/fixed.xml" })
        h.reload()
        #expect(h.snapshot.states["f0"]?.consecutiveFailures == 0)
        h.run(for: 31)
        #expect(h.refresher.calls.last?.url == "http://feeds.test/fixed.xml")
    }

    @Test func anInvalidFileIsRejectedAndTheOldConfigurationKeepsRunning() throws {
        let config = testConfig(feeds: 2)
        let h = try DaemonHarness(config: config, notify: true)
        let t0 = h.clock.now()
        try h.start()
        h.run(for: 10)
        _ = h.notifications()
        h.nextLoad(.failure(ConfigError(file: "/etc/feedwire/feeds.conf", diagnostics: [
            ConfigDiagnostic(.error, line: 12, "unknown key `intervall` in [[feed]]", suggestion: "did you mean `interval`?"),
            ConfigDiagnostic(.error, line: 20, "duplicate feed name `f0`"),
        ])))
        h.reload()
        #expect(h.loads == 1)
        #expect(h.reloadHooks == 0)
        #expect(h.logs(containing: "error /etc/feedwire/feeds.conf:12: error: unknown key `intervall` in [[feed]]; did you mean `interval`?").count == 1)
        #expect(h.logs(containing: "feeds.conf:20: error: duplicate feed name").count == 1)
        #expect(h.logs(containing: "rejected (2 errors); still running the previous one with 2 feeds").count == 1)
        let messages = h.notifications()
        #expect(messages.first?.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") == true)
        #expect(messages.last?.hasPrefix("READY=1\nSTATUS=2 feeds") == true)
        h.run(for: 900)
        #expect(h.callTimes("f0", from: t0) == [0, 900])
        #expect(h.callTimes("f1", from: t0) == [0, 900])
        #expect(h.runner.metrics.registry.value(FeedwireMetrics.reloads, ["result": "rejected"]) == 1)
    }

    @Test func reloadWarningsAreLoggedAndAValidFileIsAccepted() throws {
        let config = testConfig(feeds: 1)
        let h = try DaemonHarness(config: config, notify: true)
        try h.start()
        _ = h.notifications()
        h.nextLoad(.success(LoadedConfig(config: config, warnings: [ConfigDiagnostic(.warning, line: 3, "timeout is longer than interval")])))
        h.reload()
        #expect(h.logs(containing: "feeds.conf:3: warning: timeout is longer than interval").count == 1)
        let messages = h.notifications()
        #expect(messages.count == 2)
        #expect(messages.first?.hasPrefix("RELOADING=1") == true)
        #expect(messages.last?.hasPrefix("READY=1\nSTATUS=") == true)
        #expect(h.runner.metrics.registry.value(FeedwireMetrics.reloads, ["result": "ok"]) == 1)
    }

    @Test func aFeedRemovedWhileInFlightIsNotRescheduled() throws {
        let config = testConfig(feeds: 2)
        let h = try DaemonHarness(config: config, responder: { _ in nil })
        try h.start()
        h.run(for: 1)
        h.nextConfig(config.removing("f0"))
        h.reload()
        h.refresher.completeAll(with: .notModified())
        h.run(for: 3_600)
        #expect(h.refresher.callCount("f0") == 1)
        #expect(h.snapshot.scheduled["f0"] == nil)
        #expect(h.snapshot.scheduled["f1"] == nil)  // f1 is in flight again (held by the fake)
        #expect(h.refresher.callCount("f1") == 2)
    }

    @Test func disablingAndReEnablingAFeed() throws {
        let config = testConfig(feeds: 1)
        let h = try DaemonHarness(config: config)
        let t0 = h.clock.now()
        try h.start()
        h.run(for: 1)
        h.nextConfig(config.changing("f0") { $0.enabled = false })
        h.reload()
        h.run(for: 2_000)
        #expect(h.callTimes("f0", from: t0) == [0])
        #expect(h.logs(containing: "disabled in feeds.conf").count == 1)
        h.nextConfig(config)
        h.reload()
        h.run(for: 1)
        // Re-enabled: overdue by its interval, so polled at once (within the spread).
        h.run(for: 30)
        #expect(h.refresher.callCount("f0") == 2)
    }
}

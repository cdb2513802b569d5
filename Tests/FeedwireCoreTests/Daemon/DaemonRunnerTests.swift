import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct DaemonRunnerScheduleTests {
    @Test func firstStartPollsEveryFeedOnceThenAtItsInterval() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 5))
        let t0 = h.clock.now()
        try h.start()
        #expect(h.readyCalls == 1)
        h.run(for: 1)
        #expect(h.refresher.calls.count == 5)
        for i in 0..<5 { #expect(h.callTimes("f\(i)", from: t0) == [0]) }
        h.run(for: 3_600)
        for i in 0..<5 { #expect(h.callTimes("f\(i)", from: t0) == [0, 900, 1_800, 2_700, 3_600]) }
        #expect(h.refresher.overlaps.isEmpty)
        #expect(h.logs(containing: "first sync finished: 5 feeds").count == 1)
    }

    @Test func completionsThatLeaveTheNextDueTimeAloneDoNotRearmTheTimer() throws {
        // 20 refreshes finish one after another; each ends in a tick, but the
        // earliest due time moves only when a finished feed's next poll is
        // earlier than every other: the timer is re-armed for those alone.
        let h = try DaemonHarness(config: testConfig(feeds: 20), responder: { _ in nil })
        try h.start()
        h.run(for: 1)
        #expect(h.refresher.pendingCount == 20)
        let timer = try #require(h.timers.timer("schedule"))
        let before = timer.armCount
        _ = h.refresher.completeAll(with: .notModified())
        h.timers.settle()
        #expect(timer.armCount - before < 8, "re-armed \(timer.armCount - before) times for 20 completions")
        let deadline = try #require(h.timers.deadline("schedule"))
        #expect(deadline > h.clock.now() + 200, "armed for later (the next poll, or the longest sleep)")
        h.refresher.setResponder { _ in .notModified() }
        h.run(for: 3_600)
        for i in [0, 7, 19] { #expect(h.refresher.callCount("f\(i)") == 5, "still polled every 900 s") }
    }

    @Test func aRestartDoesNotRepollFeedsPolledRecently() throws {
        let clock0 = FakeClock().now()
        var stored: [String: FeedPollState] = [:]
        for i in 0..<4 {
            var s = FeedPollState()
            s.lastAttempt = clock0 - Double(100 * (i + 1))  // polled 100…400 s ago
            s.lastFinished = s.lastAttempt
            s.lastSuccess = s.lastAttempt
            stored["f\(i)"] = s
        }
        let h = try DaemonHarness(config: testConfig(feeds: 5), stored: stored)
        let t0 = h.clock.now()
        #expect(t0 == clock0)
        try h.start()
        h.run(for: 1)
        // Only the never-fetched f4 goes at once.
        #expect(h.refresher.calls.map(\.feed) == ["f4"])
        h.run(for: 900)
        #expect(h.callTimes("f0", from: t0) == [800])
        #expect(h.callTimes("f3", from: t0) == [500])
        #expect(!h.logs(containing: "first sync").isEmpty)
    }

    @Test func refreshesGoOutInWavesBoundedByTheCap() throws {
        var options = DaemonHarness.testOptions
        options.maxRefreshesInFlight = 10
        let h = try DaemonHarness(config: testConfig(feeds: 100), options: options, responder: { _ in nil })
        try h.start()
        h.run(for: 1)
        #expect(h.refresher.pendingCount == 10)
        var rounds = 0
        while h.refresher.pendingCount > 0 && rounds < 20 {
            h.refresher.completeAll(with: .notModified())
            h.run(for: 1)
            rounds += 1
        }
        #expect(h.refresher.calls.count == 100)
        #expect(h.refresher.maxPending == 10)
        #expect(h.refresher.overlaps.isEmpty)
        #expect(rounds == 10)
        #expect(h.settledCalls >= 1)
    }

    @Test func aBusyFeedAtOneMinuteIsPolledEveryMinute() throws {
        // 1 min interval, jitter on, and a new item every time: never stretched, never late.
        let h = try DaemonHarness(config: testConfig(feeds: 1, feedInterval: 60, jitter: 0.1),
                                  responder: { _ in .changed(newItems: 1) })
        let t0 = h.clock.now()
        try h.start()
        h.run(for: 3_600)
        let times = h.callTimes("f0", from: t0)
        #expect(times.count == 61)
        for (a, b) in zip(times, times.dropFirst()) { #expect(b - a == 60) }
    }

    @Test func aQuietFeedSlowsDownAndSpeedsUpWhenItPublishes() throws {
        var stored = FeedPollState()
        let start = FakeClock().now()
        stored.lastAttempt = start - 2_400
        stored.publishing = PublishingStats(lastNewItemAt: start - 5 * 86_400, watchingSince: start - 30 * 86_400)
        let h = try DaemonHarness(config: testConfig(feeds: 1, feedInterval: 600), stored: ["f0": stored])
        let t0 = h.clock.now()
        try h.start()
        h.run(for: 6_000)
        #expect(h.callTimes("f0", from: t0) == [0, 2_400, 4_800])  // 4 × 600 after 5 silent days
        h.refresher.setResponder { _ in .changed(newItems: 2) }
        h.run(for: 1_200)
        h.refresher.setResponder { _ in .notModified() }
        h.run(for: 1_800)
        // A new item at 7200: back to every 600 s at once.
        #expect(h.callTimes("f0", from: t0) == [0, 2_400, 4_800, 7_200, 7_800, 8_400, 9_000])
    }

    @Test func failuresBackOffAndRecoveryIsLogged() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 1), responder: { _ in .failed("connection refused", status: nil) })
        let t0 = h.clock.now()
        try h.start()
        h.run(for: 6_301)
        // The first failure retries after one interval, then ×2 each: 900, 1800, 3600 …
        #expect(h.callTimes("f0", from: t0) == [0, 900, 2_700, 6_300])
        #expect(h.snapshot.states["f0"]?.consecutiveFailures == 4)
        // Logged at failures 1, 2, 4 as warnings (not every time).
        #expect(h.logs.filter { $0.contains(" warning f0: connection refused") }.count == 3)
        #expect(h.snapshot.status.contains("1 failing"))
        h.refresher.setResponder { _ in .notModified() }
        h.run(for: 7_200)
        #expect(h.callTimes("f0", from: t0).last == 13_500)
        #expect(h.logs(containing: "recovered after 4 failed attempts").count == 1)
        #expect(h.snapshot.states["f0"]?.consecutiveFailures == 0)
        #expect(!h.snapshot.status.contains("failing"))
    }

    @Test func retryAfterIsHonoured() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 1), responder: { _ in .failed("HTTP 429", status: 429, retryAfter: 7_000) })
        let t0 = h.clock.now()
        try h.start()
        h.run(for: 7_001)
        #expect(h.callTimes("f0", from: t0) == [0, 7_000])
    }

    @Test func goneStopsPollingAndSaysSo() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 2), responder: { f in f.name == "f1" ? .gone() : .notModified() })
        let t0 = h.clock.now()
        try h.start()
        h.run(for: 10_000)
        #expect(h.callTimes("f1", from: t0) == [0])
        #expect(h.refresher.callCount("f0") > 5)
        #expect(h.logs(containing: "answered 410 Gone").count == 1)
        #expect(h.logs(containing: "line 11").count == 1)
        #expect(h.snapshot.status.hasPrefix("1 feeds, 1 gone"))
        #expect(h.snapshot.scheduled["f1"] == nil)
    }

    /// After a restart a failing feed may not be retried for hours (backoff):
    /// the start says which feeds are failing and why.
    @Test func failingFeedsAreNamedAtStart() throws {
        var failing = FeedPollState()
        failing.lastAttempt = FakeClock().now() - 60
        failing.consecutiveFailures = 3
        failing.lastError = "feed f1: host name not found (x) — check the URL's host name"
        let h = try DaemonHarness(config: testConfig(feeds: 2), stored: ["f1": failing])
        try h.start()
        let lines = h.logs(containing: "f1: failing since before this start (3 failures in a row): host name not found (x) — check the URL's host name; next attempt in")
        #expect(lines.count == 1 && lines[0].contains(" warning "), "\(h.logs)")
        #expect(h.logs(containing: "started: 2 feeds, 1 failing since the last run").count == 1, "\(h.logs)")
        #expect(h.logs(containing: "f0: failing").isEmpty)
    }

    @Test func aStoredGoneFeedStaysDisabledUntilItsUrlChanges() throws {
        var gone = FeedPollState()
        gone.lastAttempt = FakeClock().now() - 60
        gone.goneURL = "http://feeds.test/f0.xml"
        let config = testConfig(feeds: 1)
        let h = try DaemonHarness(config: config, stored: ["f0": gone])
        try h.start()
        h.run(for: 3_600)
        #expect(h.refresher.calls.isEmpty)
        h.nextConfig(config.changing("f0") { $0.url = "http://feeds.test/new.xml" })
        h.reload()
        h.run(for: 31)
        #expect(h.refresher.calls.map(\.url) == ["http://feeds.test/new.xml"])
    }

    @Test func aPermanentRedirectIsFollowedAndReported() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 1), responder: { f in
            f.url == "http://feeds.test/f0.xml" ? .changed(movedTo: "https://new.test/f0") : .notModified()
        })
        try h.start()
        h.run(for: 1_000)
        #expect(h.refresher.calls.map(\.url) == ["http://feeds.test/f0.xml", "https://new.test/f0"])
        #expect(h.logs(containing: "moved permanently to https://new.test/f0").count == 1)
        #expect(h.refreshes.last?.state.movedTo == "https://new.test/f0")
    }

    @Test func pollNowWhileInFlightWaitsForTheRunningRefresh() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 1), responder: { _ in nil })
        try h.start()
        h.run(for: 1)
        #expect(h.refresher.pendingCount == 1)
        h.runner.pollNow("f0")
        h.run(for: 1)
        #expect(h.refresher.calls.count == 1)
        h.refresher.complete("f0", with: .notModified())
        h.run(for: 1)
        #expect(h.refresher.calls.count == 2)
        #expect(h.refresher.overlaps.isEmpty)
    }

    @Test func firstSyncProgressIsLogged() throws {
        var options = DaemonHarness.testOptions
        options.maxRefreshesInFlight = 10
        options.progressEveryFeeds = 50
        let h = try DaemonHarness(config: testConfig(feeds: 120), options: options, responder: { f in
            ["f3", "f70", "f110"].contains(f.name) ? .failed("HTTP 500", status: 500) : .notModified()
        })
        try h.start()
        #expect(h.logs(containing: "first sync of 120 feeds").count == 1)
        h.run(for: 5)
        let progress = h.logs(containing: "first sync:")
        #expect(progress.count == 2)
        #expect(progress.first?.contains("first sync: 50/120 feeds") == true)
        #expect(progress.last?.contains("first sync: 100/120 feeds") == true)
        #expect(h.logs(containing: "first sync finished: 120 feeds in 0 s, 3 failing").count == 1)
    }

    @Test func theAfterRefreshHookSeesEveryRefreshWithItsState() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 2), responder: { _ in .changed(newItems: 3, updatedItems: 1) })
        try h.start()
        h.run(for: 1)
        #expect(h.refreshes.count == 2)
        #expect(h.refreshes.allSatisfy { $0.report.newItems == 3 && $0.state.lastSuccess != nil && $0.state.nextDue != nil })
        #expect(h.logs(containing: "3 new, 1 updated; next poll in 15 min").count == 2)
        #expect(h.runner.metrics.registry.value(FeedwireMetrics.items, ["feed": "f0", "kind": "new"]) == 3)
        #expect(h.runner.metrics.registry.value(FeedwireMetrics.fetches, ["feed": "f1", "outcome": "changed"]) == 1)
    }
}

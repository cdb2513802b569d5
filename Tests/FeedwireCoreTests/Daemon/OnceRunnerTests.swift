import Dispatch
import FeedwireCore
import FeedwireTestSupport
import Logging
import Synchronization
import Testing

@Suite struct OnceRunnerTests {
    @Test func refreshesEveryEnabledFeedOnceInBoundedWaves() {
        var config = testConfig(feeds: 30)
        config.feeds[5].enabled = false
        let clock = FakeClock()
        let refresher = FakeRefresher(clock: clock, responder: { f in f.name == "f7" ? .failed("HTTP 500", status: 500) : .notModified() })
        let seen = Mutex(0)
        let once = OnceRunner(config: config, refresher: refresher, maxInFlight: 4, clock: clock,
                              afterRefresh: { _, _ in seen.withLock { $0 += 1 } })
        let outcome = once.run()
        #expect(outcome.reports.count == 29)
        #expect(outcome.failed == ["f7"])
        #expect(outcome.skipped.isEmpty)
        #expect(refresher.callCount("f5") == 0)
        #expect(Set(refresher.calls.map(\.feed)).count == 29 && refresher.calls.count == 29)
        #expect(seen.withLock { $0 } == 29)
    }

    @Test func theCapHolds() {
        let clock = FakeClock()
        let refresher = FakeRefresher(clock: clock, responder: { _ in nil })
        let once = OnceRunner(config: testConfig(feeds: 20), refresher: refresher, maxInFlight: 3, clock: clock)
        let result = Mutex<OnceRunner.Outcome?>(nil)
        DispatchQueue.global().async { result.withLock { $0 = once.run() } }
        for _ in 0..<20 {
            #expect(waitUntil { !refresher.pendingFeeds.isEmpty })
            #expect(refresher.pendingCount <= 3)
            guard let next = refresher.pendingFeeds.first else { break }
            refresher.complete(next, with: .changed())
        }
        #expect(waitUntil { result.withLock { $0 } != nil })
        #expect(refresher.maxPending <= 3)
        #expect(result.withLock { $0 }?.reports.count == 20)
    }

    @Test func goneFeedsAreSkippedAndRedirectsFollowed() {
        var gone = FeedPollState()
        gone.goneURL = "http://feeds.test/f0.xml"
        var moved = FeedPollState()
        moved.movedFrom = "http://feeds.test/f1.xml"
        moved.movedTo = "https://elsewhere.test/f1"
        let clock = FakeClock()
        let refresher = FakeRefresher(clock: clock)
        let outcome = OnceRunner(config: testConfig(feeds: 2), refresher: refresher, stored: ["f0": gone, "f1": moved],
                                 clock: clock).run()
        #expect(outcome.skipped == ["f0"])
        #expect(refresher.calls.map(\.url) == ["https://elsewhere.test/f1"])
    }

    @Test func nothingToDo() {
        let outcome = OnceRunner(config: testConfig(feeds: 0), refresher: FakeRefresher(clock: FakeClock())).run()
        #expect(outcome.reports.isEmpty && outcome.failed.isEmpty)
    }

    /// Every feed gets a line: failures at warning, a 410 at error saying
    /// the feed is disabled, a redirect with the advice to update feeds.conf
    /// (also when it was stored by an earlier run), "not modified" at debug.
    @Test func logsWhatHappenedToEveryFeed() {
        var moved = FeedPollState()
        moved.movedFrom = "http://feeds.test/f4.xml"
        moved.movedTo = "https://elsewhere.test/f4"
        let clock = FakeClock()
        let refresher = FakeRefresher(clock: clock, responder: { f in
            switch f.name {
            case "f0": return .failed("feed f0: could not connect — check that the server is up")
            case "f1": return .gone()
            case "f2": return .changed(newItems: 1, movedTo: "https://new.test/f2")
            case "f3": return .changed(newItems: 2, updatedItems: 1)
            default: return .notModified()
            }
        })
        let capture = LogCapture()
        let outcome = OnceRunner(config: testConfig(feeds: 5), refresher: refresher, stored: ["f4": moved], clock: clock,
                                 logger: capture.logger()).run()
        #expect(outcome.failed == ["f0", "f1"])
        let log = capture.messages
        func entry(_ text: String) -> LogCapture.Entry? { log.first { $0.message.contains(text) } }
        #expect(entry("could not connect")?.level == .warning)
        #expect(entry("could not connect")?.message.hasPrefix("could not connect — check that the server is up (failure 1 in a row)") == true)
        #expect(entry("answered 410 Gone")?.level == .error)
        #expect(entry("answered 410 Gone")?.message.contains("The feed is disabled") == true)
        #expect(entry("moved permanently to https://new.test/f2")?.message.contains("Update url in feeds.conf (line 12)") == true)
        #expect(entry("moved permanently to https://elsewhere.test/f4")?.message.contains("(line 14)") == true)
        #expect(entry("2 new, 1 updated")?.level == .info)
        #expect(entry("not modified (HTTP 304)")?.level == .debug)
    }

    @Test func aStoredGoneFeedIsSkippedWithAdvice() {
        var gone = FeedPollState()
        gone.goneURL = "http://feeds.test/f0.xml"
        let capture = LogCapture()
        let outcome = OnceRunner(config: testConfig(feeds: 1), refresher: FakeRefresher(clock: FakeClock()), stored: ["f0": gone],
                                 logger: capture.logger()).run()
        #expect(outcome.skipped == ["f0"])
        #expect(capture.messages.map(\.message) == ["skipped: disabled since it answered 410 Gone; remove it from feeds.conf (line 10), or change its url to poll it again"])
    }
}

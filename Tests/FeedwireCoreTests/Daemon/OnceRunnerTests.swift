import Dispatch
import FeedwireCore
import FeedwireTestSupport
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
}

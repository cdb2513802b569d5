import FeedwireCore
import FeedwireTestSupport
import Glibc
import Testing

/// SIGTERM/SIGINT (through `DaemonRunner.stop`, what the signal source calls),
/// the sd_notify message sequence against a fake `NOTIFY_SOCKET`, and the watchdog.
@Suite struct DaemonShutdownTests {
    @Test func idleShutdownStopsComponentsInOrderAndExitsZero() throws {
        let order = ShutdownOrder()
        let components = ["delivery", "publisher", "store"].map { FakeComponent(name: $0, order: order) }
        let h = try DaemonHarness(config: testConfig(feeds: 2), components: components)
        try h.start()
        h.run(for: 10)
        h.runner.stop(reason: "SIGTERM")
        h.settle()
        #expect(order.order == ["delivery", "publisher", "store"])
        #expect(h.exits == [0])
        #expect(h.snapshot.phase == .stopped)
        #expect(h.logs(containing: "stopping (SIGTERM)").count == 1)
        #expect(h.logs.last?.hasSuffix("stopped") == true)
    }

    @Test func inFlightRefreshesMayFinishWithinTheGrace() throws {
        let store = FakeComponent(name: "store")
        let h = try DaemonHarness(config: testConfig(feeds: 3), components: [store], responder: { _ in nil })
        try h.start()
        h.run(for: 1)
        #expect(h.refresher.pendingCount == 3)
        h.runner.stop(reason: "SIGTERM")
        h.settle()
        #expect(h.logs(containing: "waiting up to 10 s for 3 refreshes in flight").count == 1)
        #expect(h.exits.isEmpty)
        #expect(store.shutdownDeadlines.isEmpty)
        h.refresher.complete("f0", with: .changed(newItems: 1))
        h.refresher.complete("f1", with: .notModified())
        h.run(for: 2)
        #expect(h.exits.isEmpty)
        h.refresher.complete("f2", with: .notModified())
        h.settle()
        #expect(store.shutdownDeadlines.count == 1)
        #expect(h.exits == [0])
        // Their results were still handed on (committed work gets published), but nothing new started.
        #expect(h.refreshes.count == 3)
        #expect(h.refresher.calls.count == 3)
    }

    @Test func stuckRefreshesAreAbandonedAtTheGraceDeadline() throws {
        let store = FakeComponent(name: "store")
        let h = try DaemonHarness(config: testConfig(feeds: 2, grace: 10), components: [store], responder: { _ in nil })
        let t0 = h.clock.now()
        try h.start()
        h.run(for: 1)
        h.runner.stop(reason: "SIGTERM")
        h.settle()
        #expect(h.timers.deadline("stop") == t0 + 1 + 10)
        h.run(for: 9.9)
        #expect(h.exits.isEmpty)
        h.run(for: 0.2)
        #expect(h.exits == [0])
        #expect(store.shutdownDeadlines == [t0 + 11 + 5])
        #expect(h.logs(containing: "2 refreshes did not finish within shutdown_grace (f0, f1)").count == 1)
        // A result that straggles in after that is not handed to the stopped components.
        h.refresher.complete("f0", with: .changed(newItems: 1))
        h.settle()
        #expect(h.refreshes.isEmpty)
    }

    @Test func aHangingComponentDoesNotBlockTheExit() throws {
        let order = ShutdownOrder()
        let h = try DaemonHarness(config: testConfig(feeds: 1), components: [
            FakeComponent(name: "delivery", hangs: true, order: order), FakeComponent(name: "store", order: order),
        ])
        try h.start()
        h.runner.stop(reason: "SIGTERM")
        h.settle()
        #expect(order.order == ["delivery"])
        #expect(h.exits.isEmpty)
        h.run(for: 5)
        #expect(order.order == ["delivery", "store"])
        #expect(h.exits == [0])
        #expect(h.logs(containing: "delivery did not stop within 5 s").count == 1)
    }

    @Test func aSecondSignalStopsWaiting() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 1), responder: { _ in nil })
        try h.start()
        h.run(for: 1)
        h.runner.stop(reason: "SIGINT")
        h.settle()
        #expect(h.exits.isEmpty)
        h.runner.stop(reason: "SIGINT")
        h.settle()
        #expect(h.exits == [0])
    }

    @Test func nothingIsScheduledAfterStopping() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 2), responder: { f in f.name == "f0" ? nil : .notModified() })
        try h.start()
        h.run(for: 1)
        h.runner.stop(reason: "SIGTERM")
        h.runner.reload()  // ignored while stopping
        h.runner.pollNow("f1")
        h.run(for: 5)
        #expect(h.refresher.calls.count == 2)
        #expect(h.loads == 0)
    }
}

@Suite struct DaemonNotifyTests {
    @Test(arguments: [false, true])
    func messageSequence(abstract: Bool) throws {
        let config = testConfig(feeds: 3)
        let h = try DaemonHarness(config: config, notify: true, abstractSocket: abstract,
                                  responder: { f in f.name == "f2" ? .failed("HTTP 500", status: 500) : .notModified() })
        try h.start()
        let ready = try #require(h.notifySocket?.receive(timeout: 5))
        #expect(ready == "READY=1\nSTATUS=3 feeds, first sync: 0/3 feeds, polling now\nMAINPID=\(getpid())")

        h.run(for: 31)
        let statuses = h.notifications()
        #expect(statuses.allSatisfy { $0.hasPrefix("STATUS=") })
        #expect(statuses.contains("STATUS=3 feeds, 1 failing, next poll in 15 min"))

        h.reload()
        let reload = h.notifications()
        #expect(reload.count == 2)
        #expect(reload[0].hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(reload[0].hasSuffix("\nSTATUS=Reloading the configuration"))
        #expect(reload[1].hasPrefix("READY=1\nSTATUS=3 feeds, 1 failing, next poll in"))

        h.runner.stop(reason: "SIGTERM")
        h.settle()
        let stopping = h.notifications()
        #expect(stopping == ["STOPPING=1\nSTATUS=Stopping: waiting for 0 refreshes"])
        #expect(h.exits == [0])
    }

    @Test func noSocketNoMessagesAndNoWatchdogTimer() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 1), watchdogUsec: "20000000")
        try h.start()
        #expect(h.timers.timer("watchdog") == nil)
    }
}

@Suite struct DaemonWatchdogTests {
    @Test func pingsAtHalfTheIntervalWhileProgressing() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 2), notify: true, watchdogUsec: "20000000",
                                  watchdogPID: String(getpid()))
        let t0 = h.clock.now()
        try h.start()
        _ = h.notifications()
        #expect(h.timers.deadline("watchdog") == t0 + 10)
        #expect(h.pings(over: 60) == 6)
    }

    @Test func anotherProcessesWatchdogIsIgnored() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 1), notify: true, watchdogUsec: "20000000", watchdogPID: "1")
        try h.start()
        #expect(h.timers.timer("watchdog") == nil)
        #expect(SdNotify.watchdogInterval(usec: "20000000", pid: nil) == 10)
        #expect(SdNotify.watchdogInterval(usec: "0", pid: nil) == nil)
        #expect(SdNotify.watchdogInterval(usec: "x", pid: nil) == nil)
    }

    @Test func stopsPingingWhenRefreshesStopFinishing() throws {
        var options = DaemonHarness.testOptions
        options.stallLimit = 180
        let h = try DaemonHarness(config: testConfig(feeds: 2), options: options, notify: true,
                                  watchdogUsec: "20000000", watchdogPID: String(getpid()), responder: { _ in nil })
        try h.start()
        #expect(h.pings(over: 170) == 17)
        #expect(h.runner.health.check(now: h.clock.now()).healthy)
        // Stuck for 270 s: the loop is not making progress.
        #expect(h.pings(over: 100) == 1)  // the ping at 180 s, then none
        #expect(h.logs(containing: "watchdog: not confirming liveness to systemd: no feed refresh has finished").count == 1)
        let health = h.runner.health.check(now: h.clock.now())
        #expect(!health.healthy)
        #expect(health.reason.contains("no feed refresh has finished"))
        #expect(h.logs(containing: "refresh has not finished after").count == 2)
        // Progress again: pings resume.
        h.refresher.completeAll(with: .notModified())
        #expect(h.pings(over: 20) == 2)
        #expect(h.runner.health.check(now: h.clock.now()).healthy)
    }

    @Test func stopsPingingWhenTheStoreIsUnusable() throws {
        let h = try DaemonHarness(config: testConfig(feeds: 1), notify: true, watchdogUsec: "20000000",
                                  watchdogPID: String(getpid()))
        try h.start()
        _ = h.notifications()
        h.setStoreHealthy(false)
        h.run(for: 30)
        #expect(!h.notifications().contains("WATCHDOG=1"))
        #expect(h.runner.health.check(now: h.clock.now()).reason == "the state database is not usable")
        h.setStoreHealthy(true)
        h.run(for: 10)
        #expect(h.notifications().contains("WATCHDOG=1"))
    }

    @Test func aStaleBeatMeansTheQueueIsStuck() {
        let health = LoopHealth(now: 1_000, staleAfter: 30)
        #expect(health.check(now: 1_020).healthy)
        let stale = health.check(now: 1_045)
        #expect(!stale.healthy)
        #expect(stale.reason == "the daemon loop has not run for 45 s")
    }
}

extension DaemonHarness {
    /// `WATCHDOG=1` datagrams during `seconds` of simulated time, reading the
    /// socket every 5 s as systemd would (its queue holds only 10 datagrams).
    func pings(over seconds: Double) -> Int {
        var n = 0
        var left = seconds
        while left > 0 {
            let step = min(5, left)
            run(for: step)
            n += notifications().filter { $0 == "WATCHDOG=1" }.count
            left -= step
        }
        return n
    }
}

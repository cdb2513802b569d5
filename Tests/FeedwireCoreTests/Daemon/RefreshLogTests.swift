import FeedwireCore
import Logging
import Testing

/// The lines `run` and `once` log for one refresh: level, the feed's
/// subject not repeated, what happened and what to do.
@Suite struct RefreshLogTests {
    var feed: FeedConfig {
        var f = FeedConfig(name: "kyiv", url: "https://old.test/rss")
        f.line = 12
        return f
    }

    func lines(_ report: RefreshReport, before: FeedPollState = FeedPollState(), schedule: String? = "next poll in 15 min",
               quiet: Bool = false) -> [RefreshLog.Line] {
        var after = before
        after.record(report, configuredURL: feed.url, startedAt: 100, now: 101)
        return RefreshLog.lines(feed: feed, report: report, state: after, previousFailures: before.consecutiveFailures,
                                previousMove: before.movedTo, schedule: schedule, quietRepeat: quiet)
    }

    @Test func aFailureIsAWarningWithoutRepeatingTheFeedName() {
        let out = lines(.failed("feed kyiv: host name not found (x) — check the URL's host name", status: nil))
        #expect(out == [RefreshLog.Line(.warning, "host name not found (x) — check the URL's host name (failure 1 in a row); next poll in 15 min")])
        #expect(lines(.failed("feed kyiv: HTTP 500"), quiet: true).map(\.level) == [.debug])
        #expect(lines(.failed("feed other: HTTP 500"), schedule: nil).map(\.message) == ["feed other: HTTP 500 (failure 1 in a row)"])
    }

    @Test func goneSaysTheFeedIsDisabledAndWhereToRemoveIt() {
        let out = lines(.gone())
        #expect(out.count == 1)
        #expect(out[0].level == .error)
        #expect(out[0].message.hasPrefix("https://old.test/rss answered 410 Gone"))
        #expect(out[0].message.contains("The feed is disabled and no longer polled; remove it from feeds.conf (line 12)"))
    }

    @Test func aPermanentRedirectAdvisesUpdatingFeedsConfOnce() {
        let out = lines(.changed(newItems: 2, movedTo: "https://new.test/rss"))
        #expect(out == [
            RefreshLog.Line(.warning, "moved permanently to https://new.test/rss; fetching that address from now on. Update url in feeds.conf (line 12) to https://new.test/rss"),
            RefreshLog.Line(.info, "2 new, 0 updated; next poll in 15 min"),
        ])
        // Already known from an earlier refresh: not said again.
        var moved = FeedPollState()
        moved.movedFrom = feed.url
        moved.movedTo = "https://new.test/rss"
        #expect(lines(.notModified(), before: moved).map(\.level) == [.debug])
    }

    @Test func successesAndRecovery() {
        #expect(lines(.notModified(), schedule: nil) == [RefreshLog.Line(.debug, "not modified (HTTP 304)")])
        #expect(lines(.changed()) == [RefreshLog.Line(.debug, "no changes (HTTP 200); next poll in 15 min")])
        var failing = FeedPollState()
        failing.consecutiveFailures = 3
        #expect(lines(.changed(updatedItems: 1), before: failing) == [
            RefreshLog.Line(.info, "recovered after 3 failed attempts; next poll in 15 min"),
            RefreshLog.Line(.info, "0 new, 1 updated; next poll in 15 min"),
        ])
    }
}

import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// `feedwire outbox list|drop|retry` on a real state database through the
/// binary: listing works while another process holds the writer lock (the
/// daemon), changing rows needs it and says so.
@Suite(.serialized) struct OutboxCommandTests {
    /// A state database whose outbox holds one pending message for `hook`.
    func stateWithOneMessage(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.file("state.db")
        let store = try SQLiteStore(path: path, mode: .writer)
        let t0 = Timestamp(seconds: 1_764_072_000)
        try store.ensureFeed(named: "wire", url: "https://wire.example.com/feed", now: t0)
        func document(_ n: Int) -> ParsedFeed {
            var feed = ParsedFeed(format: .rss20)
            feed.items = (1...n).map { i in
                var item = ParsedItem()
                item.id = "https://wire.example.com/story/\(i)"
                item.link = item.id
                item.title = "Council vote number \(i) on the ferry timetable"
                item.titleType = .text
                return item
            }
            return feed
        }
        _ = try store.refresh(RefreshRequest(feed: "wire", document: document(2), now: t0)) { _ in ["hook"] }
        _ = try store.refresh(RefreshRequest(feed: "wire", document: document(3), now: t0 + 60)) { _ in ["hook"] }
        return path
    }

    @Test func listDropAndRetry() throws {
        let dir = TemporaryDirectory()
        let state = try stateWithOneMessage(dir)
        var (code, out) = try runFeedwireCombined(["outbox", "list", "--state", state, "--config", dir.file("none.conf")])
        #expect(code == 0, "\(out)")
        #expect(out.contains("\thook\tpending\t0\tnow\tnew wire\tCouncil vote number 3"), "\(out)")

        (code, out) = try runFeedwireCombined(["outbox", "drop", "--state", state, "--config", dir.file("none.conf")])
        #expect(code != 0 && out.contains("--target"), "\(out)")  // refuses to drop everything at once
        (code, out) = try runFeedwireCombined(["outbox", "drop", "--state", state, "--target", "hook", "--config", dir.file("none.conf")])
        #expect(code == 0 && out.contains("1 message(s) dropped for hook"), "\(out)")
        (code, out) = try runFeedwireCombined(["outbox", "list", "--state", state, "--config", dir.file("none.conf")])
        #expect(out.contains("\thook\tdead\t"), "\(out)")

        (code, out) = try runFeedwireCombined(["outbox", "retry", "--state", state, "--target", "hook", "--config", dir.file("none.conf")])
        #expect(code == 0 && out.contains("1 message(s) will be sent again to hook"), "\(out)")
        (code, out) = try runFeedwireCombined(["outbox", "list", "--state", state, "--config", dir.file("none.conf")])
        #expect(out.contains("\thook\tpending\t"), "\(out)")
    }

    @Test func listingWorksWhileTheDaemonHoldsTheLockAndChangesAreRefused() throws {
        let dir = TemporaryDirectory()
        let state = try stateWithOneMessage(dir)
        let daemon = try SQLiteStore(path: state, mode: .writer)  // stands in for `feedwire run`
        var (code, out) = try runFeedwireCombined(["outbox", "list", "--state", state, "--config", dir.file("none.conf")])
        #expect(code == 0 && out.contains("\thook\tpending\t"), "\(out)")
        (code, out) = try runFeedwireCombined(["outbox", "drop", "--state", state, "--target", "hook", "--config", dir.file("none.conf")])
        #expect(code == 3, "\(out)")
        #expect(out.contains("in use by another Feedwire process") && out.contains("stop it first"), "\(out)")
        withExtendedLifetime(daemon) {}
    }
}

import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// `feedwire ingest` end to end: real parser, real store, printed events.
@Suite struct TrackIngestTests {
    /// Story N is published at 1N:00 (story 2 is newer than story 1).
    static func rss(_ items: [(guid: String, title: String, summary: String)]) -> String {
        var s = #"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example.com/</link>"#
        for item in items {
            s += "<item><title>\(item.title)</title><link>\(item.guid)</link><guid>\(item.guid)</guid>"
                + "<pubDate>Tue, 25 Nov 2025 1\(item.guid.last!):00:00 +0000</pubDate><description>\(item.summary)</description></item>"
        }
        return s + "</channel></rss>"
    }

    static let one = ("https://wire.example.com/story/1", "Council approves plan", "&lt;p&gt;Work starts in spring.&lt;/p&gt;")
    static let two = ("https://wire.example.com/story/2", "Port reopens", "&lt;p&gt;Ships are back.&lt;/p&gt;")
    static let oneEdited = ("https://wire.example.com/story/1", "Council rejects plan", "&lt;p&gt;Work starts in spring.&lt;/p&gt;")

    @Test func ingestPrintsEventsAndSkipsUnchangedDocuments() throws {
        let dir = TemporaryDirectory(prefix: "fw-ingest")
        let state = dir.file("state.db")
        let d1 = try dir.write("1.xml", Self.rss([Self.one]))
        let d2 = try dir.write("2.xml", Self.rss([Self.two, Self.oneEdited]))
        let first = try runFeedwire(["ingest", "--state", state, "--feed", "wire", "--at", "2025-11-25T12:00:00Z",
                                     "--step", "60", "--stats", d1, d2, d2], in: dir)
        #expect(first.code == 0, "\(first.err)")
        let lines = first.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(first.out)")
        #expect(lines[0] == "updated  feed=wire item=1 rev=2 fields=title \"Council rejects plan\" https://wire.example.com/story/1")
        #expect(lines[1] == "         title: Council [-approves-] {+rejects+} plan")
        #expect(lines[2] == "new      feed=wire item=2 rev=1 \"Port reopens\" https://wire.example.com/story/2")
        #expect(first.err.contains("ingested 3 documents (1 unchanged, 0 failed), 2 events"))

        let again = try runFeedwire(["ingest", "--state", state, "--feed", "wire", "--json", "--stats", d2], in: dir)
        #expect(again.code == 0)
        #expect(again.out.isEmpty)
        #expect(again.err.contains("(1 unchanged, 0 failed), 0 events, rows written 0"))

        let d3 = try dir.write("3.xml", Self.rss([Self.two, Self.one]))
        let json = try runFeedwire(["ingest", "--state", state, "--feed", "wire", "--json", "--at", "2025-11-25T13:00:00Z", d3], in: dir)
        // Back to revision 1's text an hour later: within the flap window, not an edit.
        #expect(json.out.isEmpty, "\(json.out)")
        let status = try runFeedwire(["status", "--state", state, "--json"], in: dir)
        let row = try JSONValue.parse(String(status.out.split(separator: "\n")[0]))
        #expect(row["items"]?.intValue == 2)
        #expect(row["baseline"]?.stringValue == "2025-11-25T12:00:00Z")
    }

    @Test func jsonEventsAndBackfill() throws {
        let dir = TemporaryDirectory(prefix: "fw-ingest")
        let d1 = try dir.write("1.xml", Self.rss([Self.two, Self.one]))
        let result = try runFeedwire(["ingest", "--state", dir.file("s.db"), "--feed", "wire", "--backfill", "1", "--json",
                                      "--at", "2025-11-25T12:00:00Z", d1], in: dir)
        #expect(result.code == 0, "\(result.err)")
        let event = try JSONValue.parse(result.out.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(event["kind"]?.stringValue == "new")
        #expect(event["feed"]?.stringValue == "wire")
        #expect(event["title"]?.stringValue == "Port reopens")  // the newest
        #expect(event["link"]?.stringValue == "https://wire.example.com/story/2")
        #expect(event["at"]?.stringValue == "2025-11-25T12:00:00Z")
        #expect(event["revision"]?.intValue == 1)
    }

    @Test func feedPerFileAndBadInputs() throws {
        let dir = TemporaryDirectory(prefix: "fw-ingest")
        let a = try dir.write("feed-00001.xml", Self.rss([Self.one]))
        let b = try dir.write("feed-00002.xml", Self.rss([Self.two]))
        let junk = try dir.write("junk.html", "<html><body>not a feed</body></html>")
        let result = try runFeedwire(["ingest", "--state", dir.file("s.db"), "--feed-per-file", "--stats", a, junk, b,
                                      dir.file("missing.xml")], in: dir)
        #expect(result.code == 1)
        #expect(result.err.contains("junk.html (feed junk)"))
        #expect(result.err.contains("cannot read \(dir.file("missing.xml"))"))
        let status = try runFeedwire(["status", "--state", dir.file("s.db")], in: dir)
        #expect(status.out.contains("feed-00001"))
        #expect(status.out.contains("feed-00002"))
        #expect(status.out.contains("ingested"))
    }

    /// SIGKILL inside the refresh transaction (the chaos crash point): the
    /// interrupted document leaves nothing behind, and ingesting it again
    /// announces its changes exactly once.
    @Test func aCrashInsideTheTransactionLosesNothingAndDuplicatesNothing() throws {
        let dir = TemporaryDirectory(prefix: "fw-ingest")
        let state = dir.file("state.db")
        let d1 = try dir.write("1.xml", Self.rss([Self.one]))
        let d2 = try dir.write("2.xml", Self.rss([Self.two, Self.oneEdited]))
        var environment = ProcessInfo.processInfo.environment
        environment["FEEDWIRE_CRASH_AT"] = "ingest-before-commit:2"
        let out = dir.file("crash.out")
        let child = try ChildProcess(executable: PackagePaths.feedwireBinary.path,
                                     arguments: ["ingest", "--state", state, "--feed", "wire", d1, d2],
                                     environment: environment, stdoutPath: out, stderrPath: dir.file("crash.err"))
        #expect(child.waitForExit(timeout: 60) == 128 + SIGKILL)
        let store = try SQLiteStore(path: state, mode: .reader)
        #expect(try store.feedItems("wire").map(\.title) == ["Council approves plan"])
        #expect(try store.events(afterID: 0, limit: 10).isEmpty)
        let retry = try runFeedwire(["ingest", "--state", state, "--feed", "wire", d2], in: dir)
        #expect(retry.code == 0, "\(retry.err)")
        #expect(retry.out.split(separator: "\n").filter { !$0.hasPrefix(" ") }.count == 2)
        #expect(try runFeedwire(["ingest", "--state", state, "--feed", "wire", d2], in: dir).out.isEmpty)
        #expect(try store.events(afterID: 0, limit: 10).map(\.event.kind) == [.updated, .new])
    }
}

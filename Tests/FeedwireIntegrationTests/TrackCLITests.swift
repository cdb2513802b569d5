import FeedwireCore
import FeedwireSQLite
import FeedwireTestSupport
import Foundation
import Testing

/// Runs the built `feedwire` binary; returns its exit code, stdout and stderr.
func runFeedwire(_ arguments: [String], in dir: TemporaryDirectory) throws -> (code: Int32, out: String, err: String) {
    let out = dir.file("stdout-\(UUID().uuidString)")
    let err = dir.file("stderr-\(UUID().uuidString)")
    let child = try ChildProcess(executable: PackagePaths.feedwireBinary.path, arguments: arguments, stdoutPath: out, stderrPath: err)
    guard let code = child.waitForExit(timeout: 120) else {
        child.stop()
        throw CLITimeout(arguments: arguments)
    }
    return (code, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "", (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
}

@Suite struct TrackCLITests {
    /// A state database with feed `wire`: two items, one edited.
    func populated() throws -> (TemporaryDirectory, String) {
        let dir = TemporaryDirectory(prefix: "fw-cli")
        let path = dir.file("state.db")
        let store = try SQLiteStore(path: path)
        try store.syncFeeds([FeedConfig(name: "wire", url: "https://wire.example.com/rss")], now: Timestamp(seconds: 0))
        func doc(_ title: String) -> ParsedFeed {
            var d = ParsedFeed(format: .rss20)
            var a = ParsedItem()
            a.id = "https://wire.example.com/story/1"
            a.link = a.id
            a.title = title
            a.summary = "<p>Work starts in spring.</p>"
            a.published = Timestamp(seconds: 1_764_070_000)
            var b = ParsedItem()
            b.id = "urn:uuid:2"
            b.link = "https://wire.example.com/story/2"
            b.title = "Second story"
            d.items = [a, b]
            return d
        }
        let t0 = Timestamp(seconds: 1_764_072_000)
        _ = try store.refresh(RefreshRequest(feed: "wire", document: doc("Council approves plan"), now: t0)) { _ in [] }
        _ = try store.refresh(RefreshRequest(feed: "wire", document: doc("Council rejects plan"), now: t0 + 60)) { _ in [] }
        try store.recordFetch(feed: "wire", FetchRecord(at: t0 + 60, outcome: .httpError, httpStatus: 503,
                                                        error: "answered 503", nextDue: t0 + 960)) { _ in [] }
        return (dir, path)
    }

    @Test func statusPrintsOneRowPerFeed() throws {
        let (dir, path) = try populated()
        let table = try runFeedwire(["status", "--state", path], in: dir)
        #expect(table.code == 0, "\(table.err)")
        let lines = table.out.split(separator: "\n")
        #expect(lines.first?.hasPrefix("FEED") == true)
        #expect(lines.count == 2)
        #expect(lines[1].hasPrefix("wire  "))
        #expect(lines[1].contains("2025-11-25 12:01Z"))
        #expect(lines[1].contains("http_error"))
        #expect(lines[1].contains("answered 503"))
        let json = try runFeedwire(["status", "--state", path, "--json"], in: dir)
        #expect(json.code == 0)
        let row = try JSONValue.parse(String(json.out.split(separator: "\n")[0]))
        #expect(row["feed"]?.stringValue == "wire")
        #expect(row["items"]?.intValue == 2)
        #expect(row["consecutiveErrors"]?.intValue == 1)
        #expect(row["outcome"]?.stringValue == "http_error")
        #expect(row["nextDue"]?.stringValue == "2025-11-25T12:16:00Z")
    }

    @Test func historyShowsRevisionsAndDiffs() throws {
        let (dir, path) = try populated()
        let byURL = try runFeedwire(["history", "--state", path, "https://WIRE.example.com/story/1?utm_source=x"], in: dir)
        #expect(byURL.code == 0, "\(byURL.err)")
        #expect(byURL.out.contains("item 1 in feed wire, revision 2, present"))
        #expect(byURL.out.contains("r1  2025-11-25T12:00:00Z  first seen"))
        #expect(byURL.out.contains("title: Council approves plan"))
        #expect(byURL.out.contains("r2  2025-11-25T12:01:00Z  title changed"))
        #expect(byURL.out.contains("title: Council [-approves-] {+rejects+} plan"))
        let byID = try runFeedwire(["history", "--state", path, "--json", "1"], in: dir)
        let value = try JSONValue.parse(byID.out.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(value["revisions"]?.arrayValue?.count == 2)
        #expect(value["revisions"]?[1]?["fields"] == .array([.string("title")]))
        let byGuid = try runFeedwire(["history", "--state", path, "urn:uuid:2"], in: dir)
        #expect(byGuid.out.contains("Second story"))
        let missing = try runFeedwire(["history", "--state", path, "https://nowhere.example/"], in: dir)
        #expect(missing.code == 1)
        #expect(missing.err.contains("no item with id, link or GUID https://nowhere.example/"))
    }

    @Test func aNewerDatabaseOrAHeldLockCannotStart() throws {
        let (dir, path) = try populated()
        let feedFile = try dir.write("feed.xml", "<rss version=\"2.0\"><channel></channel></rss>")
        do {
            // While a writer holds the database, ingest cannot start; status still reads.
            let writer = try SQLiteStore(path: path)
            let locked = try runFeedwire(["ingest", "--state", path, "--feed", "wire", feedFile], in: dir)
            #expect(locked.code == 3)
            #expect(locked.err.contains("cannot start: state database \(path) is in use by another Feedwire process (pid \(getpid()))"))
            #expect(try runFeedwire(["status", "--state", path], in: dir).code == 0)
            _ = writer
        }
        let db = try Database(path: path)
        try db.execute("PRAGMA user_version = 42")
        for arguments in [["status", "--state", path], ["history", "--state", path, "1"],
                          ["ingest", "--state", path, "--feed", "wire", feedFile]] {
            let result = try runFeedwire(arguments, in: dir)
            #expect(result.code == 3, "\(arguments)")
            #expect(result.err.contains("cannot start: state database \(path) was written by a newer Feedwire "
                + "(schema 42 > \(SQLiteStore.schemaVersion)); upgrade feedwire or use another state path"))
        }
    }

    @Test func usageErrors() throws {
        let dir = TemporaryDirectory(prefix: "fw-cli")
        #expect(try runFeedwire(["ingest", "--state", dir.file("s.db"), "x.xml"], in: dir).code == 2)
        #expect(try runFeedwire(["ingest", "--feed", "a", "x.xml"], in: dir).code == 2)
        #expect(try runFeedwire(["ingest", "--state", dir.file("s.db"), "--feed", "a", "--at", "yesterday", "x.xml"], in: dir).code == 2)
        let missing = try runFeedwire(["status", "--state", dir.file("none.db")], in: dir)
        #expect(missing.code == 3)
        #expect(missing.err.contains("no such file"))
    }
}

struct CLITimeout: Error, CustomStringConvertible {
    var arguments: [String]
    var description: String { "feedwire \(arguments) did not finish in time" }
}

import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// newsroom.py's ground truth is the referee of identity, dedupe and edit
/// detection: poll every feed after every step (following 301s, skipping
/// failing and hanging feeds that step), reconcile each document through
/// the real parser and store, and compare the events with
/// `/_control/state`'s `expected` block — every `new` with `alert: true`
/// (minus the baseline's `initial` items) exactly once at the step it was
/// first seen, every `updated` with `alert: true` exactly once, nothing else.
@Suite(.serialized) struct NewsroomTrackTests {
    @Test func builtInScenario() throws {
        try replay(arguments: ["--epoch", "2025-11-25T12:00:00Z", "--no-random", "--hang-seconds", "2"], steps: 14)
    }

    /// The built-in script, then steady random newsroom activity (new 30 %,
    /// edit 12 %, noise 12 %, delete 3 % per feed and step), plus synthetic
    /// feeds in all four formats.
    @Test(arguments: [1, 7] as [Int])
    func builtInWithRandomActivity(_ seed: Int) throws {
        try replay(arguments: ["--epoch", "2025-11-25T12:00:00Z", "--seed", String(seed), "--hang-seconds", "2",
                               "--feeds", "8", "--items", "6"], steps: 45)
    }

    @Test func publisherHabitsScenario() throws {
        let scenario = PackagePaths.root.appendingPathComponent("Tests/Scenarios/track-scenario.json").path
        try replay(arguments: ["--scenario", scenario, "--no-random"], steps: 13)
    }

    struct Seen: Hashable, CustomStringConvertible {
        var feed: String
        var item: String
        var step: Int
        var description: String { "\(feed)/\(item)@\(step)" }
    }

    func replay(arguments: [String], steps: Int) throws {
        let news = try ToolServer(tool: "newsroom.py", arguments: arguments)
        defer { news.stop() }
        let dir = TemporaryDirectory(prefix: "fw-newsroom")
        let store = try SQLiteStore(path: dir.file("state.db"))
        let initial = try news.get("/_control/state?events=0").json()
        let feeds = try #require(initial["feeds"]?.objectValue)
        try store.syncFeeds(feeds.map { FeedConfig(name: $0.0, url: $0.1["url"]?.stringValue ?? "") },
                            now: Timestamp(seconds: 0))

        var ours: [(kind: EventKind, feed: String, item: Int64, step: Int)] = []
        for step in 0...steps {
            if step > 0 { _ = try news.post("/_control/tick") }
            let state = try news.get("/_control/state?events=0").json()
            let now = try #require(state["time"]?.stringValue.flatMap(DateParser.parse))
            for (name, feed) in try #require(state["feeds"]?.objectValue) {
                if feed["status"]?.stringValue == "hang" { continue }  // a hung fetch sees nothing
                let stored = try #require(try store.feedState(named: name))
                if stored.disabled { continue }
                let events = try poll(news, store: store, feed: name, url: stored.url, now: now)
                for event in events where event.kind == .new || event.kind == .updated {
                    ours.append((event.kind, name, try #require(event.itemID), step))
                }
            }
        }

        let truth = try news.get("/_control/state").json()
        let scriptErrors = (truth["events"]?.arrayValue ?? []).filter { $0["type"]?.stringValue == "script_error" }
        #expect(scriptErrors.isEmpty, "scenario errors: \(scriptErrors.map(\.serialized))")
        let expected = try #require(truth["expected"])

        // Newsroom item ids by (feed, canonical link) and (feed, guid).
        var byLink: [String: String] = [:]
        var byGuid: [String: String] = [:]
        for entry in expected["new"]?.arrayValue ?? [] {
            guard let feed = entry["feed"]?.stringValue, let id = entry["item"]?.stringValue else { continue }
            for link in entry["links"]?.arrayValue ?? [] {
                if let link = link.stringValue { byLink["\(feed)|\(URLCanonicalizer.canonical(link))"] = id }
            }
            if let guid = entry["guid"]?.stringValue { byGuid["\(feed)|\(guid)"] = id }
        }
        func newsroomID(_ feed: String, _ itemID: Int64) throws -> String {
            let record = try #require(try store.item(id: itemID))
            if let link = record.link, let id = byLink["\(feed)|\(link)"] { return id }
            if let guid = record.guid, let id = byGuid["\(feed)|\(guid)"] { return id }
            return "unknown(\(record.title))"
        }

        var expectedNew: [Seen] = []
        for entry in expected["new"]?.arrayValue ?? [] where entry["alert"]?.boolValue == true && entry["initial"]?.boolValue != true {
            expectedNew.append(Seen(feed: entry["feed"]!.stringValue!, item: entry["item"]!.stringValue!,
                                    step: Int(entry["seen_step"]!.intValue!)))
        }
        var expectedUpdated: [Seen] = []
        for entry in expected["updated"]?.arrayValue ?? [] where entry["alert"]?.boolValue == true {
            expectedUpdated.append(Seen(feed: entry["feed"]!.stringValue!, item: entry["item"]!.stringValue!,
                                        step: Int(entry["seen_step"]!.intValue!)))
        }
        var gotNew: [Seen] = []
        var gotUpdated: [Seen] = []
        for event in ours {
            let seen = Seen(feed: event.feed, item: try newsroomID(event.feed, event.item), step: event.step)
            if event.kind == .new { gotNew.append(seen) } else { gotUpdated.append(seen) }
        }
        let sort: (Seen, Seen) -> Bool = { ($0.step, $0.feed, $0.item) < ($1.step, $1.feed, $1.item) }
        #expect(gotNew.sorted(by: sort) == expectedNew.sorted(by: sort),
                "new: missing \(Set(expectedNew).subtracting(gotNew)), unexpected \(Set(gotNew).subtracting(expectedNew))")
        #expect(gotUpdated.sorted(by: sort) == expectedUpdated.sorted(by: sort),
                "updated: missing \(Set(expectedUpdated).subtracting(gotUpdated)), unexpected \(Set(gotUpdated).subtracting(expectedUpdated))")
        print("newsroom: \(expectedNew.count) new, \(expectedUpdated.count) updated expected; got \(gotNew.count) new, \(gotUpdated.count) updated")
        #expect(!expectedNew.isEmpty)
        #expect(!expectedUpdated.isEmpty)
    }

    /// One fetch as the daemon would do it: follow a 301 (stored as the new
    /// URL), record failures and 410, reconcile a 200.
    func poll(_ news: ToolServer, store: SQLiteStore, feed: String, url: String, now: Timestamp) throws -> [ChangeEvent] {
        var path = String(url.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
        var movedTo: String?
        var answer = try LoopbackHTTP.request(port: news.port, method: "GET", path: path)
        if answer.status == 301 || answer.status == 308, let location = answer.headers["Location"] {
            movedTo = location
            path = String(location.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
            answer = try LoopbackHTTP.request(port: news.port, method: "GET", path: path)
        }
        var record = FetchRecord(at: now, outcome: .updated, httpStatus: answer.status, movedTo: movedTo)
        switch answer.status {
        case 200:
            let base = movedTo ?? url
            let result = try DocumentIngest.run(
                store: store, feed: feed, bytes: answer.body, base: base, now: now, policy: TrackPolicy(), fetch: record,
                parse: { try FeedParser.parse($0, options: FeedParseOptions(baseURL: base)) }, route: { _ in [] })
            switch result {
            case let .refreshed(outcome, _): return outcome.events
            case .unchanged: return []
            case let .notAFeed(message):
                Issue.record("feed \(feed): \(message)")
                return []
            }
        case 410:
            record.outcome = .gone
        default:
            record.outcome = .httpError
            record.error = "answered \(answer.status)"
        }
        return try store.recordFetch(feed: feed, record) { _ in [] }
    }
}

import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// `feedwire fetch` as a user (and the benchmark) runs it: the built binary
/// against newsroom.py, two rounds with --save-validators / --validators.
@Suite struct FetchCommandTests {
    struct Run {
        var code: Int32
        var lines: [String]
        var errors = ""
    }

    func fetch(_ arguments: [String]) throws -> Run {
        let dir = TemporaryDirectory(prefix: "feedwire-fetch")
        let out = dir.file("stdout.txt")
        let child = try ChildProcess(executable: PackagePaths.feedwireBinary.path, arguments: ["fetch"] + arguments,
                                     stdoutPath: out, stderrPath: dir.file("stderr.txt"))
        let code = child.waitForExit(timeout: 60) ?? { child.stop(); return -1 }()
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: dir.file("stderr.txt"), encoding: .utf8)) ?? ""
        return Run(code: code, lines: text.split(separator: "\n").map(String.init), errors: errors)
    }

    @Test func twoRoundsSecondAllNotModified() throws {
        let news = try ToolServer(tool: "newsroom.py", arguments: ["--epoch", "2025-11-25T12:00:00Z", "--no-random"])
        let dir = TemporaryDirectory(prefix: "feedwire-fetch-cli")
        let feeds = ["wire.rss", "europe.atom", "kyiv.rss", "council.rdf", "tracker.rss", "odd.rss", "digest.json"]
        let urls = try dir.write("urls.txt", "# newsroom feeds\n\n" + feeds.map { "\(news.baseURL)/feeds/\($0)" }.joined(separator: "\n") + "\n")
        let validators = dir.file("validators.tsv")

        let first = try fetch(["--urls", urls, "--allow", "127.0.0.0/8", "--save-validators", validators, "--contact", "ci@example.org"])
        #expect(first.code == 0, "\(first.lines)")
        #expect(first.lines.count == feeds.count)
        #expect(first.lines.allSatisfy { $0.hasPrefix("200 ok ") }, "\(first.lines)")
        let saved = ValidatorsFile.parse(Array(try Data(contentsOf: URL(fileURLWithPath: validators))))
        #expect(saved.validators.count == feeds.count)
        #expect(saved.badLines.isEmpty)

        let second = try fetch(["--urls", urls, "--allow", "127.0.0.0/8", "--validators", validators, "--json", "--contact", "ci@example.org"])
        #expect(second.code == 0, "\(second.lines)")
        #expect(second.lines.count == feeds.count)
        for line in second.lines {
            let doc = try JSONValue.parse(line)
            #expect(doc["status"]?.intValue == 304, "\(line)")
            #expect(doc["outcome"]?.stringValue == "not-modified")
            #expect(doc["bytes"]?.intValue == 0)
            #expect(doc["etag"]?.stringValue?.isEmpty == false)
        }
        let state = try news.get("/_control/state?events=0").json()
        #expect(state["feeds"]?["wire"]?["requests"]?["304"]?.intValue == 1)
        #expect(state["feeds"]?["wire"]?["last_request"]?["user_agent"]?.stringValue?.hasSuffix("(+ci@example.org)") == true)
    }

    @Test func manyURLsStreamThroughTheWindowAndStatsReportTheRound() throws {
        // More URLs than the feeder's window (1,024 for --max-in-flight 16):
        // every one is fetched exactly once and answered, in any order.
        let news = try ToolServer(tool: "newsroom.py", arguments: ["--epoch", "2025-11-25T12:00:00Z", "--no-random"])
        let dir = TemporaryDirectory(prefix: "feedwire-fetch-many")
        let urls = (0..<1_100).map { "\(news.baseURL)/feeds/wire.rss?n=\($0)" }
        let file = try dir.write("urls.txt", urls.joined(separator: "\n") + "\n")
        let run = try fetch(["--urls", file, "--allow", "127.0.0.0/8", "--max-in-flight", "16", "--max-per-host", "16", "--stats"])
        #expect(run.code == 0)
        #expect(run.lines.count == urls.count)
        let answered = Set(run.lines.compactMap { $0.split(separator: " ").dropFirst(4).first.map(String.init) })
        #expect(answered == Set(urls), "each URL answered once")
        #expect(run.errors.contains("fetch stats: 1100 URLs, wall "), "\(run.errors)")
        #expect(run.errors.contains(" us CPU per URL"), "\(run.errors)")
    }

    @Test func exitCodeOneWhenAnyURLFails() throws {
        let news = try ToolServer(tool: "newsroom.py", arguments: ["--epoch", "2025-11-25T12:00:00Z", "--no-random"])
        let run = try fetch(["--allow", "127.0.0.0/8", "\(news.baseURL)/feeds/wire.rss", "\(news.baseURL)/feeds/missing.rss"])
        #expect(run.code == 1)
        #expect(run.lines.contains { $0.hasPrefix("200 ok ") })
        #expect(run.lines.contains { $0.hasPrefix("404 not-found ") && $0.contains("# ") })
    }

    @Test func loopbackRefusedWithoutAllow() throws {
        let news = try ToolServer(tool: "newsroom.py", arguments: ["--epoch", "2025-11-25T12:00:00Z", "--no-random"])
        let run = try fetch(["\(news.baseURL)/feeds/wire.rss"])
        #expect(run.code == 1)
        #expect(run.lines.first?.hasPrefix("--- refused ") == true, "\(run.lines)")
        #expect(run.lines.first?.contains("allow_networks") == true)
        let state = try news.get("/_control/state?events=0").json()
        #expect(state["feeds"]?["wire"]?["requests"]?["requests"]?.intValue ?? 0 == 0, "nothing reached the server")
    }

    @Test func usageErrors() throws {
        #expect(try fetch([]).code == 2)
        #expect(try fetch(["--allow", "not a network", "http://127.0.0.1:1/"]).code == 2)
    }
}

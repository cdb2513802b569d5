import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// `feedwire check` and `feedwire export-opml` on the built binary: exit
/// codes of the contract, messages, and no secret ever printed.
@Suite struct ConfigCommandTests {
    static var sample: String { PackagePaths.root.appendingPathComponent("feeds.conf").path }

    @Test func checkAcceptsTheSample() throws {
        let r = try runFeedwire(["check", "--config", Self.sample])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out == "\(Self.sample): 24 feeds, 3 outputs, 0 notifiers: OK\n")
        #expect(r.err.isEmpty)
    }

    @Test func checkReportsEveryErrorWithItsLineAndExitsOne() throws {
        let dir = TemporaryDirectory()
        let path = try dir.write("feeds.conf", """
        [daemon]
        intervall = "15m"
        [[feed]]
        name = "kyiv"
        url = "https://kyivindependent.com/news-archive/rss/"
        [[feed]]
        name = "kyiv"
        url = "https://example.org/rss"
        """)
        let r = try runFeedwire(["check", "--config", path])
        #expect(r.code == 1)
        #expect(r.out.isEmpty)
        #expect(r.err.contains("\(path):2: error: unknown key `intervall` in [daemon]; did you mean `interval`?\n"))
        #expect(r.err.contains("\(path):6: error: feed name \"kyiv\" is already used by the [[feed]] at line 3"))
        #expect(r.err.hasSuffix("\(path): 2 errors; not valid\n"))
    }

    @Test func checkExitsThreeWhenTheFileCannotBeRead() throws {
        let r = try runFeedwire(["check", "--config", "/nonexistent/feeds.conf"])
        #expect(r.code == 3)
        #expect(r.err.contains("/nonexistent/feeds.conf: error: cannot read the configuration: No such file or directory"))
    }

    @Test func checkWarnsAboutUnsetSecretsWithoutPrintingValues() throws {
        let dir = TemporaryDirectory()
        let path = try dir.write("feeds.conf", """
        [[feed]]
        name = "a"
        url = "https://a.example/rss"
        [[notify]]
        name = "desk"
        type = "telegram"
        url = "https://api.telegram.org"
        token = "env:FEEDWIRE_TEST_TG_TOKEN"
        chat_id = "@desk"
        [[notify]]
        name = "hook"
        type = "discord"
        url = "env:FEEDWIRE_TEST_DISCORD_URL"
        """)
        var env = ProcessInfo.processInfo.environment
        env["FEEDWIRE_TEST_DISCORD_URL"] = "https://discord.com/api/webhooks/1/VERYSECRETTOKEN"
        env.removeValue(forKey: "FEEDWIRE_TEST_TG_TOKEN")
        let r = try runFeedwire(["check", "--config", path], environment: env)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("\(path):4: warning: `token` of [[notify]] \"desk\": environment variable FEEDWIRE_TEST_TG_TOKEN is not set"))
        #expect(r.out == "\(path): 1 feed, 0 outputs, 2 notifiers: OK (1 warning)\n")
        #expect(!r.err.contains("VERYSECRET") && !r.out.contains("VERYSECRET"))

        // Set, and one inline secret: nothing to warn about, nothing printed.
        env["FEEDWIRE_TEST_TG_TOKEN"] = "12345:ANOTHERSECRET"
        let ok = try runFeedwire(["check", "--config", path], environment: env)
        #expect(ok.code == 0)
        #expect(ok.err.isEmpty)
        #expect(!ok.out.contains("SECRET"))
    }

    @Test func checkFindsFeedsConfInTheWorkingDirectoryByRelativePath() throws {
        // The test runner's working directory is the package root, which holds the sample.
        guard FileManager.default.fileExists(atPath: "feeds.conf") else { return }
        let r = try runFeedwire(["check", "--config", "feeds.conf"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("feeds.conf: 24 feeds"))
    }

    @Test func checkUsageErrorExitsTwo() throws {
        let r = try runFeedwire(["check", "--bogus"])
        #expect(r.code == 2)
    }

    @Test func exportWritesWellFormedOPMLOfTheSample() throws {
        let r = try runFeedwire(["export-opml", "--config", Self.sample])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"))
        #expect(r.out.contains("xmlUrl=\"https://www.euronews.com/rss?level=theme&amp;name=news\""))
        #expect(r.out.contains("<outline text=\"ukraine\" title=\"ukraine\">"))

        let dir = TemporaryDirectory()
        let file = dir.file("feeds.opml")
        let w = try runFeedwire(["export-opml", "--config", Self.sample, "-o", file])
        #expect(w.code == 0, "\(w.err)")
        #expect(w.out.isEmpty)
        let written = try String(contentsOfFile: file, encoding: .utf8)
        // Same document but for the creation date.
        func dropDate(_ s: String) -> String { s.split(separator: "\n").filter { !$0.contains("dateCreated") }.joined(separator: "\n") }
        #expect(dropDate(written) == dropDate(r.out))
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint") {
            let lint = try ChildProcess(executable: "/usr/bin/xmllint", arguments: ["--noout", file])
            #expect(lint.waitForExit(timeout: 30) == 0)
        }
    }

    @Test func exportFailsOnAnInvalidConfig() throws {
        let dir = TemporaryDirectory()
        let path = try dir.write("feeds.conf", "[[feed]]\nname = \"A\"\n")
        let r = try runFeedwire(["export-opml", "--config", path])
        #expect(r.code == 1)
        #expect(r.out.isEmpty)
    }
}

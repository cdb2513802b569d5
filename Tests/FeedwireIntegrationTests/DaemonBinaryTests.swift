import FeedwireCore
import FeedwireTestSupport
import Foundation
import Synchronization
import Testing

/// The built `feedwire run` binary as systemd runs it: a fake manager on
/// `$NOTIFY_SOCKET` (a datagram socket this test binds), newsroom.py as the
/// publishers and chat_sink.py as the team chat. Checks the sd_notify
/// protocol (READY=1 with STATUS=, WATCHDOG=1, RELOADING=1/READY=1 around
/// SIGHUP, STOPPING=1), that SIGHUP applies an added and a removed feed
/// without losing state or alerting twice, that a broken file is rejected
/// with its line numbers while the old configuration keeps polling, and
/// that SIGTERM and SIGINT end the process with status 0 within 10 s.
///
/// Time bounds only catch hangs; every wait polls a condition.
@Suite(.serialized) struct DaemonBinaryTests {
    /// Collects every datagram the daemon sends, on a background thread.
    final class Manager: @unchecked Sendable {
        let socket: FakeNotifySocket
        private let received = Mutex<[String]>([])
        private let running = Atomic<Bool>(true)
        private let done = DispatchSemaphore(value: 0)

        init(directory: String) throws {
            socket = try FakeNotifySocket(directory: directory)
            DispatchQueue.global().async { [self] in
                while running.load(ordering: .relaxed) {
                    if let m = socket.receive(timeout: 0.1) { received.withLock { $0.append(m) } }
                }
                done.signal()
            }
        }

        func stop() {
            running.store(false, ordering: .relaxed)
            done.wait()
        }

        var messages: [String] { received.withLock { $0 } }
        /// Datagrams other than watchdog pings.
        var events: [String] { messages.filter { $0 != "WATCHDOG=1" } }
    }

    /// One running daemon with its files.
    final class Daemon: @unchecked Sendable {
        let dir: TemporaryDirectory
        let process: ChildProcess
        let manager: Manager
        var configPath: String { dir.file("feeds.conf") }
        var logPath: String { dir.file("daemon.log") }

        init(dir: TemporaryDirectory, config: String, extraEnvironment: [String: String] = [:]) throws {
            self.dir = dir
            try dir.write("feeds.conf", config)
            manager = try Manager(directory: dir.path)
            var env = ProcessInfo.processInfo.environment
            for key in ["JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS"] { env[key] = nil }
            env["NOTIFY_SOCKET"] = manager.socket.address
            for (k, v) in extraEnvironment { env[k] = v }
            process = try ChildProcess(executable: PackagePaths.feedwireBinary.path,
                                       arguments: ["run", "--config", dir.file("feeds.conf"), "--log-level", "debug"],
                                       environment: env, stderrPath: dir.file("daemon.log"))
        }

        deinit {
            process.stop(grace: 2)
            manager.stop()
        }

        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        /// For failure messages: the last lines of the daemon's log.
        var tail: String { log.split(separator: "\n").suffix(40).joined(separator: "\n") }
    }

    static let newsroomArguments = ["--epoch", "2025-11-25T12:00:00Z", "--no-random", "--hang-seconds", "30"]

    /// Polls `condition` every 20 ms until it holds or `timeout` passes.
    func eventually(_ timeout: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = monotonicSeconds() + timeout
        while monotonicSeconds() < end {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    /// newsroom's count of requests per feed.
    func requests(_ news: ToolServer) throws -> [String: Int] {
        let state = try news.get("/_control/state?events=0").json()
        var out: [String: Int] = [:]
        for (name, feed) in state["feeds"]?.objectValue ?? [] {
            out[name] = Int(feed["requests"]?["requests"]?.intValue ?? 0)
        }
        return out
    }

    /// The counts for a failure message.
    func counts(_ news: ToolServer) -> String { (try? requests(news)).map { "\($0)" } ?? "newsroom unreachable" }

    /// `feedwire status --json` while the daemon runs: items per feed.
    func items(_ daemon: Daemon) throws -> [String: Int] {
        let r = try runFeedwire(["status", "--json", "--config", daemon.configPath])
        var out: [String: Int] = [:]
        for line in r.out.split(separator: "\n") {
            let row = try JSONValue.parse(Array(line.utf8))
            if let name = row["feed"]?.stringValue { out[name] = Int(row["items"]?.intValue ?? 0) }
        }
        return out
    }

    func config(news: ToolServer, feeds: [String], notify: String? = nil, timeout: String = "5s",
                extraDaemon: String = "") -> String {
        let ext = ["wire": "rss", "europe": "atom", "kyiv": "rss", "council": "rdf", "tracker": "rss", "odd": "rss",
                   "digest": "json"]
        var text = """
        [daemon]
        state = "state.db"
        allow_networks = ["127.0.0.0/8"]
        min_interval = "1s"
        interval = "1s"
        jitter = 0
        timeout = "\(timeout)"
        connect_timeout = "2s"
        \(extraDaemon)

        """
        for name in feeds {
            text += """
            [[feed]]
            name = "\(name)"
            url = "\(news.baseURL)/feeds/\(name).\(ext[name] ?? "rss")"

            """
        }
        if let notify {
            text += """
            [[notify]]
            name = "hook"
            type = "webhook"
            url = "\(notify)/generic/acc"

            """
        }
        return text
    }

    @Test func readyReloadRejectAndStop() throws {
        let news = try ToolServer(tool: "newsroom.py", arguments: Self.newsroomArguments)
        let sink = try ToolServer(tool: "chat_sink.py")
        let dir = TemporaryDirectory(prefix: "fw-daemon-bin")
        let daemon = try Daemon(dir: dir, config: config(news: news, feeds: ["wire", "europe", "kyiv"], notify: sink.baseURL),
                                extraEnvironment: ["WATCHDOG_USEC": "400000"])
        let m = daemon.manager

        // READY=1 (with STATUS= and our MAINPID) once the store is open and the schedule built.
        #expect(eventually { m.events.contains { $0.contains("READY=1") } }, "\(daemon.tail)")
        let ready = try #require(m.events.first { $0.contains("READY=1") })
        let readyLines = ready.split(separator: "\n").map(String.init)
        #expect(readyLines.contains("READY=1"))
        #expect(readyLines.contains("MAINPID=\(daemon.process.pid)"))
        #expect(readyLines.contains { $0.hasPrefix("STATUS=3 feeds") }, "\(readyLines)")
        // WATCHDOG_USEC=400000: pings at half of that while the loop makes progress.
        #expect(eventually { m.messages.filter { $0 == "WATCHDOG=1" }.count >= 3 }, "\(m.messages)")

        // Every feed is polled, again and again (interval 1 s).
        #expect(try eventually { try requests(news).filter { ["wire", "europe", "kyiv"].contains($0.key) }.values.allSatisfy { $0 >= 2 } },
                "\(counts(news))\n\(daemon.tail)")
        #expect(try requests(news)["council"] == 0)

        // Step 1: a new item in wire and a real edit in europe → exactly one
        // "created" and one "updated" at the sink.
        _ = try sink.post("/_sink/reset")
        _ = try news.post("/_control/tick")
        let sinkCount = { try sink.get("/_sink/requests").json()["count"]?.intValue ?? -1 }
        #expect(try eventually { try sinkCount() >= 2 }, "\(daemon.tail)")
        let before = try items(daemon)
        #expect((before["kyiv"] ?? 0) > 0 && (before["wire"] ?? 0) > 0, "\(before)")

        // SIGHUP with kyiv removed and council added.
        try dir.write("feeds.conf", config(news: news, feeds: ["wire", "europe", "council"], notify: sink.baseURL))
        let sentBefore = m.events.count
        daemon.process.signal(SIGHUP)
        #expect(eventually { daemon.log.contains("configuration reloaded: 3 feeds (1 added, 1 removed, 0 changed)") },
                "\(daemon.tail)")
        #expect(eventually { m.events.dropFirst(sentBefore).contains { $0.contains("READY=1") } })
        let reload = Array(m.events.dropFirst(sentBefore))
        let reloading = try #require(reload.firstIndex { $0.hasPrefix("RELOADING=1") }, "\(reload)")
        let readyAgain = try #require(reload.firstIndex { $0.hasPrefix("READY=1") }, "\(reload)")
        #expect(reloading < readyAgain)
        #expect(reload[reloading].contains("\nMONOTONIC_USEC="))
        #expect(daemon.log.contains("kyiv: removed from feeds.conf; its items stay in the store"))
        #expect(daemon.log.contains("council: added; first poll in"))

        let atReload = try requests(news)
        #expect(try eventually {
            let now = try requests(news)
            return (now["council"] ?? 0) >= 2 && (now["wire"] ?? 0) >= (atReload["wire"] ?? 0) + 2
                && (now["europe"] ?? 0) >= (atReload["europe"] ?? 0) + 2
        }, "\(counts(news))\n\(daemon.tail)")
        // kyiv is no longer polled (one refresh may have been on its way when the signal came).
        #expect((try requests(news)["kyiv"] ?? 0) <= (atReload["kyiv"] ?? 0) + 1)
        // The kept feeds kept their state: no second alert, nothing new for
        // council's first fetch (no backfill), the removed feed's items stay.
        #expect(try sinkCount() == 2, "\((try? sink.get("/_sink/requests").text) ?? "")")
        let records = try sink.get("/_sink/requests").json()["requests"]?.arrayValue ?? []
        #expect(records.allSatisfy { $0["verdict"]?.stringValue == "ok" }, "\(records)")
        let after = try items(daemon)
        #expect(after["kyiv"] == before["kyiv"])
        #expect(after["wire"] == before["wire"] && after["europe"] == before["europe"])
        #expect((after["council"] ?? 0) > 0, "\(after)")

        // SIGHUP with a broken file: rejected with its line numbers, the old
        // configuration keeps running.
        let broken = config(news: news, feeds: ["wire", "europe", "council"], notify: sink.baseURL)
            .replacingOccurrences(of: "jitter = 0", with: "jitter = 0\nintervall = \"2s\"")
            + "[[feed]]\nname = \"wire\"\nurl = \"\(news.baseURL)/feeds/odd.rss\"\n"
        let lines = broken.split(separator: "\n", omittingEmptySubsequences: false)
        let typoLine = try #require(lines.firstIndex { $0.hasPrefix("intervall") }) + 1
        let dupLine = try #require(lines.lastIndex { $0 == "[[feed]]" }) + 1
        try dir.write("feeds.conf", broken)
        let sentBeforeBroken = m.events.count
        daemon.process.signal(SIGHUP)
        #expect(eventually { daemon.log.contains("the new configuration was rejected (2 errors); still running the previous one with 3 feeds") },
                "\(daemon.tail)")
        let log = daemon.log
        #expect(log.contains("\(daemon.configPath):\(typoLine): error: unknown key `intervall` in [daemon]; did you mean `interval`?"), "\(daemon.tail)")
        #expect(log.contains("\(daemon.configPath):\(dupLine): error: feed name \"wire\" is already used"), "\(daemon.tail)")
        #expect(eventually { m.events.dropFirst(sentBeforeBroken).contains { $0.contains("READY=1") } })
        #expect(m.events.dropFirst(sentBeforeBroken).first?.hasPrefix("RELOADING=1") == true)
        let atReject = try requests(news)
        #expect(try eventually {
            let now = try requests(news)
            return ["wire", "europe", "council"].allSatisfy { (now[$0] ?? 0) >= (atReject[$0] ?? 0) + 2 }
        }, "\(counts(news))\n\(daemon.tail)")
        #expect(try requests(news)["odd"] == 0)
        #expect(daemon.process.exitCodeIfExited() == nil)

        // SIGTERM: STOPPING=1, exit 0 within 10 s.
        let sentBeforeStop = m.events.count
        daemon.process.signal(SIGTERM)
        #expect(daemon.process.waitForExit(timeout: 10) == 0, "\(daemon.tail)")
        #expect(eventually(5) { m.events.dropFirst(sentBeforeStop).contains { $0.hasPrefix("STOPPING=1") } }, "\(m.events)")
        #expect(daemon.log.contains("stopping (SIGTERM)"))
        #expect(daemon.log.hasSuffix("info stopped\n"), "\(daemon.tail)")
        #expect(try sinkCount() == 2)
    }

    /// SIGINT while a refresh hangs: the daemon waits for it up to
    /// `shutdown_grace`, says which feed it abandons, and still exits 0.
    @Test func sigintStopsWithinTheGraceWhileAFeedHangs() throws {
        let news = try ToolServer(tool: "newsroom.py", arguments: Self.newsroomArguments)
        _ = try news.post("/_control/tick?n=7")  // step 7: council hangs for 30 s
        let state = try news.get("/_control/state?events=0&feed=council").json()
        #expect(state["feeds"]?["council"]?["status"]?.stringValue == "hang")
        let dir = TemporaryDirectory(prefix: "fw-daemon-int")
        let daemon = try Daemon(dir: dir, config: config(news: news, feeds: ["wire", "council"], timeout: "60s",
                                                         extraDaemon: "shutdown_grace = \"2s\""))
        let m = daemon.manager
        #expect(eventually { m.events.contains { $0.contains("READY=1") } }, "\(daemon.tail)")
        #expect(try eventually { (try requests(news)["wire"] ?? 0) >= 2 }, "\(daemon.tail)")
        // council's first refresh started with wire's and hangs for 30 s (timeout 60 s).
        #expect(!daemon.log.contains("council:"), "\(daemon.tail)")

        let start = monotonicSeconds()
        daemon.process.signal(SIGINT)
        #expect(daemon.process.waitForExit(timeout: 10) == 0, "\(daemon.tail)")
        let took = monotonicSeconds() - start
        #expect(took >= 1.5, "exited after \(took) s without waiting for the hanging refresh")
        #expect(eventually(5) { m.events.contains { $0.hasPrefix("STOPPING=1") } }, "\(m.events)")
        let log = daemon.log
        #expect(log.contains("stopping (SIGINT): waiting up to 2 s for "), "\(daemon.tail)")
        #expect(log.contains("did not finish within shutdown_grace (council)"), "\(daemon.tail)")
        #expect(log.hasSuffix("info stopped\n"), "\(daemon.tail)")
    }
}

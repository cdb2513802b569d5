import FeedwireCore
import FeedwireCurl
import FeedwireTestSupport
import Foundation
import Testing

/// A chat_sink.py with a log file, and helpers to drive a worker against it.
final class ChatSinkHarness: @unchecked Sendable {
    let dir = TemporaryDirectory(prefix: "feedwire-sink")
    let server: ToolServer
    var logPath: String { dir.file("sink.jsonl") }
    var base: String { server.baseURL }

    init(_ arguments: [String] = []) throws {
        let log = dir.file("sink.jsonl")
        server = try ToolServer(tool: "chat_sink.py", arguments: ["--log", log, "--secret", NotifyFixtures.sinkSecret,
                                                                  "--matrix-token", "secret"] + arguments)
    }

    deinit {
        server.stop()
        // FEEDWIRE_KEEP_SINK_LOG=/path keeps the sink's log for diagnosis (appended).
        if let keep = ProcessInfo.processInfo.environment["FEEDWIRE_KEEP_SINK_LOG"], !keep.isEmpty,
           let data = FileManager.default.contents(atPath: logPath) {
            if let h = FileHandle(forWritingAtPath: keep) {
                h.seekToEndOfFile()
                h.write(data)
                h.closeFile()
            } else {
                _ = FileManager.default.createFile(atPath: keep, contents: data)
            }
        }
    }

    /// The production HTTP engine, allowed to reach the sink on loopback
    /// (the network policy denies private and loopback addresses by default).
    func transport() throws -> CurlTransport {
        CurlTransport(configuration: CurlTransportConfiguration(
            userAgent: FeedwireVersion.userAgent(contact: "tests@example.org"),
            policy: try NetworkPolicy(allowing: ["127.0.0.0/8"])))
    }

    /// Every recorded request.
    func records(service: String? = nil) throws -> [JSONValue] {
        let path = service.map { "/_sink/requests?service=\($0)" } ?? "/_sink/requests"
        return try server.get(path).json()["requests"]?.arrayValue ?? []
    }

    /// `chat_sink.py summary LOG --check`: exit status and output.
    func summaryCheck() throws -> (Int32, String) {
        let out = dir.file("summary.txt")
        let p = try ChildProcess(executable: "/usr/bin/python3",
                                 arguments: [PackagePaths.tool("chat_sink.py").path, "summary", logPath, "--check", "--show-problems"],
                                 stdoutPath: out, stderrPath: out)
        let code = p.waitForExit(timeout: 60) ?? -1
        return (code, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    /// Problems of every record that is not `ok`, for failure messages.
    func problems(_ records: [JSONValue]) -> String {
        records.filter { $0["verdict"]?.stringValue != "ok" }.map { r in
            "#\(r["seq"]?.intValue ?? 0) \(r["service"]?.stringValue ?? "") \(r["method"]?.stringValue ?? "") \(r["status"]?.intValue ?? 0) \(r["verdict"]?.stringValue ?? ""): "
                + (r["problems"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "; ")
                + " body=" + String((r["body"]?.stringValue ?? "").prefix(400))
        }.joined(separator: "\n")
    }
}

/// Steps a manual worker on the real clock until the outbox has nothing
/// pending (or `timeout` passes), sleeping briefly while targets wait.
func deliverAll(_ worker: DeliveryWorker, _ queue: InMemoryDeliveryQueue, timeout: Double = 30) {
    let deadline = monotonicSeconds() + timeout
    while monotonicSeconds() < deadline {
        let sent = worker.step()
        if ((try? queue.pendingCounts()) ?? [:]).isEmpty { return }
        if sent == 0 { usleep(20_000) }
    }
}

/// Lets the real clock drive an automatic worker until nothing is pending.
func waitUntilDelivered(_ queue: InMemoryDeliveryQueue, timeout: Double = 60) -> Bool {
    let deadline = monotonicSeconds() + timeout
    while monotonicSeconds() < deadline {
        if ((try? queue.pendingCounts()) ?? [:]).isEmpty { return true }
        usleep(20_000)
    }
    return false
}

/// Worker settings for tests against a real server: short retry delays and pauses.
func fastSettings(seed: UInt64 = 1) -> DeliveryWorker.Settings {
    var s = DeliveryWorker.Settings()
    s.seed = seed
    // Short delays, and more of them than in production, so a seeded run of 5xx cannot dead-letter.
    s.retrySchedule = [0.3, 0.3, 0.5, 0.5, 1, 1, 1, 1, 1, 1, 1, 1]
    s.firstPause = 0.5
    s.maxPause = 2
    s.pollInterval = 0.2
    return s
}

/// Seconds since 1970 of a chat_sink record's `time` (`2025-11-25T12:00:03.412Z`).
func sinkTime(_ record: JSONValue) -> Double {
    let t = record["time"]?.stringValue ?? ""
    let parts = t.dropLast().split(separator: "T")
    guard parts.count == 2 else { return 0 }
    let d = parts[0].split(separator: "-").compactMap { Int($0) }
    let c = parts[1].split(separator: ":")
    guard d.count == 3, c.count == 3, let h = Int(c[0]), let m = Int(c[1]), let s = Double(c[2]) else { return 0 }
    return Double(Timestamp(year: d[0], month: d[1], day: d[2], hour: h, minute: m).seconds) + s
}

/// The sink's own retry-after for a rate-limited record (from its problem text "retry after 0.734s").
func sinkRetryAfter(_ record: JSONValue) -> Double? {
    for p in record["problems"]?.arrayValue ?? [] {
        guard let text = p.stringValue, let r = text.range(of: "retry after ") else { continue }
        return Double(text[r.upperBound...].prefix { $0.isNumber || $0 == "." })
    }
    return nil
}

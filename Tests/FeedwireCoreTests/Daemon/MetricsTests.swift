import Dispatch
import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// A strict reader of the Prometheus text format 0.0.4, enough to check our
/// output: every line is a comment (`# HELP`/`# TYPE`) or a sample
/// `name{label="value",…} number`, and every sample's family was typed first.
struct ExpositionReader {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []
    var types: [String: String] = [:]

    init(_ text: String) throws {
        struct Bad: Error, CustomStringConvertible { var description: String }
        guard text.isEmpty || text.hasSuffix("\n") else { throw Bad(description: "no final newline") }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                    throw Bad(description: "bad TYPE line: \(line)")
                }
                types[String(parts[2])] = String(parts[3])
                continue
            }
            var rest = Substring(line)
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
            guard !name.isEmpty, name.first!.isLetter || name.first == "_" else { throw Bad(description: "bad name: \(line)") }
            rest = rest.dropFirst(name.count)
            var labels: [String: String] = [:]
            if rest.hasPrefix("{") {
                rest = rest.dropFirst()
                while !rest.hasPrefix("}") {
                    let key = rest.prefix { $0 != "=" }
                    rest = rest.dropFirst(key.count)
                    guard rest.hasPrefix("=\"") else { throw Bad(description: "bad label: \(line)") }
                    rest = rest.dropFirst(2)
                    var value = ""
                    while let c = rest.first, c != "\"" {
                        rest = rest.dropFirst()
                        if c == "\\" {
                            guard let e = rest.first else { throw Bad(description: "bad escape: \(line)") }
                            rest = rest.dropFirst()
                            switch e {
                            case "n": value.append("\n")
                            case "\\": value.append("\\")
                            case "\"": value.append("\"")
                            default: throw Bad(description: "bad escape: \(line)")
                            }
                        } else {
                            value.append(c)
                        }
                    }
                    guard rest.hasPrefix("\"") else { throw Bad(description: "unterminated label: \(line)") }
                    rest = rest.dropFirst()
                    labels[String(key)] = value
                    if rest.hasPrefix(",") { rest = rest.dropFirst() }
                }
                rest = rest.dropFirst()
            }
            guard rest.hasPrefix(" ") else { throw Bad(description: "no value: \(line)") }
            let valueText = rest.dropFirst()
            let value: Double
            switch valueText {
            case "+Inf": value = .infinity
            case "-Inf": value = -.infinity
            case "NaN": value = .nan
            default:
                guard let v = Double(valueText) else { throw Bad(description: "bad value: \(line)") }
                value = v
            }
            var family = String(name)
            for suffix in ["_bucket", "_sum", "_count"] where types[family] == nil && family.hasSuffix(suffix) {
                family = String(family.dropLast(suffix.count))
            }
            guard types[family] != nil else { throw Bad(description: "sample before its TYPE: \(line)") }
            samples.append(Sample(name: String(name), labels: labels, value: value))
        }
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }
}

@Suite struct MetricsRegistryTests {
    @Test func rendersCountersGaugesAndHistograms() throws {
        let r = MetricsRegistry()
        r.declare("t_requests_total", .counter, help: "Requests.\nSecond line \\ backslash")
        r.declare("t_depth", .gauge, help: "Depth.")
        r.declare("t_latency_seconds", .histogram, help: "Latency.", buckets: [1, 5, 0.5])
        r.declare("t_unused", .gauge, help: "Never set: not rendered.")
        r.increment("t_requests_total", ["feed": "a\"b\\c\nd", "outcome": "ok"])
        r.increment("t_requests_total", ["outcome": "ok", "feed": "a\"b\\c\nd"], by: 2)
        r.increment("t_requests_total", ["feed": "x", "outcome": "ok"], by: -5)  // ignored
        r.set("t_depth", ["target": "chat"], to: 1.5)
        for v in [0.2, 0.7, 3, 9, 0.5] { r.observe("t_latency_seconds", ["target": "chat"], v) }
        let text = r.render()
        #expect(text.contains("# HELP t_requests_total Requests.\\nSecond line \\\\ backslash\n"))
        #expect(text.contains("t_requests_total{feed=\"a\\\"b\\\\c\\nd\",outcome=\"ok\"} 3\n"))
        #expect(!text.contains("t_unused"))
        #expect(!text.contains("feed=\"x\""))
        let parsed = try ExpositionReader(text)
        #expect(parsed.types == ["t_requests_total": "counter", "t_depth": "gauge", "t_latency_seconds": "histogram"])
        #expect(parsed.value("t_requests_total", ["feed": "a\"b\\c\nd", "outcome": "ok"]) == 3)
        #expect(parsed.value("t_depth", ["target": "chat"]) == 1.5)
        #expect(parsed.value("t_latency_seconds_bucket", ["target": "chat", "le": "0.5"]) == 2)
        #expect(parsed.value("t_latency_seconds_bucket", ["target": "chat", "le": "1"]) == 3)
        #expect(parsed.value("t_latency_seconds_bucket", ["target": "chat", "le": "5"]) == 4)
        #expect(parsed.value("t_latency_seconds_bucket", ["target": "chat", "le": "+Inf"]) == 5)
        #expect(parsed.value("t_latency_seconds_count", ["target": "chat"]) == 5)
        #expect(parsed.value("t_latency_seconds_sum", ["target": "chat"]) == 13.4)
    }

    @Test func removingAFeedDropsItsSeries() {
        let m = FeedwireMetrics()
        m.recordRefresh(feed: "a", report: .changed(newItems: 2), state: FeedPollState())
        m.recordRefresh(feed: "b", report: .notModified(), state: FeedPollState())
        m.forgetFeed("a")
        let text = m.registry.render()
        #expect(!text.contains("feed=\"a\""))
        #expect(text.contains("feed=\"b\""))
    }

    @Test func feedwireMetricsParseAndCarryTheRequiredSeries() throws {
        let m = FeedwireMetrics()
        var state = FeedPollState()
        state.lastSuccess = 1_764_072_000.7
        m.recordRefresh(feed: "kyiv", report: .changed(newItems: 3, updatedItems: 1), state: state)
        state.consecutiveFailures = 2
        m.recordRefresh(feed: "bbc", report: .failed("HTTP 503", status: 503), state: state)
        m.setOutboxDepth(target: "newsroom", depth: 4)
        m.observeDeliveryLatency(target: "newsroom", seconds: 12)
        m.setFeeds(active: 1, failing: 1, disabled: 0)
        let parsed = try ExpositionReader(m.registry.render())
        #expect(parsed.value(FeedwireMetrics.lastSuccess, ["feed": "kyiv"]) == 1_764_072_000)
        #expect(parsed.value(FeedwireMetrics.consecutiveErrors, ["feed": "bbc"]) == 2)
        #expect(parsed.value(FeedwireMetrics.fetches, ["feed": "bbc", "outcome": "failed"]) == 1)
        #expect(parsed.value(FeedwireMetrics.items, ["feed": "kyiv", "kind": "new"]) == 3)
        #expect(parsed.value(FeedwireMetrics.items, ["feed": "kyiv", "kind": "updated"]) == 1)
        #expect(parsed.value(FeedwireMetrics.outboxDepth, ["target": "newsroom"]) == 4)
        #expect(parsed.value(FeedwireMetrics.deliveryLatency + "_bucket", ["target": "newsroom", "le": "15"]) == 1)
        #expect(parsed.value(FeedwireMetrics.buildInfo, ["version": FeedwireVersion.current]) == 1)
        #expect((parsed.value("process_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect(parsed.value("process_cpu_seconds_total") != nil)
    }

    @Test func updatesFromManyThreads() {
        let r = MetricsRegistry()
        r.declare("c", .counter, help: "c")
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for _ in 0..<1_000 { r.increment("c", ["t": "\(t % 2)"]) }
        }
        #expect(r.value("c", ["t": "0"]) == 4_000)
        #expect(r.value("c", ["t": "1"]) == 4_000)
    }
}

@Suite struct MetricsServerTests {
    private func server(timers: any WakeTimerFactory = DispatchWakeTimerFactory(), limits: MetricsServer.Limits = .init(),
                        healthy: Bool = true) throws -> MetricsServer {
        let metrics = FeedwireMetrics()
        metrics.recordRefresh(feed: "kyiv", report: .changed(newItems: 1), state: FeedPollState())
        let health = LoopHealth(now: 0, staleAfter: 30)
        if !healthy { health.beat(now: 0, progressing: false, problem: "no feed refresh has finished for 5 min", storeHealthy: true, stopping: false) }
        let clock = FakeClock(10)
        let s = try MetricsServer(address: "127.0.0.1:0", limits: limits, timers: timers, handler: { head in
            switch head.path {
            case "/metrics": return HTTPReply(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.registry.render())
            case "/healthz":
                let (ok, reason) = health.check(now: clock.now())
                return HTTPReply(status: ok ? 200 : 503, body: ok ? "ok\n" : reason + "\n")
            default: return HTTPReply(status: 404, body: "not found\n")
            }
        })
        s.start()
        return s
    }

    @Test func servesMetricsAndHealth() throws {
        let s = try server()
        defer { s.stop(wait: true) }
        let port = Int(s.address.port)
        #expect(port > 0)
        let metrics = try LoopbackHTTP.request(port: port, method: "GET", path: "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
        let parsed = try ExpositionReader(metrics.text)
        #expect(parsed.value(FeedwireMetrics.fetches, ["feed": "kyiv", "outcome": "changed"]) == 1)
        let health = try LoopbackHTTP.request(port: port, method: "GET", path: "/healthz?verbose=1")
        #expect(health.status == 200)
        #expect(health.text == "ok\n")
        let head = try LoopbackHTTP.request(port: port, method: "HEAD", path: "/healthz")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(try LoopbackHTTP.request(port: port, method: "GET", path: "/nope").status == 404)
        let post = try LoopbackHTTP.request(port: port, method: "POST", path: "/metrics", body: Array("x".utf8))
        #expect(post.status == 405)
        #expect(post.headers["Allow"] == "GET, HEAD")
    }

    @Test func unhealthyLoopAnswers503() throws {
        let s = try server(healthy: false)
        defer { s.stop(wait: true) }
        let r = try LoopbackHTTP.request(port: Int(s.address.port), method: "GET", path: "/healthz")
        #expect(r.status == 503)
        #expect(r.text == "no feed refresh has finished for 5 min\n")
    }

    @Test(arguments: [
        ("GARBAGE\r\n\r\n", 400), ("GET /metrics\r\n\r\n", 400), ("GET metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /metrics HTTP/1.1\r\n\r\n", 400), ("GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("GET /metrics HTTP/1.1\r\nHost x\r\n\r\n", 400), ("GET /metrics HTTP/1.1\r\nHost: \u{01}\r\n\r\n", 400),
        ("GET /healthz HTTP/1.0\r\n\r\n", 200), ("GET /healthz HTTP/1.1\nHost: x\n\n", 200),
    ])
    func badRequestsGetAClearStatus(request: String, status: Int) throws {
        let s = try server()
        defer { s.stop(wait: true) }
        let answer = try RawClient.exchange(port: s.address.port, Array(request.utf8))
        #expect(answer.hasPrefix("HTTP/1.1 \(status) "))
    }

    @Test func oversizedHeadersGet431() throws {
        let s = try server()
        defer { s.stop(wait: true) }
        let big = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: " + String(repeating: "a", count: 20_000) + "\r\n\r\n"
        let answer = try RawClient.exchange(port: s.address.port, Array(big.utf8))
        #expect(answer.hasPrefix("HTTP/1.1 431 "))
    }

    /// Slowloris: a client that sends part of a head and stalls is cut off
    /// when its deadline fires (fired by hand here: no sleeping).
    @Test func aStalledClientIsDisconnectedAtItsDeadline() throws {
        let clock = FakeClock()
        let timers = ManualTimers(clock: clock)
        var limits = MetricsServer.Limits()
        limits.requestTimeout = 5
        let s = try server(timers: timers, limits: limits)
        defer { s.stop(wait: true) }
        let client = try RawClient(port: s.address.port)
        try client.send(Array("GET /metrics HTTP/1.1\r\nHo".utf8))
        #expect(waitUntil { timers.timers(named: "metrics-connection-1").count == 1 })
        #expect(s.connectionCount == 1)
        let timer = try #require(timers.timer("metrics-connection-1"))
        #expect(timer.deadline == clock.now() + 5)
        timer.fire()
        #expect(client.readAll().hasPrefix("HTTP/1.1 408 "))
        #expect(s.connectionCount == 0)
    }

    @Test func connectionsBeyondTheLimitAreClosedAtOnce() throws {
        let timers = ManualTimers(clock: FakeClock())
        var limits = MetricsServer.Limits()
        limits.maxConnections = 2
        let s = try server(timers: timers, limits: limits)
        defer { s.stop(wait: true) }
        let a = try RawClient(port: s.address.port)
        let b = try RawClient(port: s.address.port)
        try a.send(Array("G".utf8))
        try b.send(Array("G".utf8))
        #expect(waitUntil { s.connectionCount == 2 })
        let c = try RawClient(port: s.address.port)
        #expect(c.readAll() == "")  // closed without an answer
        #expect(s.connectionCount == 2)
        _ = a
        _ = b
    }

    @Test func refusesNonLoopbackUnlessAllowed() throws {
        #expect(throws: MetricsServer.Failure.self) {
            _ = try MetricsServer(address: "0.0.0.0:0", handler: { _ in HTTPReply(status: 200, body: "") })
        }
        let allowed = try MetricsServer(address: "0.0.0.0:0", allowNonLoopback: true, handler: { _ in HTTPReply(status: 200, body: "") })
        #expect(!allowed.address.isLoopback)
        allowed.stop(wait: true)
    }

    @Test(arguments: [
        ("127.0.0.1:9464", "127.0.0.1", UInt16(9464), false), ("localhost:80", "127.0.0.1", 80, false),
        ("[::1]:9464", "::1", 9464, true), ("127.0.0.2:1", "127.0.0.2", 1, false),
    ])
    func parsesAddresses(text: String, host: String, port: UInt16, v6: Bool) throws {
        let a = try MetricsServer.parseAddress(text)
        #expect(a.host == host && a.port == port && a.isIPv6 == v6 && a.isLoopback)
    }

    @Test(arguments: ["9464", "127.0.0.1", "127.0.0.1:99999", "example.org:80", "[::1:80", ""])
    func rejectsBadAddresses(text: String) {
        #expect(throws: MetricsServer.Failure.self) { _ = try MetricsServer.parseAddress(text) }
    }

    @Test func aBusyPortIsAClearError() throws {
        let s = try server()
        defer { s.stop(wait: true) }
        do {
            _ = try MetricsServer(address: "127.0.0.1:\(s.address.port)", handler: { _ in HTTPReply(status: 200, body: "") })
            Issue.record("bound a busy port")
        } catch {
            #expect(error.description.contains("cannot listen on 127.0.0.1:\(s.address.port)"))
        }
    }
}

@Suite struct HTTPRequestHeadTests {
    @Test func parsesARequest() {
        let r = HTTPRequestHead.parse(Array("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept:  text/plain \r\n\r\n".utf8))
        guard case .complete(let head) = r else {
            Issue.record("not complete: \(r)")
            return
        }
        #expect(head.method == "GET" && head.path == "/metrics" && head.query == "x=1" && head.version == "HTTP/1.1")
        #expect(head.header("accept") == "text/plain")
    }

    @Test func incompleteUntilTheEmptyLine() {
        #expect(HTTPRequestHead.parse(Array("GET / HTTP/1.1\r\nHost: a\r\n".utf8)) == .incomplete)
        #expect(HTTPRequestHead.parse(Array(repeating: UInt8(ascii: "a"), count: 9_000), maxHeadBytes: 8_192)
            == .invalid(status: 431, reason: "request header fields too large"))
    }
}

/// A blocking TCP client for raw requests.
final class RawClient {
    let fd: Int32

    struct Failure: Error { var description: String }

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw RawClient.Failure(description: "connect: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw RawClient.Failure(description: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// Reads until the server closes (or 5 s pass).
    func readAll() -> String {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func exchange(port: UInt16, _ request: [UInt8]) throws -> String {
        let c = try RawClient(port: port)
        try c.send(request)
        return c.readAll()
    }
}

/// Polls a condition about real sockets (accepted asynchronously), bounded
/// generously: only a hang makes it fail.
func waitUntil(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let end = monotonicSeconds() + timeout
    while monotonicSeconds() < end {
        if condition() { return true }
        sched_yield()
    }
    return condition()
}

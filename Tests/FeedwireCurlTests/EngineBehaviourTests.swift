import FeedwireCore
@testable import FeedwireCurl
import FeedwireTestSupport
import Foundation
import Synchronization
import Testing

/// Methods, concurrency limits, shutdown, proxies and host-name rules.
@Suite struct EngineBehaviourTests {
    static let server = Result { try CurlTest.hostile() }

    @Test(arguments: [HTTPMethod.post, .put, .patch, .delete])
    func methodsCarryHeadersAndBody(_ method: HTTPMethod) throws {
        let server = try Self.server.get()
        let t = try CurlTest.transport()
        let body: [UInt8] = Array("{\"text\":\"Tom & Jerry ✓\"}".utf8) + [0, 1, 2, 255]
        let request = HTTPRequest(method: method, url: "\(server.baseURL)/echo?x=1",
                                  headers: HTTPHeaders([("Content-Type", "application/json"), ("Authorization", "Bearer s3cret"),
                                                        ("X-Empty", "")]),
                                  body: body, followRedirects: false)
        let r = try #require(t.sendAndWait(request).response)
        #expect(r.status == 200)
        let doc = try JSONValue.parse(r.body)
        #expect(doc["method"]?.stringValue == method.rawValue)
        #expect(doc["path"]?.stringValue == "/echo?x=1")
        #expect(doc["body"]?.stringValue == Data(body).base64EncodedString())
        let headers = (doc["headers"]?.arrayValue ?? []).compactMap { pair -> (String, String)? in
            guard let k = pair[0]?.stringValue, let v = pair[1]?.stringValue else { return nil }
            return (k.lowercased(), v)
        }
        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
        #expect(header("content-type") == "application/json")
        #expect(header("authorization") == "Bearer s3cret")
        #expect(header("x-empty") == "")
        #expect(header("content-length") == String(body.count))
        #expect(header("expect") == nil, "no 100-continue round trip")
        #expect(header("user-agent") == "Feedwire/\(FeedwireVersion.current) (+tests@example.org)")
    }

    @Test func methodsWithoutBodyAndThenAPlainGet() throws {
        let server = try Self.server.get()
        // One handle in the pool: the GET after the DELETE reuses it and must be a clean GET.
        let t = try CurlTest.transport(maxInFlight: 1, maxPerHost: 1)
        let del = try #require(t.sendAndWait(HTTPRequest(method: .delete, url: "\(server.baseURL)/echo")).response)
        #expect(try JSONValue.parse(del.body)["method"]?.stringValue == "DELETE")
        let post = try #require(t.sendAndWait(HTTPRequest(method: .post, url: "\(server.baseURL)/echo", body: Array("x".utf8))).response)
        #expect(try JSONValue.parse(post.body)["method"]?.stringValue == "POST")
        let get = try #require(t.sendAndWait(HTTPRequest(url: "\(server.baseURL)/echo")).response)
        let doc = try JSONValue.parse(get.body)
        #expect(doc["method"]?.stringValue == "GET")
        #expect(doc["body"]?.stringValue == "")
        let head = try #require(t.sendAndWait(HTTPRequest(method: .head, url: "\(server.baseURL)/ok")).response)
        #expect(head.status == 200 && head.body.isEmpty)
        let again = try #require(t.sendAndWait(HTTPRequest(url: "\(server.baseURL)/ok")).response)
        #expect(again.body == Array("hello\n".utf8), "HEAD did not stick to the pooled handle")
    }

    @Test func manyConcurrentRequestsRespectThePerHostLimit() throws {
        let own = try CurlTest.hostile()
        let t = try CurlTest.transport(maxInFlight: 32, maxPerHost: 4)
        let n = 500
        let results = Mutex<[Int]>([])
        let group = DispatchGroup()
        for i in 0..<n {
            group.enter()
            t.send(HTTPRequest(url: "\(own.baseURL)/fast?delay=0.002&i=\(i)")) { r in
                results.withLock { $0.append(r.response?.status ?? -1) }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        let statuses = results.withLock { $0 }
        #expect(statuses.count == n)
        #expect(statuses.allSatisfy { $0 == 200 })
        let stats = try CurlTest.stats(own)
        let maxConcurrent = stats["max_concurrent"]?.intValue ?? 0
        #expect(maxConcurrent <= 4 + 1, "at most 4 feed requests (+ the stats request) at once, saw \(maxConcurrent)")
        #expect(maxConcurrent >= 2, "requests did overlap")
        #expect((stats["max_connections"]?.intValue ?? 0) <= 4 + 1)
        #expect(stats["requests"]?.intValue == Int64(n + 1))
    }

    @Test func waitingForASlotDoesNotCountAgainstTheTimeout() throws {
        let server = try Self.server.get()
        let t = try CurlTest.transport(maxInFlight: 1, maxPerHost: 1)
        let statuses = Mutex<[Int]>([])
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            // Each takes ~0.8 s; the second waits ~0.8 s for the only slot first.
            t.send(HTTPRequest(url: "\(server.baseURL)/fast?delay=0.8", limits: CurlTest.limits(total: 1.4))) { r in
                statuses.withLock { $0.append(r.response?.status ?? -1) }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 20) == .success)
        #expect(statuses.withLock { $0 } == [200, 200])
    }

    @Test func shutdownCancelsQueuedAndInFlight() throws {
        let server = try Self.server.get()
        let t = try CurlTest.transport(maxInFlight: 8, maxPerHost: 4)
        let results = Mutex<[TransportError?]>([])
        let group = DispatchGroup()
        for _ in 0..<20 {
            group.enter()
            t.send(HTTPRequest(url: "\(server.baseURL)/stall-headers", limits: CurlTest.limits(total: 60))) { r in
                results.withLock { $0.append(r.error) }
                group.leave()
            }
        }
        Thread.sleep(forTimeInterval: 0.3)  // let four of them connect and wait
        let start = monotonicSeconds()
        t.shutdown()
        #expect(monotonicSeconds() - start < 5, "shutdown joined promptly")
        #expect(group.wait(timeout: .now() + 10) == .success)
        #expect(results.withLock { $0 }.count == 20)
        #expect(results.withLock { $0 }.allSatisfy { $0 == .cancelled })
        // After shutdown every send completes with .cancelled at once.
        #expect(t.sendAndWait(HTTPRequest(url: "\(server.baseURL)/ok")).error == .cancelled)
        t.shutdown()  // idempotent
    }

    @Test func cancelAllKeepsTheEngineRunning() throws {
        let server = try Self.server.get()
        let t = try CurlTest.transport()
        let cancelled = Mutex(0)
        let group = DispatchGroup()
        for _ in 0..<6 {
            group.enter()
            t.send(HTTPRequest(url: "\(server.baseURL)/stall-headers", limits: CurlTest.limits(total: 60))) { r in
                if r.error == .cancelled { cancelled.withLock { $0 += 1 } }
                group.leave()
            }
        }
        Thread.sleep(forTimeInterval: 0.2)
        t.cancelAll()
        #expect(group.wait(timeout: .now() + 10) == .success)
        #expect(cancelled.withLock { $0 } == 6)
        #expect(t.sendAndWait(HTTPRequest(url: "\(server.baseURL)/ok")).response?.status == 200)
    }

    @Test func completionsRunOnTheConfiguredQueue() throws {
        let server = try Self.server.get()
        let queue = DispatchQueue(label: "completion-test")
        let key = DispatchSpecificKey<Int>()
        queue.setSpecific(key: key, value: 7)
        let t = CurlTransport(configuration: CurlTransportConfiguration(policy: try NetworkPolicy(allowing: ["127.0.0.0/8"]),
                                                                         completionQueue: queue))
        let seen = Mutex<Int?>(nil)
        let done = DispatchSemaphore(value: 0)
        t.send(HTTPRequest(url: "\(server.baseURL)/ok")) { _ in
            seen.withLock { $0 = DispatchQueue.getSpecific(key: key) }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(seen.withLock { $0 } == 7)
    }

    @Test func hostNameAllowMatchesTheRequestHost() throws {
        let server = try Self.server.get()
        let t = try CurlTest.transport(allow: ["localhost"])
        #expect(CurlTest.get(t, "http://localhost:\(server.port)/ok").response?.status == 200)
        guard case .refusedByPolicy = CurlTest.get(t, "http://127.0.0.1:\(server.port)/ok").error else {
            Issue.record("an address literal matched a host-name rule")
            return
        }
    }

    @Test func denyWinsOverAllow() throws {
        let server = try Self.server.get()
        let t = try CurlTest.transport(allow: ["127.0.0.0/8"], deny: ["127.0.0.1/32"])
        guard case let .refusedByPolicy(reason) = CurlTest.get(t, "\(server.baseURL)/ok").error else {
            Issue.record("deny_networks did not win")
            return
        }
        #expect(reason.contains("deny_networks"))
    }

    @Test func proxyIsUsedAndMustBeAllowed() throws {
        let proxy = try CurlTest.hostile()
        let target = try Self.server.get()
        let settings = ProxySettings(httpProxy: proxy.baseURL, httpsProxy: nil)
        let t = try CurlTest.transport(proxy: settings)
        let r = try #require(CurlTest.get(t, "\(target.baseURL)/ok").response)
        #expect(String(decoding: r.body, as: UTF8.self) == "proxied \(target.baseURL)/ok")
        #expect(try CurlTest.stats(proxy)["proxied"]?.intValue == 1)

        // The proxy's own address is checked like any destination: the
        // target (127.0.0.2) is allowed, the proxy (127.0.0.1) is not.
        let unallowed = try CurlTest.transport(allow: ["127.0.0.2/32"], proxy: settings)
        guard case let .refusedByPolicy(reason) = CurlTest.get(unallowed, "http://127.0.0.2:9/feed").error else {
            Issue.record("a loopback proxy was used without being allowed")
            return
        }
        #expect(reason.contains("127.0.0.1"))
        #expect(try CurlTest.stats(proxy)["proxied"]?.intValue == 1, "nothing reached the proxy")
    }

    @Test func proxiedTargetIsCheckedBeforeTheRequest() throws {
        let proxy = try CurlTest.hostile()
        let t = try CurlTest.transport(allow: ["127.0.0.1/32"], proxy: ProxySettings(httpProxy: proxy.baseURL, httpsProxy: nil))
        guard case let .refusedByPolicy(reason) = CurlTest.get(t, "http://127.0.0.2:9/feed").error else {
            Issue.record("a denied target went through the proxy")
            return
        }
        #expect(reason.contains("127.0.0.2") && reason.contains("proxy"))
        #expect(try CurlTest.stats(proxy)["proxied"]?.intValue == 0)
        // no_proxy: straight to the target, which the open-socket check then sees.
        let direct = try CurlTest.transport(allow: ["127.0.0.1/32"],
                                            proxy: ProxySettings(httpProxy: proxy.baseURL, httpsProxy: nil, noProxy: ["127.0.0.1"]))
        let target = try Self.server.get()
        #expect(CurlTest.get(direct, "\(target.baseURL)/ok").response?.body == Array("hello\n".utf8))
    }

    @Test func curlCodesMapToTypedErrors() {
        // libcurl's numbers (curl.h): 6 resolve, 28 timeout, 60 peer verification, 7 connect, 56 recv, 1 protocol.
        #expect(CurlError.transportError(rawCode: 6, detail: "x") == .dns("x"))
        #expect(CurlError.transportError(rawCode: 28, detail: "x") == .timeout("x"))
        #expect(CurlError.transportError(rawCode: 60, detail: "x") == .tls("x"))
        #expect(CurlError.transportError(rawCode: 7, detail: "x") == .connect("x"))
        #expect(CurlError.transportError(rawCode: 56, detail: "x") == .other("x"))
        #expect(CurlError.transportError(rawCode: 1, detail: "x") == .protocolNotAllowed("x"))
    }
}

@Suite struct CurlConfigurationTests {
    @Test func fromDaemonSettings() throws {
        var settings = DaemonSettings()
        settings.contact = "ops@example.org"
        settings.allowNetworks = ["127.0.0.0/8", "feeds.internal"]
        settings.denyNetworks = ["127.0.0.9/32"]
        settings.maxInFlight = 8
        settings.maxPerHost = 2
        settings.proxy = "http://proxy.example:3128"
        let c = try CurlTransportConfiguration(settings: settings)
        #expect(c.userAgent == "Feedwire/\(FeedwireVersion.current) (+ops@example.org)")
        #expect(c.maxInFlight == 8 && c.maxPerHost == 2)
        #expect(c.policy.check(IPAddress("127.0.0.1")!) == .allowed)
        #expect(!c.policy.check(IPAddress("127.0.0.9")!).isAllowed)
        #expect(c.policy.hasHostRules)
        #expect(c.proxy.proxy(for: URLParts("https://news.example/")!) == "http://proxy.example:3128")
    }

    @Test func badNetworkEntryIsAnError() {
        var settings = DaemonSettings()
        settings.denyNetworks = ["10.0.0.0/99"]
        #expect(throws: NetworkPolicyError.self) { try CurlTransportConfiguration(settings: settings) }
    }
}

/// The request header lists the engine hands libcurl (one allocation per
/// request, linked to the engine's shared User-Agent / Accept-Encoding tail).
@Suite struct HeaderListTests {
    @Test func linesInOrderThenExtraThenTheSharedTail() {
        let lines = EngineHeaderLines(userAgent: "Feedwire/9 (+ops@example.org)")
        #expect(lines.acceptEncoding.contains("gzip"))
        let conditional = HTTPHeaders([("If-None-Match", "\"v1\""), ("X-Empty", ""), ("If-Modified-Since", "Tue, 25 Nov 2025 10:00:00 GMT")])
        let list = HeaderList(conditional, extra: ["Expect:"], tail: lines.tail(for: conditional))
        #expect(list.lines == ["If-None-Match: \"v1\"", "X-Empty;", "If-Modified-Since: Tue, 25 Nov 2025 10:00:00 GMT", "Expect:",
                               "User-Agent: Feedwire/9 (+ops@example.org)", "Accept-Encoding: \(lines.acceptEncoding)"])
    }

    @Test func aRequestsOwnFieldsReplaceTheEngines() {
        let lines = EngineHeaderLines(userAgent: "Feedwire/9")
        let none = HTTPHeaders()
        #expect(HeaderList(none, tail: lines.tail(for: none)).lines == ["User-Agent: Feedwire/9", "Accept-Encoding: \(lines.acceptEncoding)"])
        let agent = HTTPHeaders([("user-agent", "probe/1")])
        #expect(HeaderList(agent, tail: lines.tail(for: agent)).lines == ["user-agent: probe/1", "Accept-Encoding: \(lines.acceptEncoding)"])
        let both = HTTPHeaders([("User-Agent", "probe/1"), ("Accept-Encoding", "identity")])
        #expect(HeaderList(both, tail: lines.tail(for: both)).lines == ["User-Agent: probe/1", "Accept-Encoding: identity"])
        let encoding = HTTPHeaders([("Accept-Encoding", "identity")])
        #expect(HeaderList(encoding, tail: lines.tail(for: encoding)).lines == ["Accept-Encoding: identity", "User-Agent: Feedwire/9"])
    }

    @Test func codingsFollowTheDecoders() {
        #expect(EngineHeaderLines.codings(decoders: 7) == "deflate, gzip, br, zstd")
        #expect(EngineHeaderLines.codings(decoders: 1) == "deflate, gzip")
        #expect(EngineHeaderLines.codings(decoders: 0) == "")
    }
}

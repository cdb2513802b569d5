import FeedwireCore
import FeedwireCurl
import FeedwireTestSupport
import Foundation
import Testing

/// The engine against a server that misbehaves on purpose
/// (Servers/hostile.py): every attack must end in the right typed error,
/// quickly and with bounded memory.
@Suite struct HostileServerTests {
    static let server = Result { try CurlTest.hostile() }

    func base() throws -> String { try Self.server.get().baseURL }

    @Test func defaultPolicyRefusesLoopbackWithoutConnecting() throws {
        let own = try CurlTest.hostile()
        let t = try CurlTest.transport(allow: [])
        let r = CurlTest.get(t, "\(own.baseURL)/ok")
        guard case let .refusedByPolicy(reason) = r.error else {
            Issue.record("expected refusedByPolicy, got \(r)")
            return
        }
        #expect(reason.contains("127.0.0.1 is loopback"))
        let stats = try CurlTest.stats(own)
        #expect(stats["requests"]?.intValue == 1, "only the stats request reached the server")
    }

    @Test func allowedLoopbackWorks() throws {
        let t = try CurlTest.transport()
        let r = try #require(CurlTest.get(t, "\(try base())/ok").response)
        #expect(r.status == 200 && r.body == Array("hello\n".utf8))
        #expect(r.finalURL == "\(try base())/ok" && r.redirects == 0 && !r.permanentRedirect)
        #expect(r.headers["etag"] == "\"ok-1\"")
    }

    @Test(arguments: ["gzip", "deflate", "br", "zstd"])
    func decodesEveryEncoding(_ encoding: String) throws {
        let t = try CurlTest.transport()
        let plain = try #require(CurlTest.get(t, "\(try base())/enc/identity").response)
        let r = try #require(CurlTest.get(t, "\(try base())/enc/\(encoding)").response)
        #expect(r.status == 200, "\(encoding): \(String(decoding: r.body, as: UTF8.self).prefix(200))")
        #expect(r.headers["Content-Encoding"] == encoding)
        #expect(r.body == plain.body)
        #expect(r.wireBytes < plain.body.count / 4)
    }

    @Test func advertisesEveryEncoding() throws {
        let t = try CurlTest.transport()
        let r = try #require(CurlTest.get(t, "\(try base())/echo").response)
        let doc = try JSONValue.parse(r.body)
        let accept = doc["headers"]?.arrayValue?.first { $0[0]?.stringValue?.lowercased() == "accept-encoding" }?[1]?.stringValue ?? ""
        for e in ["gzip", "deflate", "br", "zstd"] { #expect(accept.contains(e), "\(accept)") }
    }

    /// The engine sends User-Agent and Accept-Encoding as header lines of
    /// its own (cheaper than libcurl's per-request formatting): each exactly
    /// once, and a request's own User-Agent replaces the engine's.
    @Test func constantHeadersOnceAndRequestOwnWins() throws {
        let t = try CurlTest.transport()
        func names(_ r: HTTPResponse) throws -> [(String, String)] {
            let doc = try JSONValue.parse(r.body)
            return (doc["headers"]?.arrayValue ?? []).map { ($0[0]?.stringValue?.lowercased() ?? "", $0[1]?.stringValue ?? "") }
        }
        let plain = try names(try #require(CurlTest.get(t, "\(try base())/echo").response))
        #expect(plain.filter { $0.0 == "user-agent" }.map(\.1) == [FeedwireVersion.userAgent(contact: "tests@example.org")])
        #expect(plain.filter { $0.0 == "accept-encoding" }.count == 1)
        let own = try names(try #require(CurlTest.get(t, "\(try base())/echo", headers: HTTPHeaders([("User-Agent", "probe/1")])).response))
        #expect(own.filter { $0.0 == "user-agent" }.map(\.1) == ["probe/1"])
        #expect(own.filter { $0.0 == "accept-encoding" }.count == 1)
    }

    @Test func endlessBodyStopsAtTheCap() throws {
        let t = try CurlTest.transport()
        let start = monotonicSeconds()
        let r = CurlTest.get(t, "\(try base())/endless", limits: CurlTest.limits(maxBody: 1 << 20))
        #expect(r.error == .tooLarge(limit: 1 << 20))
        #expect(monotonicSeconds() - start < 10)
    }

    @Test func declaredLengthOverTheCapIsRefused() throws {
        let t = try CurlTest.transport()
        let r = CurlTest.get(t, "\(try base())/large?bytes=\(2 << 20)", limits: CurlTest.limits(maxBody: 1 << 20))
        #expect(r.error == .tooLarge(limit: 1 << 20))
        let fits = CurlTest.get(t, "\(try base())/large?bytes=\(1 << 20)", limits: CurlTest.limits(maxBody: 1 << 20))
        #expect(fits.response?.body.count == 1 << 20, "exactly the cap is allowed")
    }

    @Test func slowDripAbortsOnLowSpeed() throws {
        let t = try CurlTest.transport()
        let start = monotonicSeconds()
        let r = CurlTest.get(t, "\(try base())/drip", limits: CurlTest.limits(total: 30, lowSpeed: 100, lowSpeedSeconds: 2))
        guard case let .timeout(detail) = r.error else {
            Issue.record("expected a low-speed timeout, got \(r)")
            return
        }
        #expect(detail.lowercased().contains("slow"), "\(detail)")
        #expect(monotonicSeconds() - start < 15)
    }

    @Test func stalledHeadersTimeOut() throws {
        let t = try CurlTest.transport()
        let start = monotonicSeconds()
        let r = CurlTest.get(t, "\(try base())/stall-headers", limits: CurlTest.limits(total: 1.5))
        guard case .timeout = r.error else {
            Issue.record("expected a timeout, got \(r)")
            return
        }
        #expect(monotonicSeconds() - start < 6)
    }

    @Test func redirectLoopStopsAfterFive() throws {
        let t = try CurlTest.transport()
        #expect(CurlTest.get(t, "\(try base())/loop").error == .tooManyRedirects(5))
    }

    @Test(arguments: ["file:///etc/passwd", "gopher://127.0.0.1:70/1", "ftp://127.0.0.1/x", "dict://127.0.0.1:11211/stats"])
    func redirectToOtherSchemesRefused(_ target: String) throws {
        let t = try CurlTest.transport()
        let to = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let r = CurlTest.get(t, "\(try base())/redirect?to=\(to)")
        guard case let .protocolNotAllowed(detail) = r.error else {
            Issue.record("expected protocolNotAllowed, got \(r)")
            return
        }
        #expect(detail.contains(String(target.prefix { $0 != ":" })))
    }

    @Test func directOtherSchemesRefused() throws {
        let t = try CurlTest.transport()
        if case .protocolNotAllowed = CurlTest.get(t, "file:///etc/passwd").error {} else { Issue.record("file:// fetched") }
        if case .invalidURL = CurlTest.get(t, "127.0.0.1/feed").error {} else { Issue.record("scheme-less URL accepted") }
    }

    @Test func redirectToDeniedAddressRefusedOnTheHop() throws {
        let server = try Self.server.get()
        let t = try CurlTest.transport(allow: ["127.0.0.1/32"])
        let target = "http://127.0.0.2:\(server.port)/ok".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let r = CurlTest.get(t, "\(server.baseURL)/redirect?status=301&to=\(target)")
        guard case let .refusedByPolicy(reason) = r.error else {
            Issue.record("expected refusedByPolicy, got \(r)")
            return
        }
        #expect(reason.contains("127.0.0.2"))
    }

    @Test func redirectChainsReportPermanence() throws {
        let t = try CurlTest.transport()
        let permanent = try #require(CurlTest.get(t, "\(try base())/chain/301,308").response)
        #expect(permanent.status == 200 && permanent.redirects == 2 && permanent.permanentRedirect)
        #expect(permanent.finalURL == "\(try base())/chain/")
        #expect(permanent.headers["ETag"] == "\"chain\"", "headers are the final response's")
        let mixed = try #require(CurlTest.get(t, "\(try base())/chain/301,302").response)
        #expect(mixed.status == 200 && mixed.redirects == 2 && !mixed.permanentRedirect)
    }

    @Test func redirectNotFollowedWhenAskedNot() throws {
        let t = try CurlTest.transport()
        let r = try #require(CurlTest.get(t, "\(try base())/redirect?status=308&to=/ok", follow: false).response)
        #expect(r.status == 308 && r.headers["Location"] == "/ok" && r.redirects == 0)
    }

    @Test func statusesAndRetryAfter() throws {
        let t = try CurlTest.transport()
        let nf = FetchOutcome.classify(CurlTest.get(t, "\(try base())/status/404"), subject: "feed x", now: Timestamp(seconds: 0))
        #expect(nf.kind == .notFound)
        let rl = FetchOutcome.classify(CurlTest.get(t, "\(try base())/status/429?retry_after=120"), subject: "feed x",
                                       now: Timestamp(seconds: 0))
        #expect(rl.kind == .rateLimited && rl.retryAfter == 120)
    }

    @Test func finalHeadersIncludeRepeatedFields() throws {
        let t = try CurlTest.transport()
        let r = try #require(CurlTest.get(t, "\(try base())/headers").response)
        #expect(r.headers.values("x-multi") == ["one", "two"])
        #expect(CacheHints(headers: r.headers, now: Timestamp(seconds: 0)).maxAge == 600)
    }

    @Test func tlsFailureIsTyped() throws {
        let server = try Self.server.get()
        let t = try CurlTest.transport()
        let r = CurlTest.get(t, "https://127.0.0.1:\(server.port)/ok", limits: CurlTest.limits(total: 5))
        guard case .tls = r.error else {
            Issue.record("expected a TLS error from a plain-HTTP port, got \(r)")
            return
        }
    }

    @Test func connectionRefusedIsConnect() throws {
        // A port that was just free: bind, read the port, close.
        let t = try CurlTest.transport()
        let port = try freePort()
        guard case .connect = CurlTest.get(t, "http://127.0.0.1:\(port)/").error else {
            Issue.record("expected a connect error")
            return
        }
    }

    @Test func headerInjectionRejected() throws {
        let t = try CurlTest.transport()
        let r = CurlTest.get(t, "\(try base())/ok", headers: HTTPHeaders([("X-Evil", "a\r\nHost: other")]))
        guard case .other = r.error else {
            Issue.record("expected a refusal, got \(r)")
            return
        }
    }

    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// Compression bombs: each stops at the cap, quickly, without inflating
/// the whole thing into memory (each decodes to 1 GiB).
@Suite struct CompressionBombTests {
    static let server = Result { try CurlTest.hostile(["--bombs", "--bomb-mib", "1024"]) }

    @Test(arguments: ["gzip", "deflate", "br", "zstd"])
    func bombStopsAtTheCap(_ kind: String) throws {
        let server = try Self.server.get()
        let t = try CurlTest.transport()
        let start = monotonicSeconds()
        let r = CurlTest.get(t, "\(server.baseURL)/bomb/\(kind)", limits: CurlTest.limits(total: 60))
        let elapsed = monotonicSeconds() - start
        #expect(r.error == .tooLarge(limit: 15 * 1024 * 1024), "\(kind): \(r.error.map { "\($0)" } ?? "status \(r.response?.status ?? 0)")")
        #expect(elapsed < 20, "\(kind) took \(elapsed) s")
        #expect(CurlTest.maxRSSMiB() < 512, "peak RSS \(CurlTest.maxRSSMiB()) MiB: the bomb was inflated in memory")
    }
}

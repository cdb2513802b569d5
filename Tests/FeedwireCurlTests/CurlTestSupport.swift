import FeedwireCore
@testable import FeedwireCurl
import FeedwireTestSupport
import Foundation
import Glibc

/// Servers and transports for the engine's tests. Every test talks to
/// 127.0.0.1 only, which the policy must allow explicitly.
enum CurlTest {
    static let hostileScript = PackagePaths.root.appendingPathComponent("Tests/FeedwireCurlTests/Servers/hostile.py")

    static func hostile(_ arguments: [String] = []) throws -> ToolServer {
        try ToolServer(script: hostileScript, arguments: arguments)
    }

    static func newsroom(_ arguments: [String] = []) throws -> ToolServer {
        try ToolServer(tool: "newsroom.py", arguments: ["--epoch", "2025-11-25T12:00:00Z", "--no-random"] + arguments)
    }

    static func transport(allow: [String] = ["127.0.0.0/8"], deny: [String] = [], maxInFlight: Int = 32, maxPerHost: Int = 4,
                          proxy: ProxySettings = ProxySettings()) throws -> CurlTransport {
        CurlTransport(configuration: CurlTransportConfiguration(
            maxInFlight: maxInFlight, maxPerHost: maxPerHost, userAgent: FeedwireVersion.userAgent(contact: "tests@example.org"),
            policy: try NetworkPolicy(allowing: allow, denying: deny), proxy: proxy))
    }

    static func limits(total: Double = 20, connect: Double = 5, maxBody: Int = 15 * 1024 * 1024,
                       lowSpeed: Int = 100, lowSpeedSeconds: Double = 10) -> TransferLimits {
        var l = TransferLimits()
        l.totalTimeout = total
        l.connectTimeout = connect
        l.maxBodyBytes = maxBody
        l.lowSpeedBytesPerSecond = lowSpeed
        l.lowSpeedSeconds = lowSpeedSeconds
        return l
    }

    static func get(_ transport: CurlTransport, _ url: String, limits: TransferLimits = limits(),
                    headers: HTTPHeaders = HTTPHeaders(), follow: Bool = true) -> Result<HTTPResponse, TransportError> {
        transport.sendAndWait(HTTPRequest(method: .get, url: url, headers: headers, limits: limits, followRedirects: follow))
    }

    /// Peak resident set of this process, in MiB.
    static func maxRSSMiB() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss / 1024
    }

    static func stats(_ server: ToolServer) throws -> JSONValue {
        try server.get("/stats").json()
    }
}

extension Result where Success == HTTPResponse, Failure == TransportError {
    var response: HTTPResponse? { if case let .success(r) = self { return r }; return nil }
    var error: TransportError? { if case let .failure(e) = self { return e }; return nil }
}

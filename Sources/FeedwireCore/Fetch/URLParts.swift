/// Scheme, host and port of an absolute URL, found by scanning bytes once.
///
/// Used for politeness (the per-host queue key) and proxy selection, where
/// an exotic URL that parses differently elsewhere costs nothing but
/// fairness. Security decisions never rest on it: the network policy checks
/// the address libcurl actually connects to, and host-name rules use
/// libcurl's own URL parser.
public struct URLParts: Sendable, Equatable {
    /// Lower case (`http`, `https`).
    public var scheme: String
    /// Lower case, without brackets for IPv6 literals.
    public var host: String
    public var port: Int?

    public init(scheme: String, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    public init?(_ url: String) {
        var url = url
        guard let parts = url.withUTF8({ URLParts.scan($0) }) else { return nil }
        self = parts
    }

    private static func scan(_ u: UnsafeBufferPointer<UInt8>) -> URLParts? {
        var i = 0
        while i < u.count, u[i] != 0x3A { i += 1 }   // ':'
        guard i > 0, i + 2 < u.count, u[i + 1] == 0x2F, u[i + 2] == 0x2F else { return nil }
        let scheme = lowercasedString(u, 0, i)
        var start = i + 3
        var end = start
        while end < u.count, u[end] != 0x2F, u[end] != 0x3F, u[end] != 0x23 { end += 1 }  // / ? #
        // userinfo ends at the last '@' of the authority
        var at = end - 1
        while at >= start, u[at] != 0x40 { at -= 1 }
        if at >= start { start = at + 1 }
        var host: String
        var portStart = end
        if start < end, u[start] == 0x5B {  // [v6]
            var close = start
            while close < end, u[close] != 0x5D { close += 1 }
            guard close < end else { return nil }
            host = lowercasedString(u, start + 1, close)
            if close + 1 < end, u[close + 1] == 0x3A { portStart = close + 2 }
        } else {
            var colon = start
            while colon < end, u[colon] != 0x3A { colon += 1 }
            var hostEnd = colon
            while hostEnd > start, u[hostEnd - 1] == 0x2E { hostEnd -= 1 }  // trailing dots
            host = lowercasedString(u, start, hostEnd)
            if colon < end { portStart = colon + 1 }
        }
        var port: Int?
        if portStart < end {
            guard end - portStart <= 5 else { return nil }
            var p = 0
            for k in portStart..<end {
                guard u[k] >= 0x30 && u[k] <= 0x39 else { return nil }
                p = p * 10 + Int(u[k] - 0x30)
            }
            guard p <= 65_535 else { return nil }
            port = p
        }
        while host.hasSuffix(".") { host.removeLast() }
        return URLParts(scheme: scheme, host: host, port: port)
    }

    /// ASCII-lower-cased text of `u[from..<to]` (URL schemes and host names
    /// compare case-insensitively; non-ASCII bytes are kept).
    private static func lowercasedString(_ u: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        String(unsafeUninitializedCapacity: to - from) { out in
            for k in from..<to {
                let c = u[k]
                out[k - from] = c >= 0x41 && c <= 0x5A ? c | 0x20 : c
            }
            return to - from
        }
    }

    /// The port, or the scheme's default (80, 443).
    public var effectivePort: Int? {
        if let port { return port }
        switch scheme {
        case "http": return 80
        case "https": return 443
        default: return nil
        }
    }
}

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
        let u = Array(url.utf8)
        var i = 0
        while i < u.count, u[i] != 0x3A { i += 1 }   // ':'
        guard i > 0, i + 2 < u.count, u[i + 1] == 0x2F, u[i + 2] == 0x2F else { return nil }
        scheme = String(decoding: u[0..<i], as: UTF8.self).lowercased()
        var start = i + 3
        var end = start
        while end < u.count, u[end] != 0x2F, u[end] != 0x3F, u[end] != 0x23 { end += 1 }  // / ? #
        // userinfo ends at the last '@' of the authority
        var at = end - 1
        while at >= start, u[at] != 0x40 { at -= 1 }
        if at >= start { start = at + 1 }
        var hostEnd = end
        var portText: ArraySlice<UInt8> = []
        if start < end, u[start] == 0x5B {  // [v6]
            var close = start
            while close < end, u[close] != 0x5D { close += 1 }
            guard close < end else { return nil }
            host = String(decoding: u[(start + 1)..<close], as: UTF8.self).lowercased()
            if close + 1 < end, u[close + 1] == 0x3A { portText = u[(close + 2)..<end] }
        } else {
            var colon = start
            while colon < end, u[colon] != 0x3A { colon += 1 }
            hostEnd = colon
            host = String(decoding: u[start..<hostEnd], as: UTF8.self).lowercased()
            if colon < end { portText = u[(colon + 1)..<end] }
        }
        if !portText.isEmpty {
            guard portText.count <= 5, portText.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let p = Int(String(decoding: portText, as: UTF8.self)), p <= 65_535 else { return nil }
            port = p
        } else {
            port = nil
        }
        while host.hasSuffix(".") { host.removeLast() }
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

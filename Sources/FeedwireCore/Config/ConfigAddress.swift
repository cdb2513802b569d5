import Glibc

/// An http(s) URL as `feeds.conf` needs it checked: scheme, host and port
/// (RFC 3986 §3), without resolving anything.
public struct ConfigURL: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int?
    /// Path, query and fragment as written ("" when absent).
    public var rest: String

    /// Nil unless `text` is `scheme://host[:port][/…]` with one of `schemes`
    /// and nothing that cannot appear in a URL (spaces, control characters).
    public static func parse(_ text: String, schemes: [String] = ["http", "https"]) -> ConfigURL? {
        // Byte scanning: this runs for every feed of a 10,000-feed file.
        let b = Array(text.utf8)
        guard !b.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { return nil }
        var sep = -1
        var i = 0
        while i + 2 < b.count {
            if b[i] == 0x3A && b[i + 1] == 0x2F && b[i + 2] == 0x2F { sep = i; break }  // "://"
            i += 1
        }
        guard sep > 0 else { return nil }
        let scheme = String(decoding: b[0..<sep], as: UTF8.self).lowercased()
        guard schemes.contains(scheme) else { return nil }
        let start = sep + 3
        var authorityEnd = start
        while authorityEnd < b.count, b[authorityEnd] != 0x2F, b[authorityEnd] != 0x3F, b[authorityEnd] != 0x23 { authorityEnd += 1 }
        var hostStart = start
        if let at = b[start..<authorityEnd].lastIndex(of: 0x40) { hostStart = at + 1 }  // userinfo@
        let authority = b[hostStart..<authorityEnd]
        var host: String
        var portBytes: ArraySlice<UInt8>?
        if authority.first == 0x5B {  // [IPv6]
            guard let close = authority.firstIndex(of: 0x5D) else { return nil }
            host = String(decoding: authority[(authority.startIndex + 1)..<close], as: UTF8.self)
            guard ConfigAddress.isIPv6(host) else { return nil }
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == 0x3A else { return nil }
                portBytes = after.dropFirst()
            }
        } else {
            var hostBytes = authority
            if let colon = authority.lastIndex(of: 0x3A) {
                hostBytes = authority[authority.startIndex..<colon]
                portBytes = authority[(colon + 1)...]
            }
            guard !hostBytes.isEmpty, hostBytes.allSatisfy({ $0 >= 0x80 || ConfigAddress.isHostByte($0) }) else { return nil }
            host = String(decoding: hostBytes, as: UTF8.self)
        }
        var port: Int?
        if let portBytes {
            guard !portBytes.isEmpty, portBytes.count <= 5, portBytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let p = portBytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard (1...65535).contains(p) else { return nil }
            port = p
        }
        return ConfigURL(scheme: scheme, host: host, port: port, rest: String(decoding: b[authorityEnd...], as: UTF8.self))
    }

    /// What makes two feed URLs the same subscription: host (case-folded),
    /// port (default dropped), path and query; not the scheme (http and
    /// https of one feed are one feed), a fragment, or one trailing `/`.
    public var identity: String {
        var r = rest
        if let hash = r.firstIndex(of: "#") { r = String(r[..<hash]) }
        if r.hasSuffix("/") { r.removeLast() }
        let defaultPort = scheme == "https" ? 443 : 80
        let p = port.map { $0 == defaultPort ? "" : ":\($0)" } ?? ""
        return host.lowercased() + p + r
    }
}

/// Host names, IP addresses, CIDRs and `host:port` listen addresses.
public enum ConfigAddress {
    static func isHostByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E || b == 0x5F
    }

    public static func isIPv4(_ s: String) -> Bool {
        var a = in_addr()
        return inet_pton(AF_INET, s, &a) == 1
    }

    public static func isIPv6(_ s: String) -> Bool {
        var a = in6_addr()
        return inet_pton(AF_INET6, s, &a) == 1
    }

    /// RFC 1123 host name; `*.example.org` and `.example.org` name a domain with its subdomains.
    public static func isHostName(_ s: String) -> Bool {
        var name = Substring(s)
        if name.hasPrefix("*.") { name = name.dropFirst(2) } else if name.hasPrefix(".") { name = name.dropFirst() }
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { isHostByte($0) && $0 != 0x2E }
        }
    }

    /// The host of `host:port` or `[v6]:port` (port 0–65535; 0 picks a free port), or nil.
    public static func hostPort(_ s: String) -> String? {
        let host: String
        let portText: Substring
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]"), s[s.index(after: close)...].hasPrefix(":") else { return nil }
            host = String(s[s.index(after: s.startIndex)..<close])
            guard isIPv6(host) else { return nil }
            portText = s[s.index(close, offsetBy: 2)...]
        } else {
            guard let colon = s.lastIndex(of: ":") else { return nil }
            host = String(s[..<colon])
            guard isIPv4(host) || isHostName(host), !host.hasPrefix("*"), !host.hasPrefix(".") else { return nil }
            portText = s[s.index(after: colon)...]
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isNumber), let port = Int(portText), (0...65535).contains(port) else { return nil }
        return host
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || (isIPv4(host) && host.hasPrefix("127."))
    }
}

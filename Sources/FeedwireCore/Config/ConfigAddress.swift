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
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
              let sep = text.firstRange(of: "://") else { return nil }
        let scheme = text[..<sep.lowerBound].lowercased()
        guard schemes.contains(scheme) else { return nil }
        let afterScheme = text[sep.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        var authority = afterScheme[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = ""
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            guard ConfigAddress.isIPv6(host) else { return nil }
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                host = String(authority[..<colon])
                portText = authority[authority.index(after: colon)...]
            } else {
                host = String(authority)
            }
            guard !host.isEmpty, host.unicodeScalars.allSatisfy({ $0.value > 0x7F || ConfigAddress.isHostByte(UInt8($0.value)) }) else { return nil }
        }
        var port: Int?
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p), portText.allSatisfy(\.isNumber) else { return nil }
            port = p
        }
        return ConfigURL(scheme: scheme, host: host, port: port, rest: String(afterScheme[authorityEnd...]))
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

    /// `10.0.0.0/8`, `fd00::/8`, `10.1.2.3`, `::1` or a host name.
    public static func isNetwork(_ s: String) -> Bool {
        if let slash = s.firstIndex(of: "/") {
            let address = String(s[..<slash])
            guard let prefix = Int(s[s.index(after: slash)...]) else { return false }
            if isIPv4(address) { return (0...32).contains(prefix) }
            if isIPv6(address) { return (0...128).contains(prefix) }
            return false
        }
        return isIPv4(s) || isIPv6(s) || isHostName(s)
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

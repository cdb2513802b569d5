/// Which destinations Feedwire may connect to: one policy for feeds and
/// webhooks (`[daemon] allow_networks` / `deny_networks`, `feedwire fetch
/// --allow`).
///
/// Precedence (defaults.md, as Miniflux, Mastodon and GitLab do it):
/// 1. an entry of `deny` that matches refuses, whatever else matches;
/// 2. an entry of `allow` that matches permits;
/// 3. otherwise special-purpose addresses (`AddressClassifier`: loopback,
///    RFC 1918, link-local, CGNAT, ULA, multicast, …) are refused and
///    everything else is permitted.
///
/// The engine applies it to the address it is about to connect to, on every
/// hop (libcurl's open-socket hook hands over the resolved `sockaddr`), so DNS
/// rebinding, odd numeric spellings and redirects cannot get around it.
/// Host-name entries match the host of the URL being requested on that hop.
public struct NetworkPolicy: Sendable, Equatable {
    public var allow: [NetworkRule]
    public var deny: [NetworkRule]

    /// The default policy: no allow, no deny (special-purpose ranges refused).
    public init(allow: [NetworkRule] = [], deny: [NetworkRule] = []) {
        self.allow = allow
        self.deny = deny
    }

    /// From configuration strings (CIDRs, single addresses or host names).
    public init(allowing allowEntries: [String], denying denyEntries: [String] = []) throws(NetworkPolicyError) {
        self.allow = try allowEntries.map { entry throws(NetworkPolicyError) in
            guard let r = NetworkRule(entry) else { throw NetworkPolicyError(entry: entry, list: "allow_networks") }
            return r
        }
        self.deny = try denyEntries.map { entry throws(NetworkPolicyError) in
            guard let r = NetworkRule(entry) else { throw NetworkPolicyError(entry: entry, list: "deny_networks") }
            return r
        }
    }

    /// True when some entry names a host, so callers must pass the request host.
    public var hasHostRules: Bool {
        (allow + deny).contains { if case .host = $0 { return true }; return false }
    }

    /// Whether connecting to `address` for a request to `host` is permitted.
    /// - Parameter host: the host of the URL requested on this hop (for
    ///   host-name entries); nil when unknown.
    public func check(_ address: IPAddress, host: String? = nil) -> PolicyVerdict {
        let embedded = address.embeddedIPv4
        let normalizedHost = host.map(HostPattern.normalize)
        func matches(_ rule: NetworkRule) -> Bool {
            switch rule {
            case let .network(net):
                return net.contains(address) || (embedded.map { net.contains($0) } ?? false)
            case let .host(pattern):
                guard let h = normalizedHost else { return false }
                return pattern.matches(h)
            }
        }
        if let rule = deny.first(where: matches) {
            return .denied("\(address) matches deny_networks entry \(rule)")
        }
        if allow.contains(where: matches) { return .allowed }
        if let special = AddressClassifier.specialRange(of: address) {
            var what = "\(address) is \(special.name)"
            if !address.isV4, special.network.address.isV4, let v4 = embedded { what = "\(address) embeds \(v4), which is \(special.name)" }
            return .denied(what + "; private and special-purpose addresses are refused unless listed in allow_networks")
        }
        return .allowed
    }
}

/// The answer of `NetworkPolicy.check`.
public enum PolicyVerdict: Sendable, Equatable {
    case allowed
    /// Refused, with the reason for messages (names the address and the rule).
    case denied(String)

    public var isAllowed: Bool { self == .allowed }
}

/// One `allow_networks` / `deny_networks` entry.
public enum NetworkRule: Sendable, Equatable, CustomStringConvertible {
    case network(IPNetwork)
    case host(HostPattern)

    /// `10.0.0.0/8`, `fd00::/8`, `192.0.2.7`, `[::1]`, `feeds.internal`,
    /// `*.corp.example` or `.corp.example`.
    public init?(_ entry: String) {
        let e = String(entry.trimmingWhitespace)
        guard !e.isEmpty else { return nil }
        if let net = IPNetwork(e) {
            self = .network(net)
        } else if !e.contains("/"), let pattern = HostPattern(e) {
            self = .host(pattern)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case let .network(n): return n.description
        case let .host(h): return h.description
        }
    }
}

/// A host name entry: exact (`feeds.internal`), subdomains only
/// (`*.corp.example`), or the domain and its subdomains (`.corp.example`).
/// Compared case-insensitively, without a trailing dot.
public struct HostPattern: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let kind: Kind

    public enum Kind: Sendable, Equatable { case exact, subdomains, domainAndSubdomains }

    public init?(_ text: String) {
        var s = HostPattern.normalize(text)
        var kind = Kind.exact
        if s.hasPrefix("*.") {
            kind = .subdomains
            s.removeFirst(2)
        } else if s.hasPrefix(".") {
            kind = .domainAndSubdomains
            s.removeFirst()
        }
        // LDH labels (RFC 1123), underscores tolerated as in real DNS names.
        let ok = !s.isEmpty && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-" && label.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
            }
        }
        guard ok else { return nil }
        self.name = s
        self.kind = kind
    }

    /// Lower case, without a trailing dot or `[brackets]`.
    public static func normalize(_ host: String) -> String {
        var s = host.lowercased()
        if s.hasPrefix("[") && s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
        while s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// `host` must already be normalised.
    public func matches(_ host: String) -> Bool {
        switch kind {
        case .exact: return host == name
        case .subdomains: return host.hasSuffix("." + name)
        case .domainAndSubdomains: return host == name || host.hasSuffix("." + name)
        }
    }

    public var description: String {
        switch kind {
        case .exact: return name
        case .subdomains: return "*." + name
        case .domainAndSubdomains: return "." + name
        }
    }
}

/// A configuration entry that is neither a CIDR, an address nor a host name.
public struct NetworkPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var entry: String
    public var list: String

    public var description: String {
        "\(list): \"\(entry)\" is not a CIDR (10.0.0.0/8, fd00::/8), an address or a host name; fix or remove it"
    }
}

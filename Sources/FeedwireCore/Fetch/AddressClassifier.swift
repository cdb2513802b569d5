/// Which addresses are not "the public internet" and so are refused by
/// default: a feed or webhook URL must not be able to reach the machine
/// Feedwire runs on, its LAN, or a cloud metadata service (SSRF).
///
/// Ranges come from the IANA IPv4 and IPv6 Special-Purpose Address
/// Registries (RFC 6890 and updates). Every range that is not globally
/// reachable unicast is listed; IPv6 outside 2000::/3 (global unicast,
/// RFC 4291 §2.4) is refused as a whole, so new reservations there need no
/// update. IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64,
/// 6to4) are judged by the IPv4 address they reach.
public enum AddressClassifier {
    /// A special-purpose block and what it is, for messages.
    public struct SpecialRange: Sendable, Equatable {
        public let network: IPNetwork
        public let name: String
    }

    /// The special-purpose block `address` is in, if any. For an IPv6 address
    /// embedding an IPv4 one, the IPv4 address's block (the range that the
    /// packets would really reach).
    public static func specialRange(of address: IPAddress) -> SpecialRange? {
        switch address {
        case .v4:
            return ipv4Ranges.first { $0.network.contains(address) }
        case let .v6(hi, _):
            if let direct = ipv6Ranges.first(where: { $0.network.contains(address) }) { return direct }
            if let v4 = address.embeddedIPv4 { return specialRange(of: v4) }
            if hi >> 61 != 0b001 {
                return SpecialRange(network: IPNetwork(.v6(hi: 0, lo: 0), prefixLength: 0),
                                    name: "outside IPv6 global unicast (2000::/3)")
            }
            return nil
        }
    }

    /// True when the address is ordinary public unicast.
    public static func isPublic(_ address: IPAddress) -> Bool { specialRange(of: address) == nil }

    private static func r(_ cidr: String, _ name: String) -> SpecialRange {
        SpecialRange(network: IPNetwork(cidr)!, name: name)
    }

    /// Most specific first where blocks nest, so the message names the
    /// narrower purpose (0.0.0.0 is "unspecified", not "this network").
    static let ipv4Ranges: [SpecialRange] = [
        r("0.0.0.0/32", "unspecified"),
        r("0.0.0.0/8", "\"this network\" (RFC 791)"),
        r("10.0.0.0/8", "private (RFC 1918)"),
        r("100.64.0.0/10", "carrier-grade NAT shared space (RFC 6598)"),
        r("127.0.0.0/8", "loopback"),
        r("169.254.0.0/16", "link-local (includes cloud metadata 169.254.169.254)"),
        r("172.16.0.0/12", "private (RFC 1918)"),
        r("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
        r("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"),
        r("192.31.196.0/24", "AS112 anycast (RFC 7535)"),
        r("192.52.193.0/24", "AMT anycast (RFC 7450)"),
        r("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
        r("192.168.0.0/16", "private (RFC 1918)"),
        r("192.175.48.0/24", "AS112 direct delegation (RFC 7534)"),
        r("198.18.0.0/15", "benchmarking (RFC 2544)"),
        r("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"),
        r("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"),
        r("224.0.0.0/4", "multicast"),
        r("255.255.255.255/32", "limited broadcast"),
        r("240.0.0.0/4", "reserved (RFC 1112)"),
    ]

    static let ipv6Ranges: [SpecialRange] = [
        r("::/128", "unspecified"),
        r("::1/128", "loopback"),
        r("64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"),
        r("100::/64", "discard-only (RFC 6666)"),
        r("2001:db8::/32", "documentation (RFC 3849)"),
        r("2001::/23", "IETF protocol assignments incl. Teredo (RFC 2928, RFC 4380)"),
        r("3fff::/20", "documentation (RFC 9637)"),
        r("5f00::/16", "segment routing SIDs (RFC 9602)"),
        r("fc00::/7", "unique local (RFC 4193)"),
        r("fe80::/10", "link-local"),
        r("fec0::/10", "deprecated site-local (RFC 3879)"),
        r("ff00::/8", "multicast"),
    ]
}

import FeedwireCore
import Testing

/// Every spelling of loopback and private space that `getaddrinfo`,
/// `inet_aton` or libcurl would accept must land in a refused range — the
/// engine checks the parsed `sockaddr`, and this table proves the parser and
/// the classifier agree on each form, without connecting anywhere.
@Suite struct AddressClassifierTests {
    /// (spelling, the address it denotes, expected range name fragment)
    static let refused: [(String, String, String)] = [
        ("127.0.0.1", "127.0.0.1", "loopback"),
        ("127.1", "127.0.0.1", "loopback"),
        ("127.0.1", "127.0.0.1", "loopback"),
        ("0x7f000001", "127.0.0.1", "loopback"),
        ("0X7F000001", "127.0.0.1", "loopback"),
        ("2130706433", "127.0.0.1", "loopback"),
        ("017700000001", "127.0.0.1", "loopback"),
        ("0177.0.0.1", "127.0.0.1", "loopback"),
        ("0x7f.1", "127.0.0.1", "loopback"),
        ("127.000.000.001", "127.0.0.1", "loopback"),
        ("127.255.255.254", "127.255.255.254", "loopback"),
        ("::1", "::1", "loopback"),
        ("[::1]", "::1", "loopback"),
        ("0:0:0:0:0:0:0:1", "::1", "loopback"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1", "loopback"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1", "loopback"),
        ("::ffff:7f00:1", "::ffff:127.0.0.1", "loopback"),
        ("0:0:0:0:0:ffff:7f00:0001", "::ffff:127.0.0.1", "loopback"),
        ("::127.0.0.1", "::7f00:1", "loopback"),
        ("64:ff9b::127.0.0.1", "64:ff9b::7f00:1", "loopback"),
        ("2002:7f00:1::", "2002:7f00:1::", "loopback"),
        ("0.0.0.0", "0.0.0.0", "unspecified"),
        ("0", "0.0.0.0", "unspecified"),
        ("0x0", "0.0.0.0", "unspecified"),
        ("0.1.2.3", "0.1.2.3", "this network"),
        ("::", "::", "unspecified"),
        ("[::]", "::", "unspecified"),
        ("169.254.169.254", "169.254.169.254", "link-local"),
        ("2852039166", "169.254.169.254", "link-local"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254", "link-local"),
        ("::ffff:169.254.169.254", "::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:a9fe", "link-local"),
        ("100.64.0.1", "100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.255", "100.127.255.255", "carrier-grade NAT"),
        ("10.0.0.1", "10.0.0.1", "RFC 1918"),
        ("10.1", "10.0.0.1", "RFC 1918"),
        ("012.0.0.1", "10.0.0.1", "RFC 1918"),
        ("167772161", "10.0.0.1", "RFC 1918"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1", "RFC 1918"),
        ("::ffff:a00:1", "::ffff:10.0.0.1", "RFC 1918"),
        ("172.16.0.1", "172.16.0.1", "RFC 1918"),
        ("172.31.255.255", "172.31.255.255", "RFC 1918"),
        ("192.168.1.1", "192.168.1.1", "RFC 1918"),
        ("192.168.0x1.1", "192.168.1.1", "RFC 1918"),
        ("192.0.0.8", "192.0.0.8", "IETF protocol"),
        ("192.0.2.1", "192.0.2.1", "documentation"),
        ("198.51.100.7", "198.51.100.7", "documentation"),
        ("203.0.113.9", "203.0.113.9", "documentation"),
        ("198.18.0.1", "198.18.0.1", "benchmarking"),
        ("192.88.99.1", "192.88.99.1", "6to4 relay"),
        ("224.0.0.1", "224.0.0.1", "multicast"),
        ("239.255.255.250", "239.255.255.250", "multicast"),
        ("240.0.0.1", "240.0.0.1", "reserved"),
        ("255.255.255.255", "255.255.255.255", "broadcast"),
        ("0xffffffff", "255.255.255.255", "broadcast"),
        ("fd00::1", "fd00::1", "unique local"),
        ("fc00::1", "fc00::1", "unique local"),
        ("FDFF:FFFF::1", "fdff:ffff::1", "unique local"),
        ("fe80::1", "fe80::1", "link-local"),
        ("fe80::1%eth0", "fe80::1", "link-local"),
        ("febf::1", "febf::1", "link-local"),
        ("fec0::1", "fec0::1", "site-local"),
        ("ff02::1", "ff02::1", "multicast"),
        ("ff05::1:3", "ff05::1:3", "multicast"),
        ("2001:db8::1", "2001:db8::1", "documentation"),
        ("2001::1", "2001::1", "Teredo"),
        ("100::1", "100::1", "discard"),
        ("64:ff9b:1::1", "64:ff9b:1::1", "NAT64"),
        ("::2", "::2", "this network"),
        ("1::", "1::", "global unicast"),
        ("4000::1", "4000::1", "global unicast"),
    ]

    static let publicAddresses: [(String, String)] = [
        ("8.8.8.8", "8.8.8.8"),
        ("1.1.1.1", "1.1.1.1"),
        ("93.184.216.34", "93.184.216.34"),
        ("134744072", "8.8.8.8"),
        ("172.15.255.255", "172.15.255.255"),
        ("172.32.0.1", "172.32.0.1"),
        ("100.63.255.255", "100.63.255.255"),
        ("100.128.0.1", "100.128.0.1"),
        ("192.169.0.1", "192.169.0.1"),
        ("169.253.255.255", "169.253.255.255"),
        ("223.255.255.255", "223.255.255.255"),
        ("2606:4700:4700::1111", "2606:4700:4700::1111"),
        ("2a00:1450:4001:80b::200e", "2a00:1450:4001:80b::200e"),
        ("::ffff:8.8.8.8", "::ffff:8.8.8.8"),
        ("64:ff9b::808:808", "64:ff9b::808:808"),
        ("2002:808:808::1", "2002:808:808::1"),
    ]

    @Test(arguments: refused)
    func refusedByDefault(spelling: String, canonical: String, range: String) throws {
        let ip = try #require(IPAddress(spelling), "\(spelling) should parse")
        #expect(ip.description == canonical)
        let special = try #require(AddressClassifier.specialRange(of: ip), "\(spelling) should be special")
        #expect(special.name.contains(range), "\(spelling): \(special.name)")
        guard case let .denied(reason) = NetworkPolicy().check(ip) else {
            Issue.record("\(spelling) was allowed by the default policy")
            return
        }
        #expect(reason.contains(range))
        #expect(reason.contains("allow_networks"))
    }

    @Test(arguments: publicAddresses)
    func publicAllowedByDefault(spelling: String, canonical: String) throws {
        let ip = try #require(IPAddress(spelling))
        #expect(ip.description == canonical)
        #expect(AddressClassifier.isPublic(ip))
        #expect(NetworkPolicy().check(ip) == .allowed)
    }

    @Test(arguments: [
        "", "256.0.0.1", "1.2.3.4.5", "1.2.3.256", "1..2.3", ".1.2.3", "1.2.3.", "08", "0x1g", "4294967296",
        "0x100000000", "1.16777216", "abc", "::1::", ":::", "1:2:3:4:5:6:7:8:9", "12345::", "1:2:3:4:5:6:7",
        "::ffff:1.2.3", "::ffff:1.2.3.04", "g::1", "1::2::3", "[::1", "127.0.0.1/8",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(IPAddress(text) == nil, "\(text) should not parse")
    }

    @Test func inetAtonShortForms() {
        #expect(IPAddress("1.2.3")?.description == "1.2.0.3")
        #expect(IPAddress("1.2")?.description == "1.0.0.2")
        #expect(IPAddress("1.65535")?.description == "1.0.255.255")
        #expect(IPAddress("0x")?.description == "0.0.0.0")
    }

    @Test func rfc5952Text() {
        #expect(IPAddress("2001:0db8:0000:0000:0000:0000:0002:0001")?.description == "2001:db8::2:1")
        #expect(IPAddress("2001:db8:0:1:1:1:1:1")?.description == "2001:db8:0:1:1:1:1:1")
        #expect(IPAddress("2001:0:0:1:0:0:0:1")?.description == "2001:0:0:1::1")
        #expect(IPAddress("1:0:0:2:0:0:0:3")?.description == "1:0:0:2::3")
        #expect(IPAddress("1:0:0:2:0:0:3:4")?.description == "1::2:0:0:3:4")
        #expect(IPAddress(bytes: [127, 0, 0, 1]) == IPAddress("127.0.0.1"))
        #expect(IPAddress(bytes: [UInt8](repeating: 0, count: 15) + [1]) == IPAddress("::1"))
    }

    @Test func embeddedIPv4() {
        #expect(IPAddress("::ffff:1.2.3.4")?.embeddedIPv4 == IPAddress("1.2.3.4"))
        #expect(IPAddress("::1.2.3.4")?.embeddedIPv4 == IPAddress("1.2.3.4"))
        #expect(IPAddress("::ffff:0:1.2.3.4")?.embeddedIPv4 == IPAddress("1.2.3.4"))
        #expect(IPAddress("64:ff9b::1.2.3.4")?.embeddedIPv4 == IPAddress("1.2.3.4"))
        #expect(IPAddress("2002:102:304::")?.embeddedIPv4 == IPAddress("1.2.3.4"))
        #expect(IPAddress("::1")?.embeddedIPv4 == nil)
        #expect(IPAddress("2606:4700::1")?.embeddedIPv4 == nil)
        #expect(IPAddress("1.2.3.4")?.embeddedIPv4 == nil)
    }
}

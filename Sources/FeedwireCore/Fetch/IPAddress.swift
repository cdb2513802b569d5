/// An IPv4 or IPv6 address as numbers, so the network policy compares
/// addresses, never spellings.
///
/// Why parsing is lenient: `getaddrinfo`, `inet_aton` and libcurl accept
/// `127.1`, `0x7f000001`, `2130706433` and `017700000001` for 127.0.0.1, so a
/// policy that matched text would be trivially bypassed. The engine checks the
/// `sockaddr` it is about to connect to (see `NetworkPolicy`); this parser
/// exists for configuration entries (`allow_networks`), tests and messages, and
/// accepts every form the C library accepts so a table test can prove each one
/// lands in the right range.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    /// High and low 64 bits, network order (the first group is the top of `hi`).
    case v6(hi: UInt64, lo: UInt64)

    /// Parses IPv4 in every `inet_aton` form (1–4 parts, each decimal, `0x`
    /// hex or `0`-prefixed octal; the last part fills the remaining bytes) and
    /// IPv6 per RFC 4291 §2.2 (with `::`, an embedded dotted quad, optional
    /// `[brackets]` and an ignored `%zone`).
    public init?(_ text: String) {
        var s = Substring(text)
        if s.hasPrefix("[") && s.hasSuffix("]") { s = s.dropFirst().dropLast() }
        if s.contains(":") {
            if let pct = s.firstIndex(of: "%") { s = s[..<pct] }
            guard let (hi, lo) = IPAddress.parseV6(s) else { return nil }
            self = .v6(hi: hi, lo: lo)
        } else {
            guard let v = IPAddress.parseV4Lenient(s) else { return nil }
            self = .v4(v)
        }
    }

    /// From raw network-order bytes (4 or 16), as found in a `sockaddr`.
    public init?(bytes: [UInt8]) {
        if bytes.count == 4 {
            self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        } else if bytes.count == 16 {
            let hi = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let lo = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self = .v6(hi: hi, lo: lo)
        } else {
            return nil
        }
    }

    public var isV4: Bool { if case .v4 = self { return true }; return false }

    /// Bit width of the family (32 or 128).
    public var bitWidth: Int { isV4 ? 32 : 128 }

    /// The IPv4 address an IPv6 address stands for, when it embeds one in a
    /// way that makes packets reach that IPv4 host: IPv4-mapped
    /// (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2), IPv4-compatible (`::a.b.c.d`,
    /// deprecated, §2.5.5.1), SIIT-translated (`::ffff:0:a.b.c.d`, RFC 2765),
    /// NAT64 well-known prefix (`64:ff9b::/96`, RFC 6052) and 6to4
    /// (`2002:AABB:CCDD::/48`, RFC 3056).
    public var embeddedIPv4: IPAddress? {
        guard case let .v6(hi, lo) = self else { return nil }
        let low32 = UInt32(truncatingIfNeeded: lo)
        if hi == 0 && lo >> 32 == 0xFFFF { return .v4(low32) }                  // ::ffff:0:0/96
        if hi == 0 && lo >> 32 == 0 && low32 > 1 { return .v4(low32) }          // ::/96 (not :: or ::1)
        if hi == 0 && lo >> 32 == 0xFFFF_0000 { return .v4(low32) }             // ::ffff:0:0:0/96
        if hi == 0x0064_FF9B_0000_0000 && lo >> 32 == 0 { return .v4(low32) }   // 64:ff9b::/96
        if hi >> 48 == 0x2002 { return .v4(UInt32(truncatingIfNeeded: hi >> 16)) } // 2002::/16
        return nil
    }

    /// Dotted quad, or RFC 5952 text (lower case, longest zero run as `::`,
    /// IPv4-mapped addresses as `::ffff:a.b.c.d`).
    public var description: String {
        switch self {
        case let .v4(v):
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        case let .v6(hi, lo):
            if hi == 0 && lo >> 32 == 0xFFFF {
                return "::ffff:" + IPAddress.v4(UInt32(truncatingIfNeeded: lo)).description
            }
            var groups: [UInt16] = []
            for i in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: hi >> UInt64(i))) }
            for i in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: lo >> UInt64(i))) }
            // Longest run of zero groups (length ≥ 2), first one on ties.
            var bestStart = -1, bestLen = 0, runStart = -1
            for i in 0...8 {
                if i < 8 && groups[i] == 0 {
                    if runStart < 0 { runStart = i }
                } else if runStart >= 0 {
                    if i - runStart > bestLen { bestStart = runStart; bestLen = i - runStart }
                    runStart = -1
                }
            }
            if bestLen < 2 { bestStart = -1 }
            var out = ""
            var i = 0
            while i < 8 {
                if i == bestStart {
                    out += "::"
                    i += bestLen
                    continue
                }
                if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
                out += String(groups[i], radix: 16)
                i += 1
            }
            return out
        }
    }

    // MARK: Parsing

    /// A strict dotted quad (`a.b.c.d`, decimal, no leading zeros beyond "0"),
    /// as RFC 4291 requires inside IPv6 text.
    static func parseDottedQuad(_ s: Substring) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let n = UInt32(p), n <= 255, !(p.count > 1 && p.first == "0") else { return nil }
            v = v << 8 | n
        }
        return v
    }

    /// `inet_aton` semantics: `a`, `a.b`, `a.b.c`, `a.b.c.d`.
    static func parseV4Lenient(_ s: Substring) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for p in parts {
            guard let n = parseNumberPart(p) else { return nil }
            values.append(n)
        }
        var result: UInt64 = 0
        for (i, n) in values.enumerated() {
            if i < values.count - 1 {
                guard n <= 0xFF else { return nil }
                result |= n << UInt64(8 * (3 - i))
            } else {
                let remainingBytes = 4 - i
                let maxValue: UInt64 = remainingBytes == 4 ? 0xFFFF_FFFF : (UInt64(1) << UInt64(8 * remainingBytes)) - 1
                guard n <= maxValue else { return nil }
                result |= n
            }
        }
        return UInt32(result)
    }

    /// One `inet_aton` number: `0x…` hex, `0…` octal, else decimal.
    private static func parseNumberPart(_ p: Substring) -> UInt64? {
        let u = Array(p.utf8)
        guard !u.isEmpty else { return nil }
        var radix: UInt64 = 10
        var digits = u[...]
        if u.count >= 2 && u[0] == 0x30 && (u[1] == 0x78 || u[1] == 0x58) {
            radix = 16
            digits = u[2...]
            if digits.isEmpty { return 0 }  // "0x" is 0 for inet_aton
        } else if u.count >= 2 && u[0] == 0x30 {
            radix = 8
            digits = u[1...]
        }
        var v: UInt64 = 0
        for c in digits {
            let d: UInt64
            switch c {
            case 0x30...0x39: d = UInt64(c - 0x30)
            case 0x61...0x66: d = UInt64(c - 0x61 + 10)
            case 0x41...0x46: d = UInt64(c - 0x41 + 10)
            default: return nil
            }
            guard d < radix else { return nil }
            v = v * radix + d
            if v > 0xFFFF_FFFF { return nil }
        }
        return v
    }

    /// RFC 4291 §2.2 text forms.
    static func parseV6(_ s: Substring) -> (UInt64, UInt64)? {
        guard !s.isEmpty else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawDouble = false
        if let (lower, upper) = IPAddress.doubleColon(in: s) {
            sawDouble = true
            let left = s[..<lower]
            let right = s[upper...]
            if IPAddress.doubleColon(in: right) != nil { return nil }
            guard let l = parseGroups(left, allowV4Tail: false), let r = parseGroups(right, allowV4Tail: true) else { return nil }
            head = l
            tail = r
        } else {
            guard let all = parseGroups(s, allowV4Tail: true) else { return nil }
            head = all
        }
        let total = head.count + tail.count
        if sawDouble {
            guard total <= 7 else { return nil }
        } else {
            guard total == 8 else { return nil }
        }
        let groups = head + Array(repeating: 0, count: 8 - total) + tail
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(groups[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(groups[i]) }
        return (hi, lo)
    }

    /// The first "::" in `s`, as (start, end) indices.
    private static func doubleColon(in s: Substring) -> (Substring.Index, Substring.Index)? {
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(after: i)
            if j < s.endIndex && s[i] == ":" && s[j] == ":" { return (i, s.index(after: j)) }
            i = j
        }
        return nil
    }

    /// Colon-separated hex groups, possibly ending in a dotted quad (two groups).
    private static func parseGroups(_ s: Substring, allowV4Tail: Bool) -> [UInt16]? {
        if s.isEmpty { return [] }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        var out: [UInt16] = []
        for (i, p) in parts.enumerated() {
            if i == parts.count - 1 && allowV4Tail && p.contains(".") {
                guard let v4 = parseDottedQuad(p) else { return nil }
                out.append(UInt16(v4 >> 16))
                out.append(UInt16(v4 & 0xFFFF))
                continue
            }
            guard (1...4).contains(p.count), let g = UInt16(p, radix: 16) else { return nil }
            out.append(g)
        }
        return out
    }
}

/// An address block in CIDR notation (`10.0.0.0/8`, `fc00::/7`).
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits cleared).
    public let address: IPAddress
    public let prefixLength: Int

    public init(_ address: IPAddress, prefixLength: Int) {
        let width = address.bitWidth
        let p = max(0, min(prefixLength, width))
        self.prefixLength = p
        self.address = IPNetwork.mask(address, p)
    }

    /// `a.b.c.d/n`, `x::y/n`, or a bare address (a single host).
    public init?(_ text: String) {
        let trimmed = text.trimmingWhitespace
        if let slash = trimmed.firstIndex(of: "/") {
            let addrText = String(trimmed[..<slash])
            let lenText = trimmed[trimmed.index(after: slash)...]
            guard let addr = IPAddress(addrText), !lenText.isEmpty, lenText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let len = Int(lenText), len <= addr.bitWidth else { return nil }
            self.init(addr, prefixLength: len)
        } else {
            guard let addr = IPAddress(String(trimmed)) else { return nil }
            self.init(addr, prefixLength: addr.bitWidth)
        }
    }

    public func contains(_ other: IPAddress) -> Bool {
        guard other.isV4 == address.isV4 else { return false }
        return IPNetwork.mask(other, prefixLength) == address
    }

    public var description: String { "\(address)/\(prefixLength)" }

    static func mask(_ a: IPAddress, _ prefix: Int) -> IPAddress {
        switch a {
        case let .v4(v):
            if prefix == 0 { return .v4(0) }
            return .v4(v & ~UInt32(0) << UInt32(32 - prefix))
        case let .v6(hi, lo):
            if prefix == 0 { return .v6(hi: 0, lo: 0) }
            if prefix <= 64 {
                return .v6(hi: hi & ~UInt64(0) << UInt64(64 - prefix), lo: 0)
            }
            if prefix == 128 { return a }
            return .v6(hi: hi, lo: lo & ~UInt64(0) << UInt64(128 - prefix))
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing ASCII spaces and tabs.
    var trimmingWhitespace: Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

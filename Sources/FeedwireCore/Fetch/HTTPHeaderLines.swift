/// Response header lines as an HTTP/1.x client receives them (RFC 9112 §2.1,
/// §5), turned into `HTTPHeaders`. The HTTP engine keeps the raw lines its
/// header callback is handed (libcurl hands HTTP/2 and HTTP/3 fields over in
/// the same `Name: value` form) and parses them once per response here.
public enum HTTPHeaderLines {
    /// `HTTP/…` starts a response's header block (a status line, RFC 9112 §4).
    public static func isStatusLine(_ line: UnsafeRawBufferPointer) -> Bool {
        line.count >= 5 && line[0] == 0x48 && line[1] == 0x54 && line[2] == 0x54 && line[3] == 0x50 && line[4] == 0x2F
    }

    /// The fields of one header block (without its status line), in order.
    /// Names keep their spelling; values lose surrounding whitespace (§5.1).
    /// A line starting with space or tab continues the previous field
    /// (obsolete line folding, §5.2: replaced by one space). Lines without a
    /// colon, or with an empty name, are skipped, as libcurl skips them.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(8)
        for line in ByteLines(bytes) where !line.isEmpty {
            if bytes[line.lowerBound] == 0x20 || bytes[line.lowerBound] == 0x09 {
                let value = ByteLines.trimmed(bytes, line)
                if !value.isEmpty { headers.appendToLastValue(ByteLines.text(bytes, value)) }
                continue
            }
            guard let colon = ByteLines.first(0x3A, in: bytes, line), colon > line.lowerBound else { continue }
            let value = ByteLines.trimmed(bytes, colon + 1..<line.upperBound)
            headers.add(ByteLines.text(bytes, line.lowerBound..<colon), ByteLines.text(bytes, value))
        }
        return headers
    }

    public static func parse(_ bytes: [UInt8]) -> HTTPHeaders {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// The values of the fields called `name` (case-insensitive), exactly as
    /// `parse` would give them, building a String only for those.
    public static func values(named name: StaticString, in bytes: [UInt8], firstOnly: Bool) -> [String] {
        var out: [String] = []
        visit(named: [name], in: bytes) { _, value in
            if !(firstOnly && !out.isEmpty) { out.append(value) }
        }
        return out
    }

    /// One pass over the block: `found(i, value)` for each field whose name
    /// is `names[i]` (case-insensitive), in order, values as `parse` gives
    /// them. A response's header block is a handful of short lines, so this
    /// scans bytes directly instead of calling memchr per line.
    public static func visit(named names: [StaticString], in bytes: [UInt8], _ found: (Int, String) -> Void) {
        bytes.withUnsafeBytes { b in
            let n = b.count
            var start = 0
            // Folded continuation lines (RFC 9112 §5.2, obsolete) are rare
            // enough to take the slow path: parse everything, then match.
            var folded = false
            var matches: [(Int, Range<Int>)] = []
            matches.reserveCapacity(names.count)
            while start < n {
                var end = start
                while end < n, b[end] != 0x0A { end += 1 }
                let next = end + 1
                while end > start, b[end - 1] == 0x0D { end -= 1 }
                defer { start = next }
                if end == start { continue }
                if b[start] == 0x20 || b[start] == 0x09 {
                    folded = true
                    break
                }
                var colon = start
                while colon < end, b[colon] != 0x3A { colon += 1 }
                guard colon < end, colon > start else { continue }
                let length = colon - start
                for i in names.indices where names[i].utf8CodeUnitCount == length && sameName(b, start..<colon, names[i]) {
                    matches.append((i, ByteLines.trimmed(b, colon + 1..<end)))
                    break
                }
            }
            if folded {
                let fields = parse(b).fields
                for field in fields {
                    for i in names.indices where HTTPHeaders.sameName(field.name, "\(names[i])") {
                        found(i, field.value)
                        break
                    }
                }
                return
            }
            for (i, range) in matches { found(i, ByteLines.text(b, range)) }
        }
    }

    /// ASCII case-insensitive comparison of a field name with `want`.
    private static func sameName(_ b: UnsafeRawBufferPointer, _ r: Range<Int>, _ want: StaticString) -> Bool {
        guard r.count == want.utf8CodeUnitCount else { return false }
        let w = want.utf8Start
        var k = 0
        for i in r {
            let p = b[i], q = w[k]
            k += 1
            if p == q { continue }
            let l = p | 0x20
            if l != q | 0x20 || l < 0x61 || l > 0x7A { return false }
        }
        return true
    }
}

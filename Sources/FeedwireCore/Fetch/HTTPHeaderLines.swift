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
    /// them, with a String built only for those.
    public static func visit(named names: [StaticString], in bytes: [UInt8], _ found: (Int, String) -> Void) {
        bytes.withUnsafeBytes { b in
            var matches: [(Int, Range<Int>)] = []
            matches.reserveCapacity(names.count)
            for line in ByteLines(b) where !line.isEmpty {
                if b[line.lowerBound] == 0x20 || b[line.lowerBound] == 0x09 {
                    // A folded continuation line (RFC 9112 §5.2, obsolete) is
                    // rare enough for the slow path: parse everything, then match.
                    return visit(named: names, in: parse(b), found)
                }
                guard let colon = ByteLines.first(0x3A, in: b, line), colon > line.lowerBound else { continue }
                let name = UnsafeRawBufferPointer(rebasing: b[line.lowerBound..<colon])
                for i in names.indices where HTTPHeaders.sameName(name, literal(names[i])) {
                    matches.append((i, ByteLines.trimmed(b, colon + 1..<line.upperBound)))
                    break
                }
            }
            for (i, range) in matches { found(i, ByteLines.text(b, range)) }
        }
    }

    /// The same over fields already parsed (or built by hand).
    public static func visit(named names: [StaticString], in headers: HTTPHeaders, _ found: (Int, String) -> Void) {
        for field in headers.fields {
            var name = field.name
            let i = name.withUTF8 { n in
                names.indices.first { HTTPHeaders.sameName(UnsafeRawBufferPointer(n), literal(names[$0])) }
            }
            if let i { found(i, field.value) }
        }
    }

    /// The bytes of a literal (StaticString storage is immortal).
    private static func literal(_ s: StaticString) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
    }
}

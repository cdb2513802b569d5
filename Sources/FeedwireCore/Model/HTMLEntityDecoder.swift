import FeedwireXML

/// Decodes character references in HTML text: named (`&eacute;`, from the
/// HTML 4 table plus `&apos;`), decimal (`&#8217;`) and hexadecimal
/// (`&#x2019;`). Numeric references to C1 controls (0x80–0x9F) mean
/// windows-1252 characters, as HTML5 §13.2.5.80 specifies and publishers
/// rely on (`&#146;` for ’); invalid code points become U+FFFD. A reference
/// that is not recognised is kept as written.
public enum HTMLEntityDecoder {
    public static func decode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            guard b == UInt8(ascii: "&"), let (scalar, length) = reference(bytes, at: i) else {
                out.append(b)
                i += 1
                continue
            }
            out.append(contentsOf: String(Character(scalar)).utf8)
            i += length
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The reference starting at `start` (which holds `&`): its character and
    /// the number of bytes it spans, including the `;`.
    static func reference(_ bytes: [UInt8], at start: Int) -> (Unicode.Scalar, Int)? {
        var j = start + 1
        guard j < bytes.count else { return nil }
        if bytes[j] == UInt8(ascii: "#") {
            j += 1
            var hex = false
            if j < bytes.count, bytes[j] == UInt8(ascii: "x") || bytes[j] == UInt8(ascii: "X") { hex = true; j += 1 }
            var value: UInt32 = 0
            var digits = 0
            while j < bytes.count, digits < 8 {
                let c = bytes[j]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x61...0x66 where hex: d = UInt32(c - 0x61 + 10)
                case 0x41...0x46 where hex: d = UInt32(c - 0x41 + 10)
                default: d = 99
                }
                if d == 99 { break }
                value = value * (hex ? 16 : 10) + d
                digits += 1
                j += 1
            }
            guard digits > 0, j < bytes.count, bytes[j] == UInt8(ascii: ";") else { return nil }
            return (numericScalar(value), j + 1 - start)
        }
        var nameEnd = j
        while nameEnd < bytes.count, nameEnd - j < 32,
              (0x30...0x39).contains(bytes[nameEnd]) || (0x41...0x5A).contains(bytes[nameEnd]) || (0x61...0x7A).contains(bytes[nameEnd]) {
            nameEnd += 1
        }
        guard nameEnd > j, nameEnd < bytes.count, bytes[nameEnd] == UInt8(ascii: ";") else { return nil }
        let name = String(decoding: bytes[j..<nameEnd], as: UTF8.self)
        guard let scalar = named(name) else { return nil }
        return (scalar, nameEnd + 1 - start)
    }

    /// A named reference: the XML five, then the HTML 4 table.
    public static func named(_ name: String) -> Unicode.Scalar? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default: return HTMLEntities.scalar(named: name)
        }
    }

    /// HTML5's mapping of numeric references.
    public static func numericScalar(_ value: UInt32) -> Unicode.Scalar {
        if (0x80...0x9F).contains(value) {
            return Unicode.Scalar(windows1252C1[Int(value - 0x80)]) ?? "\u{FFFD}"
        }
        if value == 0 || value > 0x10FFFF || (0xD800...0xDFFF).contains(value) { return "\u{FFFD}" }
        return Unicode.Scalar(value) ?? "\u{FFFD}"
    }

    /// windows-1252 code points for bytes 0x80–0x9F (undefined ones map to themselves).
    public static let windows1252C1: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]
}

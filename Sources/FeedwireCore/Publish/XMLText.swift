/// Escaping and cleaning of text for XML 1.0 (and HTML) output.
///
/// XML 1.0 §2.2 allows only `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD]
/// | [#x10000-#x10FFFF]`; a document containing anything else is not
/// well-formed and strict readers reject the whole feed. Feed text is hostile
/// (stray C0 controls from copy-and-paste, U+FFFF from broken encoders), so
/// every value written passes through here. Besides the illegal characters we
/// also drop what §2.2 calls "discouraged": DEL and the C1 controls
/// (U+007F–U+009F, almost always mojibake) and the Unicode noncharacters
/// (U+FDD0–U+FDEF, U+xFFFE/U+xFFFF). Bidi controls (RLO etc.) are legal and are
/// kept; the HTML page isolates every value with `<bdi>` instead.
///
/// We never use CDATA sections: escaping `<`, `>` and `&` everywhere is
/// simpler and makes `]]>` in content harmless (it becomes `]]&gt;`).
public enum XMLText {
    /// Whether a Unicode scalar value may be written.
    @inline(__always)
    public static func isAllowed(_ v: UInt32) -> Bool {
        switch v {
        case 0x09, 0x0A, 0x0D: return true
        case 0x20...0x7E: return true
        case 0x7F...0x9F: return false
        case 0xA0...0xD7FF: return true
        case 0xFDD0...0xFDEF: return false
        case 0xE000...0xFFFD: return true
        case 0x10000...0x10FFFF: return v & 0xFFFE != 0xFFFE
        default: return false
        }
    }

    /// The text with every character that may not be written removed.
    public static func clean(_ s: String) -> String {
        var s = s
        if s.withUTF8({ firstDisallowed($0) == nil }) { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars where isAllowed(u.value) { out.append(u) }
        return String(out)
    }

    /// Length of the UTF-8 sequence starting with `lead` and whether the
    /// scalar it encodes may be written, decided on the bytes (no decoding
    /// into a scalar for the common case). Swift strings are valid UTF-8.
    @inline(__always)
    static func sequence(_ buf: UnsafeBufferPointer<UInt8>, at i: Int) -> (length: Int, allowed: Bool) {
        let b = buf[i]
        if b < 0xE0 {
            // U+0080–U+07FF: only the C1 controls (C2 80–C2 9F) are refused.
            return (2, !(b == 0xC2 && buf[i + 1] < 0xA0))
        }
        if b < 0xF0 {
            // U+0800–U+FFFF: refuse U+FDD0–U+FDEF (EF B7 90–AF) and U+FFFE/U+FFFF (EF BF BE/BF).
            guard b == 0xEF else { return (3, true) }
            let b1 = buf[i + 1], b2 = buf[i + 2]
            if b1 == 0xB7 && b2 >= 0x90 && b2 <= 0xAF { return (3, false) }
            if b1 == 0xBF && b2 >= 0xBE { return (3, false) }
            return (3, true)
        }
        // Planes 1–16: refuse U+xFFFE/U+xFFFF.
        return (4, !(buf[i + 1] & 0x0F == 0x0F && buf[i + 2] == 0xBF && buf[i + 3] >= 0xBE))
    }

    /// Offset of the first byte that starts a character that may not be written.
    static func firstDisallowed(_ buf: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = buf.count
        while i < n {
            let b = buf[i]
            if b < 0x80 {
                if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D || b == 0x7F { return i }
                i += 1
            } else {
                let (len, ok) = sequence(buf, at: i)
                if !ok { return i }
                i += len
            }
        }
        return nil
    }

    /// Appends `s` escaped for element content (`attribute == false`) or for a
    /// double-quoted attribute value. In attributes, tab, line feed and
    /// carriage return become character references: XML attribute-value
    /// normalisation (§3.3.3) would otherwise turn them into spaces.
    /// A carriage return in text is also written as `&#13;`, since a raw one
    /// is normalised to a line feed (§2.11). Runs of bytes that need nothing
    /// are copied in one piece.
    public static func appendEscaped(_ s: String, to out: inout [UInt8], attribute: Bool) {
        var s = s
        s.withUTF8 { buf in
            let n = buf.count
            var i = 0
            var run = 0
            @inline(__always) func flush(_ end: Int) {
                if end > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[run..<end])) }
            }
            let (maskLow, maskHigh) = attribute ? attributeMask : textMask
            while i < n {
                let b = buf[i]
                if b >= 0x80 {
                    let (len, ok) = sequence(buf, at: i)
                    if !ok { flush(i); run = i + len }
                    i += len
                    continue
                }
                // Fast path: most ASCII bytes need nothing.
                let special = b < 64 ? (maskLow >> UInt64(b)) & 1 : (maskHigh >> UInt64(b - 64)) & 1
                if special == 0 {
                    i += 1
                    continue
                }
                let replacement: [UInt8]?
                switch b {
                case UInt8(ascii: "&"): replacement = amp
                case UInt8(ascii: "<"): replacement = lt
                case UInt8(ascii: ">"): replacement = gt
                case UInt8(ascii: "\""): replacement = attribute ? quot : nil
                case UInt8(ascii: "'"): replacement = attribute ? apos : nil
                case 0x09: replacement = attribute ? tab : nil
                case 0x0A: replacement = attribute ? lf : nil
                case 0x0D: replacement = cr
                case 0x20...0x7E: replacement = nil
                default: replacement = []  // C0 controls and DEL: dropped
                }
                if let replacement {
                    flush(i)
                    out.append(contentsOf: replacement)
                    run = i + 1
                }
                i += 1
            }
            flush(n)
        }
    }

    /// `s` escaped as a String (for building attribute lists and small pieces).
    public static func escaped(_ s: String, attribute: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        appendEscaped(s, to: &out, attribute: attribute)
        return String(decoding: out, as: UTF8.self)
    }

    /// ASCII bytes that need escaping or removal, as bit masks over 0–63 and
    /// 64–127: C0 controls (text keeps tab and line feed), `&`, `<`, `>`,
    /// DEL, and in attributes also `"`, `'`, tab and line feed.
    private static let textMask: (UInt64, UInt64) = mask(attribute: false)
    private static let attributeMask: (UInt64, UInt64) = mask(attribute: true)

    private static func mask(attribute: Bool) -> (UInt64, UInt64) {
        var low: UInt64 = 0
        for b in 0..<0x20 where attribute || (b != 0x09 && b != 0x0A) { low |= 1 << UInt64(b) }
        for c in ["&", "<", ">"] + (attribute ? ["\"", "'"] : []) { low |= 1 << UInt64(Character(c).asciiValue!) }
        let high: UInt64 = 1 << (0x7F - 64)
        return (low, high)
    }

    private static let amp = Array("&amp;".utf8)
    private static let lt = Array("&lt;".utf8)
    private static let gt = Array("&gt;".utf8)
    private static let quot = Array("&quot;".utf8)
    // `&#39;` rather than `&apos;`: HTML 4 does not know `&apos;`, and the same escaper serves the HTML page.
    private static let apos = Array("&#39;".utf8)
    private static let tab = Array("&#9;".utf8)
    private static let lf = Array("&#10;".utf8)
    private static let cr = Array("&#13;".utf8)
}

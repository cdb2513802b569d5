import FeedwireXML

/// Turns a document's bytes, chunk by chunk, into UTF-8 that XML 1.0
/// accepts, so libxml2 is fed UTF-8 only (`XML_PARSE_IGNORE_ENC`) and
/// every encoding decision is ours.
///
/// Bytes that are not valid in the charset are decoded as windows-1252
/// (the parse contract) one by one, so a valid sequence elsewhere in the
/// document is kept; when nothing non-ASCII was valid (a declaration that
/// lies) that is the same as decoding the whole document as windows-1252,
/// and `encodingName` says so. C0 controls other than TAB, LF and CR
/// (not XML characters; a NUL stops libxml2) are removed. Valid UTF-8
/// input is passed through without a copy.
///
/// Stored properties are `@exclusivity(unchecked)` (see `XMLPushParser`).
final class TextDecoder {
    enum Kind { case utf8, table(SingleByteTable), utf16(bigEndian: Bool), iconv(IconvStream) }

    /// The charset asked for (canonical name).
    let charset: String
    private let kind: Kind
    @exclusivity(unchecked) private var unknownCharset = false
    @exclusivity(unchecked) private var carry: [UInt8] = []
    @exclusivity(unchecked) private var out: [UInt8] = []
    @exclusivity(unchecked) private var converted: [UInt8] = []
    @exclusivity(unchecked) private var offset = 0

    @exclusivity(unchecked) private(set) var fallbackBytes = 0
    @exclusivity(unchecked) private(set) var firstInvalidOffset: Int?
    @exclusivity(unchecked) private(set) var validNonASCII = 0
    @exclusivity(unchecked) private(set) var removedControls = 0
    @exclusivity(unchecked) private(set) var c1Bytes = 0
    @exclusivity(unchecked) private(set) var replacedUnits = 0

    init(charset: String) {
        self.charset = charset
        switch charset {
        case "utf-8":
            kind = .utf8
        case "windows-1252", "iso-8859-1", "us-ascii":
            kind = .table(.windows1252)
        case "utf-16le":
            kind = .utf16(bigEndian: false)
        case "utf-16be", "utf-16":
            kind = .utf16(bigEndian: true)
        default:
            switch SingleByteTable.lookup(charset) {
            case let .table(t):
                kind = .table(t)
            case .multiByte:
                if let stream = IconvStream(charset: charset) { kind = .iconv(stream) } else { kind = .utf8; unknownCharset = true }
            case .unknown:
                kind = .utf8
                unknownCharset = true
            }
        }
    }

    /// The charset actually used, for `ParsedFeed.encoding`.
    var encodingName: String {
        if fallbackBytes > 0, validNonASCII == 0 { return "windows-1252" }
        if unknownCharset { return "utf-8" }
        switch kind {
        case .utf16(let bigEndian): return bigEndian ? "utf-16be" : "utf-16le"
        case .table:
            if charset == "iso-8859-1" || charset == "us-ascii" { return c1Bytes > 0 ? "windows-1252" : charset }
            return charset
        default: return charset
        }
    }

    /// Problems to report in `errors`.
    var errors: [String] {
        var list: [String] = []
        if unknownCharset { list.append("unknown charset \"\(charset)\"; the document was read as UTF-8") }
        if fallbackBytes > 0 {
            let name = unknownCharset ? "utf-8" : charset
            let one = fallbackBytes == 1
            let what = one ? "1 byte is not valid \(name) (at byte \(firstInvalidOffset ?? 0))"
                : "\(fallbackBytes) bytes are not valid \(name) (the first at byte \(firstInvalidOffset ?? 0))"
            let how = validNonASCII == 0 ? "the document was decoded as windows-1252"
                : (one ? "it was decoded as windows-1252" : "they were decoded as windows-1252")
            list.append("\(what); \(how)")
        }
        if replacedUnits > 0 {
            list.append("\(replacedUnits) invalid UTF-16 code unit\(replacedUnits == 1 ? " was" : "s were") replaced with U+FFFD")
        }
        if removedControls > 0 {
            list.append("\(removedControls) control character\(removedControls == 1 ? "" : "s") that XML does not allow \(removedControls == 1 ? "was" : "were") removed")
        }
        return list
    }

    /// Decodes `input`; `emit` receives UTF-8 (possibly `input` itself).
    func decode(_ input: UnsafeRawBufferPointer, final: Bool, emit: (UnsafeRawBufferPointer) -> Void) {
        var rest = input
        if !carry.isEmpty {
            // Complete the sequence cut at the last chunk's end in a small
            // buffer (at most 3 + 8 bytes), so the chunk itself is not copied.
            let k = min(input.count, 8)
            var small = carry
            small.appendRaw(input, to: k)
            let carried = carry.count
            carry.removeAll(keepingCapacity: true)
            let last = k == input.count
            let used = small.withUnsafeBytes { run($0, final: final && last, emit: emit) }
            offset += used
            if last || used < carried {
                if used < small.count { carry.append(contentsOf: small[used...]) }
                if last { return }
                carry.appendRaw(input, from: k)
                let data = carry
                carry.removeAll(keepingCapacity: true)
                data.withUnsafeBytes { raw in
                    let u = run(raw, final: final, emit: emit)
                    if u < raw.count { carry.appendRaw(raw, from: u) }
                    offset += u
                }
                return
            }
            rest = UnsafeRawBufferPointer(rebasing: input[(used - carried)...])
        }
        let used = run(rest, final: final, emit: emit)
        if used < rest.count { carry.appendRaw(rest, from: used) }
        offset += used
    }

    private func run(_ buf: UnsafeRawBufferPointer, final: Bool, emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        guard !buf.isEmpty else { return 0 }
        switch kind {
        case .utf8:
            return utf8Pass(buf, final: final, base: offset, emit: emit)
        case let .table(t):
            tablePass(buf, t)
            out.withUnsafeBytes { emit($0) }
            return buf.count
        case let .utf16(bigEndian):
            let used = utf16Pass(buf, bigEndian: bigEndian, final: final)
            out.withUnsafeBytes { emit($0) }
            return used
        case let .iconv(stream):
            converted.removeAll(keepingCapacity: true)
            let (used, invalid, first) = stream.convert(buf, final: final, into: &converted)
            if invalid > 0 {
                fallbackBytes += invalid
                if firstInvalidOffset == nil, let first { firstInvalidOffset = offset + first }
            }
            let view = converted
            let leadBytes = view.reduce(0) { $0 + ($1 >= 0xC0 ? 1 : 0) }
            validNonASCII += max(0, leadBytes - invalid)
            // iconv's output is valid UTF-8; this pass only removes forbidden controls.
            view.withUnsafeBytes { raw in _ = utf8Pass(raw, final: true, base: offset, emit: emit, countValid: false) }
            return used
        }
    }

    // MARK: UTF-8

    private static let high: UInt64 = 0x8080_8080_8080_8080
    private static let spaces: UInt64 = 0x2020_2020_2020_2020

    /// Index of the first byte at or after `i` that is not printable ASCII
    /// (≥ 0x80 or < 0x20), eight bytes at a time.
    @inline(__always)
    static func plainASCIIEnd(_ p: UnsafeRawPointer, _ from: Int, _ n: Int) -> Int {
        var i = from
        while i + 8 <= n {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // High bit set, or (exact for the lowest such byte) a byte below 0x20.
            let special = (w & high) | ((w &- spaces) & ~w & high)
            if special != 0 { return i + special.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n {
            let c = p.load(fromByteOffset: i, as: UInt8.self)
            if c >= 0x80 || c < 0x20 { return i }
            i += 1
        }
        return n
    }

    /// Skips eight bytes at a time while they are printable ASCII, TAB, LF,
    /// CR or complete two-byte sequences (U+0080–U+07FF: Cyrillic, Greek,
    /// accented Latin), noting in `valid` that such a sequence was seen.
    /// Returns where a byte needs the careful path: a forbidden control, a
    /// 3- or 4-byte sequence, anything invalid, or the last few bytes.
    ///
    /// Per byte lane of a 64-bit word: `hi` marks bytes ≥ 0x80, `cont` those
    /// of the form 10xxxxxx, `lead` 110xxxxx (the overlong C0/C1 excluded);
    /// a word is accepted when every lead is followed by a continuation in
    /// the next lane (for the last lane, the next word's first) and every
    /// continuation follows a lead. (`SIMD16` measured 14× slower here.)
    @inline(__always)
    static func simpleUTF8End(_ p: UnsafeRawPointer, _ from: Int, _ n: Int, valid: inout Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        @inline(__always) func zeroBytes(_ t: UInt64) -> UInt64 { ~(((t & low7) &+ low7) | t) & high }
        var i = from
        var carry: UInt64 = 0        // 0x80: the previous word ended with a lead byte
        while i + 8 <= n {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let hi = w & high
            // ASCII bytes below 0x20, exactly, minus TAB, LF and CR.
            let control = ~((w & low7) &+ (ones &* 0x60)) & ~w & high
            if control != 0 {
                let allowed = zeroBytes(w ^ (ones &* 0x09)) | zeroBytes(w ^ (ones &* 0x0A)) | zeroBytes(w ^ (ones &* 0x0D))
                if control & ~allowed != 0 { break }
            }
            if hi == 0 {
                if carry != 0 { break }
                i += 8
                continue
            }
            let cont = hi & ~(w << 1)                  // 10xxxxxx
            let lead = hi & ~cont                      // 11xxxxxx
            if lead & (w << 2) != 0 { break }          // 111xxxxx: 3- or 4-byte sequences
            if lead & zeroBytes(w & (ones &* 0x1E)) != 0 { break }   // C0, C1: overlong
            if (lead << 8) | carry != cont { break }
            // A sequence is confirmed once its continuation is seen: one
            // inside this word, or the previous word's last lead.
            if lead & 0x00FF_FFFF_FFFF_FFFF != 0 || carry != 0 { valid = 1 }
            carry = lead >> 56
            i += 8
        }
        if carry != 0 {
            // The last accepted word ended with a lead byte: let the careful
            // path check that sequence again.
            i -= 1
        }
        return i
    }

    /// Validates UTF-8, removes forbidden controls and decodes invalid
    /// bytes as windows-1252. Returns where an incomplete final sequence
    /// starts (held for the next chunk).
    private func utf8Pass(_ buf: UnsafeRawBufferPointer, final: Bool, base: Int,
                          emit: (UnsafeRawBufferPointer) -> Void, countValid: Bool = true) -> Int {
        let n = buf.count
        guard let raw = buf.baseAddress, n > 0 else { return 0 }
        let p = raw.assumingMemoryBound(to: UInt8.self)
        var i = 0
        var copied = 0
        var modified = false
        var end = n
        // Counters in locals: class properties would cost an access check each.
        var valid = 0, removed = 0, fallback = 0
        var firstInvalid = firstInvalidOffset
        out.removeAll(keepingCapacity: true)

        scan: while i < n {
            i = TextDecoder.simpleUTF8End(raw, i, n, valid: &valid)
            if i >= n { break }
            let c = p[i]
            if c < 0x80 {
                if c < 0x20, c != 0x09, c != 0x0A, c != 0x0D {
                    if i > copied { out.append(contentsOf: UnsafeBufferPointer(start: p + copied, count: i - copied)) }
                    copied = i + 1
                    modified = true
                    removed += 1
                }
                i += 1
                continue
            }
            // Two-byte sequences (Cyrillic, accented Latin) first: the common case.
            if c >= 0xC2, c <= 0xDF, i + 1 < n, p[i + 1] & 0xC0 == 0x80 {
                valid += 1
                i += 2
                continue
            }
            let need: Int
            switch c {
            case 0xC2...0xDF: need = 2
            case 0xE0...0xEF: need = 3
            case 0xF0...0xF4: need = 4
            default: need = 0
            }
            if need > 0 {
                let available = min(need, n - i)
                var ok = true
                if available >= 2 {
                    let c1 = p[i + 1]
                    switch c {
                    case 0xE0: ok = c1 >= 0xA0 && c1 <= 0xBF
                    case 0xED: ok = c1 >= 0x80 && c1 <= 0x9F
                    case 0xF0: ok = c1 >= 0x90 && c1 <= 0xBF
                    case 0xF4: ok = c1 >= 0x80 && c1 <= 0x8F
                    default: ok = c1 & 0xC0 == 0x80
                    }
                }
                var k = 2
                while ok, k < available {
                    ok = p[i + k] & 0xC0 == 0x80
                    k += 1
                }
                if ok, available < need {
                    if !final {
                        end = i
                        break scan
                    }
                    ok = false
                }
                if ok {
                    valid += 1
                    i += need
                    continue
                }
            }
            if i > copied { out.append(contentsOf: UnsafeBufferPointer(start: p + copied, count: i - copied)) }
            out.append(contentsOf: SingleByteTable.windows1252.utf8[Int(c)])
            copied = i + 1
            modified = true
            fallback += 1
            if firstInvalid == nil { firstInvalid = base + i }
            i += 1
        }
        if countValid { validNonASCII += valid }
        removedControls += removed
        fallbackBytes += fallback
        firstInvalidOffset = firstInvalid
        if modified {
            if end > copied { out.append(contentsOf: UnsafeBufferPointer(start: p + copied, count: end - copied)) }
            out.withUnsafeBytes { emit($0) }
        } else if end > 0 {
            emit(UnsafeRawBufferPointer(start: raw, count: end))
        }
        return end
    }

    // MARK: Single-byte charsets

    private func tablePass(_ buf: UnsafeRawBufferPointer, _ table: SingleByteTable) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(buf.count + buf.count / 2)
        let n = buf.count
        guard let p = buf.baseAddress else { return }
        let latin = charset == "iso-8859-1"
        let ascii = charset == "us-ascii"
        var i = 0
        while i < n {
            if table.asciiCompatible {
                let runEnd = TextDecoder.plainASCIIEnd(p, i, n)
                if runEnd > i {
                    out.appendRaw(buf, from: i, to: runEnd)
                    i = runEnd
                    if i >= n { break }
                }
            }
            let b = Int(buf[i])
            if table.undefined[b] || (ascii && b >= 0x80) {
                out.append(contentsOf: SingleByteTable.windows1252.utf8[b])
                fallbackBytes += 1
                if firstInvalidOffset == nil { firstInvalidOffset = offset + i }
            } else {
                let u = table.utf8[b]
                if u.isEmpty {
                    removedControls += 1
                } else {
                    out.append(contentsOf: u)
                    if b >= 0x80 {
                        validNonASCII += 1
                        if latin, b < 0xA0 { c1Bytes += 1 }
                    }
                }
            }
            i += 1
        }
    }

    // MARK: UTF-16

    private func utf16Pass(_ buf: UnsafeRawBufferPointer, bigEndian: Bool, final: Bool) -> Int {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(buf.count)
        let n = buf.count
        var i = 0
        @inline(__always) func unit(_ at: Int) -> UInt32 {
            bigEndian ? UInt32(buf[at]) << 8 | UInt32(buf[at + 1]) : UInt32(buf[at + 1]) << 8 | UInt32(buf[at])
        }
        func append(_ cp: UInt32) {
            if SingleByteTable.isForbiddenControl(cp) { removedControls += 1; return }
            if cp < 0x80 { out.append(UInt8(cp)); return }
            if cp >= 0x80 { validNonASCII += 1 }
            let scalar = Unicode.Scalar(cp) ?? "\u{FFFD}"
            out.append(contentsOf: String(Character(scalar)).utf8)
        }
        while i + 1 < n {
            let u = unit(i)
            if u >= 0xD800, u <= 0xDBFF {
                if i + 3 >= n {
                    if !final { return i }
                    replacedUnits += 1
                    append(0xFFFD)
                    i += 2
                    continue
                }
                let low = unit(i + 2)
                if low >= 0xDC00, low <= 0xDFFF {
                    append(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00))
                    i += 4
                } else {
                    replacedUnits += 1
                    append(0xFFFD)
                    i += 2
                }
                continue
            }
            if u >= 0xDC00, u <= 0xDFFF {
                replacedUnits += 1
                append(0xFFFD)
            } else {
                append(u)
            }
            i += 2
        }
        if i < n {
            if !final { return i }
            replacedUnits += 1
            append(0xFFFD)
            return n
        }
        return n
    }
}

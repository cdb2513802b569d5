import Glibc
import Synchronization

/// Byte → UTF-8 tables for single-byte charsets, built once per charset
/// from glibc's iconv and cached for the process. Decoding a table is
/// faster and fully under our control (an undefined byte is known, not an
/// iconv error in the middle of a buffer).
final class SingleByteTable: Sendable {
    /// UTF-8 for each byte; empty for the C0 controls XML 1.0 forbids (they are removed).
    let utf8: [[UInt8]]
    /// Bytes the charset leaves undefined.
    let undefined: [Bool]
    /// Bytes below 0x80 decode to themselves.
    let asciiCompatible: Bool

    init(codePoints: [UInt32?]) {
        var utf8: [[UInt8]] = []
        var undefined: [Bool] = []
        var ascii = true
        for (byte, cp) in codePoints.enumerated() {
            guard let cp, let scalar = Unicode.Scalar(cp) else {
                utf8.append([])
                undefined.append(true)
                continue
            }
            if byte < 0x80, cp != UInt32(byte) { ascii = false }
            undefined.append(false)
            utf8.append(SingleByteTable.isForbiddenControl(cp) ? [] : Array(String(Character(scalar)).utf8))
        }
        self.utf8 = utf8
        self.undefined = undefined
        asciiCompatible = ascii
    }

    /// C0 controls other than TAB, LF and CR are not XML 1.0 characters (§2.2).
    @inline(__always) static func isForbiddenControl(_ cp: UInt32) -> Bool {
        cp < 0x20 && cp != 0x09 && cp != 0x0A && cp != 0x0D
    }

    /// windows-1252 as the WHATWG Encoding Standard defines it (its five
    /// undefined bytes map to the C1 controls of the same value). Also used
    /// for `iso-8859-1` and `us-ascii` labels, as browsers do.
    static let windows1252 = SingleByteTable(codePoints: (0..<256).map { b -> UInt32? in
        (0x80...0x9F).contains(b) ? HTMLEntityDecoder.windows1252C1[b - 0x80] : UInt32(b)
    })

    private enum Cached { case table(SingleByteTable), multiByte, unknown }
    private static let cache = Mutex<[String: Cached]>([:])

    enum Lookup { case table(SingleByteTable), multiByte, unknown }

    /// The table for a canonical charset name, or whether iconv knows it as a
    /// multi-byte charset (then `IconvStream` decodes it), or not at all.
    static func lookup(_ charset: String) -> Lookup {
        if let hit = cache.withLock({ $0[charset] }) { return convert(hit) }
        let built = build(charset)
        cache.withLock { $0[charset] = built }
        return convert(built)
    }

    private static func convert(_ c: Cached) -> Lookup {
        switch c {
        case let .table(t): return .table(t)
        case .multiByte: return .multiByte
        case .unknown: return .unknown
        }
    }

    private static func build(_ charset: String) -> Cached {
        let cd = iconv_open("UTF-32LE", charset.uppercased())
        guard let cd, Int(bitPattern: cd) != -1 else { return .unknown }
        defer { iconv_close(cd) }
        var points: [UInt32?] = []
        for byte in 0..<256 {
            _ = iconv(cd, nil, nil, nil, nil)
            var input = [CChar(bitPattern: UInt8(byte))]
            var output = [UInt8](repeating: 0, count: 16)
            let (result, err, produced) = input.withUnsafeMutableBufferPointer { ib -> (Int, Int32, Int) in
                output.withUnsafeMutableBufferPointer { ob -> (Int, Int32, Int) in
                    var inPtr: UnsafeMutablePointer<CChar>? = ib.baseAddress
                    var inLeft = 1
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(ob.baseAddress!).assumingMemoryBound(to: CChar.self)
                    var outLeft = 16
                    let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    return (r, errno, 16 - outLeft)
                }
            }
            if result == -1 {
                if err == EINVAL { return .multiByte }   // a lead byte: not a single-byte charset
                points.append(nil)
                continue
            }
            guard produced == 4 else {
                if produced == 0 { return .multiByte }   // a stateful shift byte
                points.append(nil)
                continue
            }
            points.append(UInt32(output[0]) | UInt32(output[1]) << 8 | UInt32(output[2]) << 16 | UInt32(output[3]) << 24)
        }
        return .table(SingleByteTable(codePoints: points))
    }
}

/// A streaming conversion to UTF-8 through glibc's iconv, for multi-byte
/// charsets (Shift_JIS, GBK, Big5, EUC-KR …). A sequence cut by the chunk
/// boundary waits for the next chunk.
final class IconvStream {
    private let cd: iconv_t

    init?(charset: String) {
        let cd = iconv_open("UTF-8", charset.uppercased())
        guard let cd, Int(bitPattern: cd) != -1 else { return nil }
        self.cd = cd
    }

    deinit { iconv_close(cd) }

    /// Converts `input`, appending UTF-8 to `out` (a rejected byte as its
    /// windows-1252 character); returns how many input bytes were consumed
    /// (the rest is an incomplete sequence), how many were rejected and
    /// where the first of those was.
    func convert(_ input: UnsafeRawBufferPointer, final: Bool, into out: inout [UInt8]) -> (consumed: Int, invalid: Int, firstInvalid: Int?) {
        guard let base = input.baseAddress, !input.isEmpty else { return (0, 0, nil) }
        var invalidCount = 0
        var firstInvalid: Int?
        func invalid(_ at: Int) {
            out.append(contentsOf: SingleByteTable.windows1252.utf8[Int(input[at])])
            invalidCount += 1
            if firstInvalid == nil { firstInvalid = at }
        }
        var consumed = 0
        var scratch = [UInt8](repeating: 0, count: max(64, input.count * 4))
        while consumed < input.count {
            var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(mutating: (base + consumed).assumingMemoryBound(to: CChar.self))
            var inLeft = input.count - consumed
            let (result, err, produced, left) = scratch.withUnsafeMutableBufferPointer { ob -> (Int, Int32, Int, Int) in
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(ob.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = ob.count
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                return (r, errno, ob.count - outLeft, inLeft)
            }
            out.append(contentsOf: scratch[0..<produced])
            consumed = input.count - left
            if result != -1 { break }
            switch err {
            case E2BIG:
                continue
            case EINVAL:
                guard final else { return (consumed, invalidCount, firstInvalid) }
                invalid(consumed)
                consumed += 1
            default:   // EILSEQ
                invalid(consumed)
                consumed += 1
                _ = iconv(cd, nil, nil, nil, nil)
            }
        }
        return (consumed, invalidCount, firstInvalid)
    }
}

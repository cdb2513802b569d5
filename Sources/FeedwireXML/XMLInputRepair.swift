import Glibc

/// Rewrites the XML text on its way into libxml2 so that recovery mode keeps
/// every character a publisher meant:
///
/// - A bare `&` (one that starts no well-formed reference: `AT&T`, `Q & A`,
///   `?a=1&b=2` in an attribute) becomes `&#38;`. libxml2 would report it
///   and drop the `&` together with the name after it (`AT&T` → `AT`).
/// - `&amp; &lt; &gt; &quot; &apos;` become character references. libxml2
///   2.9 silently drops predefined entity references once the document has
///   had any error (`xmlParseReference` returns early when `!wellFormed`),
///   while character references are always honoured.
///
/// CDATA sections are copied untouched. Input must be UTF-8 (the caller
/// transcodes); bytes are held back only when a reference or a CDATA marker
/// straddles the chunk boundary.
struct XMLInputRepair {
    private var pending: [UInt8] = []
    private var output: [UInt8] = []
    private var inCDATA = false
    /// Bare `&` rewritten so far.
    private(set) var bareAmpersands = 0

    private static let cdataOpenTail: [UInt8] = Array("[CDATA[".utf8)
    private static let cdataClose: [UInt8] = Array("]]>".utf8)
    private static let charRefAmp: [UInt8] = Array("&#38;".utf8)

    /// Repairs `input` and passes the bytes that are ready to `emit` (in
    /// one or more calls). With `final`, nothing is held back.
    mutating func process(_ input: UnsafeRawBufferPointer, final: Bool, emit: (UnsafeRawBufferPointer) -> Void) {
        if pending.isEmpty {
            let held = run(input, final: final, emit: emit)
            if held < input.count { pending.append(contentsOf: input[held...]) }
        } else {
            pending.append(contentsOf: input)
            let buffer = pending
            pending.removeAll(keepingCapacity: true)
            buffer.withUnsafeBytes { raw in
                let held = run(raw, final: final, emit: emit)
                if held < raw.count { pending.append(contentsOf: raw[held...]) }
            }
        }
    }

    /// Processes `buf`, emits the repaired prefix and returns where the
    /// held-back tail starts.
    private mutating func run(_ buf: UnsafeRawBufferPointer, final: Bool, emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        let n = buf.count
        guard n > 0, let base = buf.baseAddress else { return 0 }
        var i = 0
        var copied = 0          // bytes of buf already accounted for in `output`
        var rewritten = false
        output.removeAll(keepingCapacity: true)
        var safeEnd = n
        var nextCDATA = -2      // -2: not searched yet; -1: none in the rest of buf
        var markup = CommentTracker()

        func flushSegment(to end: Int) {
            if end > copied {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[copied..<end]))
            }
            copied = end
        }

        scan: while i < n {
            if inCDATA {
                if let j = XMLInputRepair.find(XMLInputRepair.cdataClose, in: base, from: i, to: n) {
                    i = j + 3
                    inCDATA = false
                    nextCDATA = -2
                    continue
                }
                if !final { safeEnd = max(i, n - 2) }
                break scan
            }
            if nextCDATA == -2 {
                nextCDATA = XMLInputRepair.findCDATAOpen(in: base, from: i, to: n) ?? -1
            }
            let limit = nextCDATA >= 0 ? nextCDATA : n
            guard let amp = memchr(base + i, 0x26, limit - i) else {
                if nextCDATA >= 0 {
                    i = nextCDATA + 9
                    inCDATA = true
                    continue
                }
                // A CDATA opener may straddle the boundary: hold back a tail
                // that is a prefix of "<![CDATA[".
                if !final {
                    var k = max(i, n - 8)
                    while k < n {
                        if buf[k] == UInt8(ascii: "<"), XMLInputRepair.isCDATAPrefix(buf, from: k) { safeEnd = k; break }
                        k += 1
                    }
                }
                break scan
            }
            let a = UnsafeRawPointer(amp) - UnsafeRawPointer(base)
            switch XMLInputRepair.classify(buf, at: a, final: final) {
            case .incomplete:
                safeEnd = a
                break scan
            case .valid(let length):
                i = a + length
            case .predefined(let length, let replacement):
                flushSegment(to: a)
                output.append(contentsOf: replacement)
                copied = a + length
                rewritten = true
                i = a + length
            case .bare:
                if markup.isInsideCommentOrPI(buf, at: a) {
                    i = a + 1   // '&' is allowed there
                    continue
                }
                flushSegment(to: a)
                output.append(contentsOf: XMLInputRepair.charRefAmp)
                copied = a + 1
                rewritten = true
                bareAmpersands += 1
                i = a + 1
            }
        }
        if rewritten {
            flushSegment(to: safeEnd)
            output.withUnsafeBytes { emit($0) }
        } else if safeEnd > 0 {
            emit(UnsafeRawBufferPointer(rebasing: buf[0..<safeEnd]))
        }
        return safeEnd
    }

    /// Whether a bare `&` sits in a comment or processing instruction, where
    /// XML allows it. Scanned lazily from the start of the buffer, only when
    /// a bare `&` turns up (rare), so clean documents pay nothing; a comment
    /// that spans two chunks is not seen (its `&` is then just rewritten).
    struct CommentTracker {
        enum State { case none, comment, instruction }
        var position = 0
        var state = State.none

        mutating func isInsideCommentOrPI(_ buf: UnsafeRawBufferPointer, at a: Int) -> Bool {
            guard let base = buf.baseAddress else { return false }
            var i = position
            while i < a {
                switch state {
                case .none:
                    guard let p = memchr(base + i, 0x3C, a - i) else { i = a; break }
                    let lt = UnsafeRawPointer(p) - base
                    if lt + 3 < buf.count, buf[lt + 1] == 0x21, buf[lt + 2] == 0x2D, buf[lt + 3] == 0x2D {
                        state = .comment
                        i = lt + 4
                    } else if lt + 1 < buf.count, buf[lt + 1] == 0x3F {
                        state = .instruction
                        i = lt + 2
                    } else {
                        i = lt + 1
                    }
                case .comment:
                    if let end = XMLInputRepair.find(Array("-->".utf8), in: base, from: i, to: a) {
                        state = .none
                        i = end + 3
                    } else {
                        i = a
                    }
                case .instruction:
                    if let end = XMLInputRepair.find(Array("?>".utf8), in: base, from: i, to: a) {
                        state = .none
                        i = end + 2
                    } else {
                        i = a
                    }
                }
            }
            position = max(position, a)
            return state != .none
        }
    }

    enum Reference {
        case valid(Int)
        case predefined(Int, [UInt8])
        case bare
        case incomplete
    }

    private static let predefined: [(name: [UInt8], ref: [UInt8])] = [
        (Array("amp".utf8), Array("&#38;".utf8)), (Array("lt".utf8), Array("&#60;".utf8)),
        (Array("gt".utf8), Array("&#62;".utf8)), (Array("quot".utf8), Array("&#34;".utf8)),
        (Array("apos".utf8), Array("&#39;".utf8)),
    ]

    /// What the `&` at `a` starts. Names follow XML's Name production for
    /// ASCII and accept any non-ASCII byte; at most 64 bytes are looked at.
    static func classify(_ buf: UnsafeRawBufferPointer, at a: Int, final: Bool) -> Reference {
        let n = buf.count
        var j = a + 1
        let maxEnd = min(n, a + 66)
        guard j < n else { return final ? .bare : .incomplete }
        if buf[j] == UInt8(ascii: "#") {
            j += 1
            var hex = false
            if j < n, buf[j] == UInt8(ascii: "x") { hex = true; j += 1 }
            let digitsStart = j
            while j < maxEnd {
                let c = buf[j]
                let isDigit = (c >= 0x30 && c <= 0x39) || (hex && ((c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)))
                if !isDigit { break }
                j += 1
            }
            if j >= n { return final ? .bare : .incomplete }
            if j > digitsStart, buf[j] == UInt8(ascii: ";") { return .valid(j + 1 - a) }
            return .bare
        }
        func isNameStart(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x3A || c >= 0x80
        }
        func isNameChar(_ c: UInt8) -> Bool {
            isNameStart(c) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E
        }
        guard isNameStart(buf[j]) else { return .bare }
        j += 1
        while j < maxEnd, isNameChar(buf[j]) { j += 1 }
        if j >= n { return final ? .bare : .incomplete }
        guard buf[j] == UInt8(ascii: ";") else { return .bare }
        let nameLength = j - a - 1
        if nameLength <= 4 {
            for entry in predefined where entry.name.count == nameLength {
                var same = true
                for k in 0..<nameLength where buf[a + 1 + k] != entry.name[k] { same = false; break }
                if same { return .predefined(j + 1 - a, entry.ref) }
            }
        }
        return .valid(j + 1 - a)
    }

    private static let cdataOpen: [UInt8] = Array("<![CDATA[".utf8)

    static func isCDATAPrefix(_ buf: UnsafeRawBufferPointer, from k: Int) -> Bool {
        for j in k..<buf.count where buf[j] != cdataOpen[j - k] { return false }
        return true
    }

    /// Where the next `<![CDATA[` starts. Searches from the `[` ('<' is on
    /// every tag, '[' is rare), then checks the `<!` before it.
    static func findCDATAOpen(in base: UnsafeRawPointer, from: Int, to: Int) -> Int? {
        var i = from + 2
        while let at = find(cdataOpenTail, in: base, from: i, to: to) {
            if base.load(fromByteOffset: at - 2, as: UInt8.self) == UInt8(ascii: "<"),
               base.load(fromByteOffset: at - 1, as: UInt8.self) == UInt8(ascii: "!") {
                return at - 2
            }
            i = at + 1
        }
        return nil
    }

    /// First occurrence of `needle` in `base[from..<to]`.
    static func find(_ needle: [UInt8], in base: UnsafeRawPointer, from: Int, to: Int) -> Int? {
        guard to - from >= needle.count else { return nil }
        // memmem is a GNU extension the Glibc module does not export:
        // memchr for the first byte, then compare the rest.
        let first = Int32(needle[0])
        var i = from
        let last = to - needle.count
        while i <= last {
            guard let p = memchr(base + i, first, last - i + 1) else { return nil }
            let at = UnsafeRawPointer(p) - base
            var same = true
            for k in 1..<needle.count where base.load(fromByteOffset: at + k, as: UInt8.self) != needle[k] {
                same = false
                break
            }
            if same { return at }
            i = at + 1
        }
        return nil
    }
}

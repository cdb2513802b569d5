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
/// CDATA sections, comments and processing instructions are copied
/// untouched (`&` is allowed there). Input must be UTF-8 (the caller
/// transcodes). Bytes are held back only when a reference or a marker
/// straddles the chunk boundary, so the result does not depend on how the
/// document is cut into chunks.
struct XMLInputRepair {
    enum State { case text, cdata, comment, instruction }

    private var pending: [UInt8] = []
    private let output = ByteBuffer(capacity: 64 * 1024)
    private var state = State.text
    /// Bare `&` rewritten so far.
    private(set) var bareAmpersands = 0

    private static let cdataClose: [UInt8] = Array("]]>".utf8)
    private static let commentClose: [UInt8] = Array("-->".utf8)
    private static let instructionClose: [UInt8] = Array("?>".utf8)
    /// Openers of the regions copied untouched; a chunk ending in a prefix of one is held back.
    private static let openers: [[UInt8]] = [Array("<![CDATA[".utf8), Array("<!--".utf8), Array("<?".utf8)]

    /// Repairs `input` and passes the bytes that are ready to `emit` (in
    /// one or more calls). With `final`, nothing is held back.
    mutating func process(_ input: UnsafeRawBufferPointer, final: Bool, emit: (UnsafeRawBufferPointer) -> Void) {
        var rest = input
        if !pending.isEmpty {
            // Finish the held-back tail with the start of this chunk in a small
            // buffer (a reference or marker needs at most 66 more bytes), so the
            // chunk itself is not copied.
            let k = min(input.count, 128)
            var small = pending
            small.appendRaw(input, to: k)
            let carried = pending.count
            pending.removeAll(keepingCapacity: true)
            let last = k == input.count
            let held = small.withUnsafeBytes { run($0, final: final && last, emit: emit) }
            if last || held < carried {
                // Everything is in `small`, or its tail still waits: keep it with the rest of the chunk.
                if held < small.count { pending.append(contentsOf: small[held...]) }
                if !last { pending.appendRaw(input, from: k) }
                if last { return }
                let buffer = pending
                pending.removeAll(keepingCapacity: true)
                buffer.withUnsafeBytes { raw in
                    let h = run(raw, final: final, emit: emit)
                    if h < raw.count { pending.appendRaw(raw, from: h) }
                }
                return
            }
            rest = UnsafeRawBufferPointer(rebasing: input[(held - carried)...])
        }
        let held = run(rest, final: final, emit: emit)
        if held < rest.count { pending.appendRaw(rest, from: held) }
    }

    /// Processes `buf`, emits the repaired prefix and returns where the
    /// held-back tail starts.
    private mutating func run(_ buf: UnsafeRawBufferPointer, final: Bool, emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        let n = buf.count
        guard n > 0, let base = buf.baseAddress else { return 0 }
        var i = 0
        var copied = 0          // bytes of buf already accounted for in `output`
        var rewritten = false
        output.removeAll()
        var safeEnd = n
        var finder = OpenerFinder()

        func flushSegment(to end: Int) {
            if end > copied {
                output.append(UnsafeRawBufferPointer(rebasing: buf[copied..<end]))
            }
            copied = end
        }

        scan: while i < n {
            let close: [UInt8]
            switch state {
            case .cdata: close = XMLInputRepair.cdataClose
            case .comment: close = XMLInputRepair.commentClose
            case .instruction: close = XMLInputRepair.instructionClose
            case .text:
                let special = finder.next(in: buf, from: i)
                let limit = special?.at ?? n
                guard let amp = memchr(base + i, 0x26, limit - i) else {
                    if let special {
                        state = special.state
                        i = special.at + special.length
                        continue
                    }
                    // An opener may straddle the boundary: hold back a tail that starts one.
                    if !final {
                        var k = max(i, n - 8)
                        while k < n {
                            if buf[k] == UInt8(ascii: "<"), XMLInputRepair.isOpenerPrefix(buf, from: k) { safeEnd = k; break }
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
                    output.append(replacement)
                    copied = a + length
                    rewritten = true
                    i = a + length
                case .bare:
                    flushSegment(to: a)
                    output.append("&#38;")
                    copied = a + 1
                    rewritten = true
                    bareAmpersands += 1
                    i = a + 1
                }
                continue
            }
            if let j = XMLInputRepair.find(close, in: base, from: i, to: n) {
                i = j + close.count
                state = .text
                continue
            }
            if !final { safeEnd = max(i, n - (close.count - 1)) }
            break scan
        }
        if rewritten {
            flushSegment(to: safeEnd)
            emit(UnsafeRawBufferPointer(output.buffer))
        } else if safeEnd > 0 {
            emit(UnsafeRawBufferPointer(rebasing: buf[0..<safeEnd]))
        }
        return safeEnd
    }

    static func isOpenerPrefix(_ buf: UnsafeRawBufferPointer, from k: Int) -> Bool {
        openers.contains { opener in
            buf.count - k < opener.count && (k..<buf.count).allSatisfy { buf[$0] == opener[$0 - k] }
        }
    }

    /// Finds the next `<![CDATA[`, `<!--` or `<?` by searching for `!` and
    /// `?` (rare in feeds, unlike `<`, which starts every tag) and checking
    /// the `<` before them. Remembers the last hit of each so a buffer is
    /// scanned once.
    struct OpenerFinder {
        /// The first '!' (and '?') at or after the position last searched
        /// from; Int.max when there is none; -1 before the first search.
        private var bang = -1
        private var question = -1

        mutating func next(in buf: UnsafeRawBufferPointer, from i: Int) -> (at: Int, length: Int, state: State)? {
            guard let base = buf.baseAddress else { return nil }
            let n = buf.count
            func locate(_ c: Int32, _ from: Int) -> Int {
                guard from < n, let p = memchr(base + from, c, n - from) else { return Int.max }
                return UnsafeRawPointer(p) - UnsafeRawPointer(base)
            }
            var from = i
            while true {
                if bang < from { bang = locate(0x21, from) }
                if question < from { question = locate(0x3F, from) }
                let p = min(bang, question)
                guard p != Int.max else { return nil }
                if p >= 1, p - 1 >= i, buf[p - 1] == UInt8(ascii: "<") {
                    if p == question { return (p - 1, 2, .instruction) }
                    if p + 2 < n, buf[p + 1] == 0x2D, buf[p + 2] == 0x2D { return (p - 1, 4, .comment) }
                    if p + 7 < n, (0..<7).allSatisfy({ buf[p + 1 + $0] == XMLInputRepair.cdataTail[$0] }) {
                        return (p - 1, 9, .cdata)
                    }
                }
                from = p + 1
            }
        }
    }

    private static let cdataTail: [UInt8] = Array("[CDATA[".utf8)

    enum Reference {
        case valid(Int)
        case predefined(Int, StaticString)
        case bare
        case incomplete
    }

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
        let length = j + 1 - a
        switch j - a - 1 {
        case 2 where buf[a + 2] == UInt8(ascii: "t"):
            if buf[a + 1] == UInt8(ascii: "l") { return .predefined(length, "&#60;") }
            if buf[a + 1] == UInt8(ascii: "g") { return .predefined(length, "&#62;") }
        case 3 where buf[a + 1] == UInt8(ascii: "a") && buf[a + 2] == UInt8(ascii: "m") && buf[a + 3] == UInt8(ascii: "p"):
            return .predefined(length, "&#38;")
        case 4 where buf[a + 1] == UInt8(ascii: "q") && buf[a + 2] == UInt8(ascii: "u") && buf[a + 3] == UInt8(ascii: "o")
            && buf[a + 4] == UInt8(ascii: "t"):
            return .predefined(length, "&#34;")
        case 4 where buf[a + 1] == UInt8(ascii: "a") && buf[a + 2] == UInt8(ascii: "p") && buf[a + 3] == UInt8(ascii: "o")
            && buf[a + 4] == UInt8(ascii: "s"):
            return .predefined(length, "&#39;")
        default:
            break
        }
        return .valid(length)
    }

    /// First occurrence of `needle` in `base[from..<to]` (memchr for the
    /// first byte, then compare: memmem is a GNU extension the Glibc module
    /// does not export).
    static func find(_ needle: [UInt8], in base: UnsafeRawPointer, from: Int, to: Int) -> Int? {
        guard to - from >= needle.count else { return nil }
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

extension Array where Element == UInt8 {
    /// Appends `raw[from..<to]` with one memcpy (the generic
    /// `append(contentsOf:)` on a raw buffer or its slice goes byte by byte).
    /// Package-wide and inlinable: the Core text decoder uses it in its hot loop too.
    @inlinable @inline(__always)
    package mutating func appendRaw(_ raw: UnsafeRawBufferPointer, from: Int = 0, to: Int? = nil) {
        let end = to ?? raw.count
        guard end > from, let base = raw.baseAddress else { return }
        append(contentsOf: UnsafeBufferPointer(start: (base + from).assumingMemoryBound(to: UInt8.self), count: end - from))
    }
}

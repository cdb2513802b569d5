/// Decides how a document's bytes are read, in the parse contract's
/// order: a byte-order mark wins; then the charset HTTP's Content-Type gave
/// (`--charset`); then the XML declaration (XML 1.0 §4.3.3, Appendix F);
/// then UTF-8.
enum CharsetSniffer {
    struct Decision: Equatable {
        /// Canonical lower-case name (see `canonical(_:)`).
        var charset: String
        /// Bytes of byte-order mark to skip.
        var bomLength: Int
    }

    /// How many leading bytes may be needed to find the XML declaration.
    static let maxHead = 1024

    /// The decision for a document starting with `head`, or nil when more
    /// bytes are needed (only when not `final`).
    static func decide(head: [UInt8], transport: String?, final: Bool) -> Decision? {
        // Only the first `maxHead` bytes count, however the document was cut
        // into chunks; once that many are there the decision is final.
        let h = head.count > maxHead ? Array(head.prefix(maxHead)) : head
        let final = final || h.count >= maxHead
        if h.count < 4, !final { return nil }
        func at(_ i: Int) -> UInt8? { i < h.count ? h[i] : nil }
        if at(0) == 0xEF, at(1) == 0xBB, at(2) == 0xBF { return Decision(charset: "utf-8", bomLength: 3) }
        if at(0) == 0xFF, at(1) == 0xFE { return Decision(charset: "utf-16le", bomLength: 2) }
        if at(0) == 0xFE, at(1) == 0xFF { return Decision(charset: "utf-16be", bomLength: 2) }
        if let transport, case let label = canonical(transport), !label.isEmpty {
            if label == "utf-16" { return Decision(charset: utf16Endianness(h), bomLength: 0) }
            return Decision(charset: label, bomLength: 0)
        }
        // UTF-16 without a mark: '<' or '{' (or white space) next to a zero byte.
        if h.count >= 2 {
            if h[1] == 0, h[0] != 0 { return Decision(charset: "utf-16le", bomLength: 0) }
            if h[0] == 0, h[1] != 0 { return Decision(charset: "utf-16be", bomLength: 0) }
        }
        // The XML declaration, read as ASCII.
        var i = 0
        while i < h.count, h[i] == 0x20 || h[i] == 0x09 || h[i] == 0x0A || h[i] == 0x0D { i += 1 }
        let xmlDecl: [UInt8] = Array("<?xml".utf8)
        if h.count - i < xmlDecl.count {
            return final ? Decision(charset: "utf-8", bomLength: 0) : nil
        }
        guard Array(h[i..<(i + 5)]) == xmlDecl else { return Decision(charset: "utf-8", bomLength: 0) }
        guard let end = (i..<h.count).first(where: { h[$0] == UInt8(ascii: ">") }) else {
            return final ? Decision(charset: "utf-8", bomLength: 0) : nil
        }
        let decl = String(decoding: h[i..<end], as: UTF8.self)
        guard let declared = encodingAttribute(decl) else { return Decision(charset: "utf-8", bomLength: 0) }
        let label = canonical(declared)
        // A declaration we could read as ASCII cannot be true about UTF-16/32.
        if label.hasPrefix("utf-16") || label.hasPrefix("utf-32") || label.isEmpty {
            return Decision(charset: "utf-8", bomLength: 0)
        }
        return Decision(charset: label, bomLength: 0)
    }

    static func utf16Endianness(_ h: [UInt8]) -> String {
        if h.count >= 2, h[0] == 0, h[1] != 0 { return "utf-16be" }
        if h.count >= 2, h[1] == 0, h[0] != 0 { return "utf-16le" }
        return "utf-16be"   // RFC 2781 §4.3: big-endian when nothing says otherwise
    }

    /// The value of `encoding="…"` in an XML declaration.
    static func encodingAttribute(_ decl: String) -> String? {
        let b = Array(decl.utf8)
        let key = Array("encoding".utf8)
        guard b.count > key.count else { return nil }
        var start: Int?
        search: for i in 0...(b.count - key.count) where b[i] == key[0] {
            for k in 1..<key.count where b[i + k] != key[k] { continue search }
            start = i + key.count
            break
        }
        guard var i = start else { return nil }
        func skipSpace() { while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 } }
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "=") else { return nil }
        i += 1
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") else { return nil }
        let quote = b[i]
        i += 1
        guard let close = b[i...].firstIndex(of: quote) else { return nil }
        return String(decoding: b[i..<close], as: UTF8.self)
    }

    /// A canonical lower-case name for a charset label: the WHATWG Encoding
    /// Standard's names where it has one (`latin1` → `iso-8859-1`,
    /// `cp1251` → `windows-1251`, `utf8` → `utf-8`).
    static func canonical(_ label: String) -> String {
        var l = label.trimmingFeedWhitespace().lowercased()
        while l.hasPrefix("\"") || l.hasPrefix("'") { l.removeFirst() }
        while l.hasSuffix("\"") || l.hasSuffix("'") { l.removeLast() }
        switch l {
        case "utf8", "utf-8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8": return "utf-8"
        case "latin1", "latin-1", "l1", "iso8859-1", "iso_8859-1", "iso-8859-1", "iso88591", "iso_8859-1:1987", "cp819",
             "ibm819", "iso-ir-100", "csisolatin1": return "iso-8859-1"
        case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "cp367", "ibm367", "csascii": return "us-ascii"
        case "cp1252", "x-cp1252", "windows-1252", "win-1252", "windows1252": return "windows-1252"
        case "cp1251", "x-cp1251", "windows-1251", "win-1251", "windows1251": return "windows-1251"
        case "cp1250", "x-cp1250", "windows-1250", "windows1250": return "windows-1250"
        case "koi8r", "koi8-r", "koi", "koi8", "cskoi8r", "koi8_r": return "koi8-r"
        case "koi8u", "koi8-u", "koi8-ru": return "koi8-u"
        case "utf-16", "utf16", "ucs-2", "unicode", "csunicode", "iso-10646-ucs-2": return "utf-16"
        case "utf-16le", "utf16le", "unicodefeff": return "utf-16le"
        case "utf-16be", "utf16be", "unicodefffe": return "utf-16be"
        case "shift_jis", "shift-jis", "sjis", "ms_kanji", "x-sjis", "csshiftjis", "windows-31j", "ms932": return "shift_jis"
        case "gb2312", "gbk", "x-gbk", "cp936", "euc-cn": return "gbk"
        case "big5", "big5-hkscs", "cn-big5", "x-x-big5": return "big5"
        default: break
        }
        // iso8859-5, iso_8859-5, iso-8859-5:1988 → iso-8859-5
        for prefix in ["iso-8859-", "iso8859-", "iso_8859-", "iso8859_", "iso-8859_"] where l.hasPrefix(prefix) {
            let number = l.dropFirst(prefix.count).prefix { $0.isNumber }
            if !number.isEmpty { return "iso-8859-\(number)" }
        }
        if l.hasPrefix("cp125"), l.count == 6 { return "windows-" + l.dropFirst(2) }
        return l
    }
}

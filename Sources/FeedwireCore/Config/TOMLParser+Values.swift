/// TOML 1.0 values: strings, numbers, booleans, date-times, arrays and
/// inline tables (https://toml.io/en/v1.0.0). Each throws `Stop` after
/// recording a syntax error with the line it happened on (for an
/// unterminated string or array: the line where it was opened).
extension TOMLParser {
    mutating func value() throws(Stop) -> TOMLValue {
        let startLine = line
        guard let c = peek() else { throw syntax("expected a value, found the end of the file") }
        switch c {
        case UInt8(ascii: "\""):
            let s = looking(at: "\"\"\"") ? try multiLineString(quote: UInt8(ascii: "\"")) : try basicString()
            return TOMLValue(.string(s), line: startLine)
        case UInt8(ascii: "'"):
            let s = looking(at: "'''") ? try multiLineString(quote: UInt8(ascii: "'")) : try literalString()
            return TOMLValue(.string(s), line: startLine)
        case UInt8(ascii: "["):
            return try array()
        case UInt8(ascii: "{"):
            return try inlineTable()
        case 0x0A, 0x0D, UInt8(ascii: "#"):
            throw syntax("expected a value after `=`, found the end of the line")
        default:
            return try scalar()
        }
    }

    // MARK: - Strings

    /// `"…"` with escapes, on one line.
    mutating func basicString() throws(Stop) -> String {
        let startLine = line
        index += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek() else {
                throw syntax("unterminated string: add the closing `\"`", line: startLine)
            }
            switch c {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &out)
            case 0x0A, 0x0D:
                throw syntax("unterminated string: a \"…\" string must close on the same line (use \"\"\"…\"\"\" for text over several lines)", line: startLine)
            default:
                try checkControl(c)
                out.append(c)
                index += 1
            }
        }
    }

    /// `'…'`: no escapes, on one line.
    mutating func literalString() throws(Stop) -> String {
        let startLine = line
        index += 1
        let start = index
        while true {
            guard let c = peek() else {
                throw syntax("unterminated string: add the closing `'`", line: startLine)
            }
            if c == UInt8(ascii: "'") {
                let s = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return s
            }
            if c == 0x0A || c == 0x0D {
                throw syntax("unterminated string: a '…' string must close on the same line (use '''…''' for text over several lines)", line: startLine)
            }
            try checkControl(c)
            index += 1
        }
    }

    /// `"""…"""` (escapes, line-ending backslash) or `'''…'''` (raw). A
    /// newline right after the opening delimiter is dropped; up to two
    /// quotes may stand right before the closing delimiter.
    mutating func multiLineString(quote: UInt8) throws(Stop) -> String {
        let startLine = line
        let basic = quote == UInt8(ascii: "\"")
        index += 3
        _ = try newline()
        var out: [UInt8] = []
        while true {
            guard let c = peek() else {
                let delimiter = basic ? "\"\"\"" : "'''"
                throw syntax("unterminated multi-line string: add the closing \(delimiter)", line: startLine)
            }
            if c == quote {
                var run = 0
                while peek(run) == quote { run += 1 }
                if run >= 3 {
                    if run > 5 { throw syntax("too many quotes at the end of a multi-line string") }
                    out.append(contentsOf: repeatElement(quote, count: run - 3))
                    index += run
                    return String(decoding: out, as: UTF8.self)
                }
                out.append(contentsOf: repeatElement(quote, count: run))
                index += run
                continue
            }
            if c == 0x0A || c == 0x0D {
                _ = try newline()
                out.append(0x0A)
                continue
            }
            if basic && c == UInt8(ascii: "\\") {
                // A backslash ending a line trims it and the whitespace after.
                var j = index + 1
                while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
                if j < bytes.count, bytes[j] == 0x0A || bytes[j] == 0x0D {
                    index = j
                    while true {
                        skipSpaces()
                        if try !newline() { break }
                    }
                    continue
                }
                try escape(into: &out)
                continue
            }
            try checkControl(c)
            out.append(c)
            index += 1
        }
    }

    mutating func checkControl(_ c: UInt8) throws(Stop) {
        if (c < 0x20 && c != 0x09) || c == 0x7F {
            throw syntax("control character U+\(hex(c)) in a string; write it as an escape (\\u\(hex(c)))")
        }
    }

    /// One escape sequence at `index` (which is on the backslash).
    mutating func escape(into out: inout [UInt8]) throws(Stop) {
        guard let e = peek(1) else { throw syntax("unterminated string: add the closing `\"`") }
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "f"): 0x0C,
            UInt8(ascii: "r"): 0x0D, UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C,
        ]
        if let v = simple[e] {
            out.append(v)
            index += 2
            return
        }
        if e == UInt8(ascii: "u") || e == UInt8(ascii: "U") {
            let count = e == UInt8(ascii: "u") ? 4 : 8
            var scalar: UInt32 = 0
            for k in 0..<count {
                guard let d = peek(2 + k), let v = TOMLParser.hexValue(d) else {
                    let name = Character(Unicode.Scalar(e))
                    throw syntax("invalid escape `\\\(name)`: \\\(name) needs exactly \(count) hex digits; for a backslash write `\\\\` or use a 'literal string'")
                }
                scalar = scalar << 4 | UInt32(v)
            }
            guard let u = Unicode.Scalar(scalar) else {
                throw syntax("escape \\\(Character(Unicode.Scalar(e))) names U+\(String(scalar, radix: 16, uppercase: true)), which is not a Unicode scalar value")
            }
            out.append(contentsOf: Array(String(Character(u)).utf8))
            index += 2 + count
            return
        }
        let shown = e < 0x80 && e >= 0x20 ? String(Character(Unicode.Scalar(e))) : "…"
        throw syntax("invalid escape `\\\(shown)` in a string; write `\\\\` for a backslash, or use a 'literal string' (no escapes)")
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    // MARK: - Arrays and inline tables

    mutating func enter() throws(Stop) {
        depth += 1
        if depth > TOMLParser.maxDepth { throw syntax("arrays and inline tables are nested more than \(TOMLParser.maxDepth) deep") }
    }

    /// `[ v, v, ]`: may span lines and hold comments; trailing comma allowed.
    mutating func array() throws(Stop) -> TOMLValue {
        let startLine = line
        try enter()
        defer { depth -= 1 }
        index += 1
        var items: [TOMLValue] = []
        while true {
            try skipBlank()
            guard let c = peek() else { throw syntax("unterminated array: add the closing `]`", line: startLine) }
            if c == UInt8(ascii: "]") {
                index += 1
                break
            }
            items.append(try value())
            try skipBlank()
            guard let d = peek() else { throw syntax("unterminated array: add the closing `]`", line: startLine) }
            if d == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if d == UInt8(ascii: "]") {
                index += 1
                break
            }
            throw syntax("expected `,` or `]` in the array opened at line \(startLine), found \(describeNext())")
        }
        return TOMLValue(.array(items), line: startLine)
    }

    /// `{ k = v, k.l = v }` on one line, no trailing comma (TOML 1.0).
    mutating func inlineTable() throws(Stop) -> TOMLValue {
        let startLine = line
        try enter()
        defer { depth -= 1 }
        index += 1
        let table = MutableTable(origin: .root, line: startLine)
        skipSpaces()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return TOMLValue(.table(table.frozen()), line: startLine)
        }
        while true {
            try sameLine(startLine)
            let parts = try key()
            skipSpaces()
            guard peek() == UInt8(ascii: "=") else {
                throw syntax("expected `=` after key `\(TOMLParser.dotted(parts))`, found \(describeNext())")
            }
            index += 1
            skipSpaces()
            try sameLine(startLine)
            let v = try value()
            assign(v, to: parts, in: table)
            skipSpaces()
            try sameLine(startLine)
            if peek() == UInt8(ascii: ",") {
                index += 1
                skipSpaces()
                if peek() == UInt8(ascii: "}") { throw syntax("an inline table cannot end with a comma") }
                continue
            }
            if peek() == UInt8(ascii: "}") {
                index += 1
                return TOMLValue(.table(table.frozen()), line: startLine)
            }
            throw syntax("expected `,` or `}` in the inline table opened at line \(startLine), found \(describeNext())")
        }
    }

    func sameLineViolation() -> Bool {
        peek() == nil || peek() == 0x0A || peek() == 0x0D || peek() == UInt8(ascii: "#")
    }

    mutating func sameLine(_ startLine: Int) throws(Stop) {
        if sameLineViolation() {
            throw syntax("an inline table { … } must close on the line it opens (TOML 1.0); use a [section] for longer tables", line: startLine)
        }
    }

    // MARK: - Numbers, booleans, dates

    /// Booleans, integers, floats and date-times: a run of bare characters
    /// (plus the space between a date and a time).
    mutating func scalar() throws(Stop) -> TOMLValue {
        let startLine = line
        let start = index
        func tokenByte(_ b: UInt8) -> Bool {
            TOMLParser.isBareKeyByte(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
        }
        while let b = peek(), tokenByte(b) { index += 1 }
        // `1979-05-27 07:32:00`: the space separates a date from a time.
        if index - start == 10, TOMLParser.isDate(Array(bytes[start..<index])), peek() == 0x20,
           let h1 = peek(1), let h2 = peek(2), TOMLParser.isDigit(h1), TOMLParser.isDigit(h2), peek(3) == UInt8(ascii: ":") {
            index += 1
            while let b = peek(), tokenByte(b) { index += 1 }
        }
        let token = Array(bytes[start..<index])
        let text = String(decoding: token, as: UTF8.self)
        if token.isEmpty {
            throw syntax("expected a value, found \(describeNext())")
        }
        if text == "true" { return TOMLValue(.boolean(true), line: startLine) }
        if text == "false" { return TOMLValue(.boolean(false), line: startLine) }
        if ["inf", "+inf"].contains(text) { return TOMLValue(.float(.infinity), line: startLine) }
        if text == "-inf" { return TOMLValue(.float(-.infinity), line: startLine) }
        if ["nan", "+nan", "-nan"].contains(text) { return TOMLValue(.float(.nan), line: startLine) }

        if TOMLParser.looksLikeDateTime(token) {
            guard TOMLParser.isDateTime(token) else {
                throw syntax("invalid date-time `\(text)`; TOML dates look like 1979-05-27T07:32:00Z", line: startLine)
            }
            return TOMLValue(.dateTime(text), line: startLine)
        }
        if let kind = TOMLParser.number(token) {
            return TOMLValue(kind, line: startLine)
        }
        if token.contains(where: { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }) && !TOMLParser.isRadixPrefixed(token) {
            throw syntax("`\(text)` is not a TOML value; strings need quotes (\"\(text)\"), booleans are true or false", line: startLine)
        }
        if TOMLParser.outOfRange(token) {
            throw syntax("integer `\(text)` does not fit in 64 bits", line: startLine)
        }
        throw syntax("invalid number `\(text)`\(TOMLParser.numberAdvice(token))", line: startLine)
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    static func isRadixPrefixed(_ t: [UInt8]) -> Bool {
        t.count >= 2 && t[0] == UInt8(ascii: "0") && [UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "b")].contains(t[1])
    }

    static func numberAdvice(_ t: [UInt8]) -> String {
        var body = t[...]
        if let f = body.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { body = body.dropFirst() }
        if body.count > 1, body.first == UInt8(ascii: "0"), isDigit(body[body.startIndex + 1]) {
            return ": leading zeros are not allowed (for a file mode write \"0\(String(decoding: body.dropFirst(), as: UTF8.self))\" or 0o\(String(decoding: body.dropFirst(), as: UTF8.self)))"
        }
        if t.contains(UInt8(ascii: "_")) { return ": each `_` must stand between two digits" }
        return ""
    }

    /// Digits of `radix` with single underscores between them.
    static func digits(_ t: ArraySlice<UInt8>, radix: Int) -> [UInt8]? {
        guard let first = t.first, let last = t.last, first != UInt8(ascii: "_"), last != UInt8(ascii: "_") else { return nil }
        var out: [UInt8] = []
        var previousUnderscore = false
        for b in t {
            if b == UInt8(ascii: "_") {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard let v = hexValue(b), Int(v) < radix else { return nil }
            out.append(v)
        }
        return out
    }

    static func accumulate(_ ds: [UInt8], radix: Int64, negative: Bool) -> Int64? {
        var value: Int64 = 0
        for d in ds {
            let (m, o1) = value.multipliedReportingOverflow(by: radix)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            value = a
        }
        return value
    }

    static func number(_ t: [UInt8]) -> TOMLValue.Kind? {
        if isRadixPrefixed(t) {
            let radix: Int64 = t[1] == UInt8(ascii: "x") ? 16 : t[1] == UInt8(ascii: "o") ? 8 : 2
            guard let ds = digits(t[2...], radix: Int(radix)), let v = accumulate(ds, radix: radix, negative: false) else { return nil }
            return .integer(v)
        }
        var body = t[...]
        var negative = false
        if let f = body.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") {
            negative = f == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        // Integer part: `0` or no leading zero.
        let intEnd = body.firstIndex { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? body.endIndex
        let intPart = body[body.startIndex..<intEnd]
        guard let intDigits = digits(intPart, radix: 10) else { return nil }
        if intDigits.count > 1 && intDigits[0] == 0 { return nil }
        if intEnd == body.endIndex {
            guard let v = accumulate(intDigits, radix: 10, negative: negative) else { return nil }
            return .integer(v)
        }
        var rest = body[intEnd...]
        var clean = (negative ? "-" : "") + intDigits.map { String($0) }.joined()
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let fracEnd = rest.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? rest.endIndex
            guard let frac = digits(rest[rest.startIndex..<fracEnd], radix: 10) else { return nil }
            clean += "." + frac.map { String($0) }.joined()
            rest = rest[fracEnd...]
        }
        if let e = rest.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            var sign = ""
            if let s = rest.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
                sign = s == UInt8(ascii: "-") ? "-" : ""
                rest = rest.dropFirst()
            }
            guard let exp = digits(rest, radix: 10) else { return nil }
            clean += "e" + sign + exp.map { String($0) }.joined()
            rest = rest[rest.endIndex...]
        }
        guard rest.isEmpty, let d = Double(clean) else { return nil }
        return .float(d)
    }

    /// A decimal integer with valid digits that overflowed.
    static func outOfRange(_ t: [UInt8]) -> Bool {
        var body = t[...]
        if let f = body.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { body = body.dropFirst() }
        if isRadixPrefixed(Array(body)) { return false }
        guard let ds = digits(body, radix: 10) else { return false }
        return !(ds.count > 1 && ds[0] == 0)
    }

    // MARK: Date-times (RFC 3339 as TOML 1.0 uses it)

    static func looksLikeDateTime(_ t: [UInt8]) -> Bool {
        (t.count >= 5 && t[0..<4].allSatisfy(isDigit) && t[4] == UInt8(ascii: "-"))
            || (t.count >= 3 && t[0..<2].allSatisfy(isDigit) && t[2] == UInt8(ascii: ":"))
    }

    static func twoDigits(_ t: [UInt8], _ i: Int) -> Int? {
        guard i + 1 < t.count, isDigit(t[i]), isDigit(t[i + 1]) else { return nil }
        return Int(t[i] - 0x30) * 10 + Int(t[i + 1] - 0x30)
    }

    static func isDate(_ t: [UInt8]) -> Bool {
        guard t.count == 10, t[0..<4].allSatisfy(isDigit), t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-"),
              let month = twoDigits(t, 5), let day = twoDigits(t, 8) else { return false }
        let year = t[0..<4].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    /// `HH:MM:SS(.fraction)?`, returning the index after it.
    static func time(_ t: [UInt8], from i: Int) -> Int? {
        guard let h = twoDigits(t, i), h < 24, i + 2 < t.count, t[i + 2] == UInt8(ascii: ":"),
              let m = twoDigits(t, i + 3), m < 60, i + 5 < t.count, t[i + 5] == UInt8(ascii: ":"),
              let s = twoDigits(t, i + 6), s <= 60 else { return nil }
        var j = i + 8
        if j < t.count, t[j] == UInt8(ascii: ".") {
            j += 1
            let digitsStart = j
            while j < t.count, isDigit(t[j]) { j += 1 }
            if j == digitsStart { return nil }
        }
        return j
    }

    static func isDateTime(_ t: [UInt8]) -> Bool {
        if t.count >= 3, t[2] == UInt8(ascii: ":") {
            return time(t, from: 0) == t.count  // local time
        }
        guard t.count >= 10, isDate(Array(t[0..<10])) else { return false }
        if t.count == 10 { return true }  // local date
        guard [UInt8(ascii: "T"), UInt8(ascii: "t"), 0x20].contains(t[10]), var j = time(t, from: 11) else { return false }
        if j == t.count { return true }  // local date-time
        if t[j] == UInt8(ascii: "Z") || t[j] == UInt8(ascii: "z") { return j + 1 == t.count }
        guard t[j] == UInt8(ascii: "+") || t[j] == UInt8(ascii: "-"), let oh = twoDigits(t, j + 1), oh < 24,
              j + 3 < t.count, t[j + 3] == UInt8(ascii: ":"), let om = twoDigits(t, j + 4), om < 60 else { return false }
        j += 6
        return j == t.count
    }
}

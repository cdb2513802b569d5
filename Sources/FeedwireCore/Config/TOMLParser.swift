/// A TOML 1.0 reader (https://toml.io/en/v1.0.0) that keeps the line of
/// every key and value.
///
/// Why our own and not TOMLKit: every `feeds.conf` message must name the line
/// of the offending key or value ("feeds.conf:41: error: unknown key
/// `intervall` in [[feed]] \"kyiv\"; did you mean `interval`?"), which
/// TOMLKit's decoder does not expose, and TOMLKit wraps a C++ library that
/// would be the only C++ in the build. Config files need a small, strict
/// subset of work: this file handles the document structure (tables, arrays
/// of tables, dotted keys and the rules against redefining them),
/// `TOMLParser+Values.swift` the values.
///
/// Supported: comments; bare, quoted and dotted keys; `[table]`,
/// `[[array.of.tables]]`; basic, literal and multi-line strings with every
/// escape; integers (decimal, hex, octal, binary, underscores); floats (with
/// `inf`/`nan`); booleans; offset and local date-times, dates and times
/// (validated, kept as text); arrays (multi-line, trailing comma, mixed
/// types); inline tables.
///
/// Errors: a syntax error stops the reader (what follows could not be read
/// reliably). A duplicate key or a table defined twice is reported, the
/// statement is skipped, and reading goes on, so one run shows them all.
public struct TOMLParser {
    /// Parses a whole document.
    public static func parse(_ text: String) -> TOMLDocument {
        var parser = TOMLParser(bytes: Array(text.utf8))
        parser.run()
        return TOMLDocument(root: parser.root.frozen(), errors: parser.errors)
    }

    // MARK: - State

    let bytes: [UInt8]
    var index = 0
    var line = 1
    var errors: [TOMLError] = []
    let root = MutableTable(origin: .root, line: 0)
    /// The table the current `[header]` opened.
    var current: MutableTable
    /// Nesting of arrays and inline tables, bounded so hostile input cannot
    /// exhaust the stack.
    var depth = 0
    static let maxDepth = 64

    init(bytes: [UInt8]) {
        self.bytes = bytes
        current = root
        // A UTF-8 byte order mark is allowed and ignored.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    /// Thrown inside the reader to unwind to `run()` on a syntax error.
    struct Stop: Error {}

    mutating func run() {
        do {
            while true {
                skipSpaces()
                guard let c = peek() else { break }
                switch c {
                case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                    try endOfLine()
                case UInt8(ascii: "["):
                    try header()
                default:
                    try keyValue(into: current)
                    try endOfLine()
                }
            }
        } catch {
            // The syntax error is already recorded.
        }
    }

    // MARK: - Errors

    mutating func syntax(_ message: String, line errorLine: Int? = nil) -> Stop {
        errors.append(TOMLError(.syntax, line: errorLine ?? line, message))
        return Stop()
    }

    mutating func redefinition(_ message: String, line errorLine: Int) {
        errors.append(TOMLError(.redefinition, line: errorLine, message))
    }

    // MARK: - Bytes

    func peek(_ offset: Int = 0) -> UInt8? {
        let i = index + offset
        return i < bytes.count ? bytes[i] : nil
    }

    func looking(at s: String) -> Bool {
        var i = index
        for b in s.utf8 {
            guard i < bytes.count, bytes[i] == b else { return false }
            i += 1
        }
        return true
    }

    mutating func skipSpaces() {
        while let c = peek(), c == 0x20 || c == 0x09 { index += 1 }
    }

    /// Consumes a newline (LF or CRLF) if one is next.
    mutating func newline() throws(Stop) -> Bool {
        if peek() == 0x0A {
            index += 1
            line += 1
            return true
        }
        if peek() == 0x0D {
            guard peek(1) == 0x0A else { throw syntax("a carriage return must be followed by a line feed") }
            index += 2
            line += 1
            return true
        }
        return false
    }

    /// Skips a `#` comment up to (not including) the newline.
    mutating func comment() throws(Stop) {
        guard peek() == UInt8(ascii: "#") else { return }
        index += 1
        while let c = peek(), c != 0x0A {
            if c == 0x0D && peek(1) == 0x0A { break }
            if (c < 0x20 && c != 0x09) || c == 0x7F {
                throw syntax("control character U+\(hex(c)) in a comment")
            }
            index += 1
        }
    }

    /// After a statement: spaces, an optional comment, then a newline or the end.
    mutating func endOfLine() throws(Stop) {
        skipSpaces()
        try comment()
        if peek() == nil { return }
        if try newline() { return }
        let found = describeNext()
        throw syntax("expected the end of the line, found \(found); put each key = value on its own line")
    }

    /// Spaces, newlines and comments (inside arrays).
    mutating func skipBlank() throws(Stop) {
        while true {
            skipSpaces()
            if peek() == UInt8(ascii: "#") { try comment() }
            if try !newline() { return }
        }
    }

    /// The next token for an error message.
    func describeNext() -> String {
        guard let c = peek() else { return "the end of the file" }
        if c == 0x0A || c == 0x0D { return "the end of the line" }
        var end = index
        while end < bytes.count, end - index < 20, ![0x20, 0x09, 0x0A, 0x0D].contains(bytes[end]) { end += 1 }
        if end == index { end = index + 1 }
        return "`\(String(decoding: bytes[index..<end], as: UTF8.self))`"
    }

    func hex(_ c: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "00" + String(digits[Int(c >> 4)]) + String(digits[Int(c & 15)])
    }

    // MARK: - Keys

    struct KeyPart {
        var name: String
        var line: Int
    }

    /// `a`, `"a b"`, `'a'`, `a.b.c` (spaces allowed around the dots).
    mutating func key() throws(Stop) -> [KeyPart] {
        var parts: [KeyPart] = []
        while true {
            skipSpaces()
            parts.append(KeyPart(name: try simpleKey(), line: line))
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            index += 1
        }
    }

    mutating func simpleKey() throws(Stop) -> String {
        guard let c = peek() else { throw syntax("expected a key, found the end of the file") }
        if c == UInt8(ascii: "\"") {
            if looking(at: "\"\"\"") { throw syntax("a key cannot be a multi-line string") }
            return try basicString()
        }
        if c == UInt8(ascii: "'") {
            if looking(at: "'''") { throw syntax("a key cannot be a multi-line string") }
            return try literalString()
        }
        let start = index
        while let b = peek(), TOMLParser.isBareKeyByte(b) { index += 1 }
        if index == start {
            if c >= 0x80 {
                throw syntax("bare keys may only use A-Z a-z 0-9 _ -; put the key in quotes")
            }
            throw syntax("expected a key, found \(describeNext())")
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    static func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2D
    }

    static func dotted(_ parts: [KeyPart]) -> String {
        parts.map { part in
            part.name.utf8.allSatisfy(isBareKeyByte) && !part.name.isEmpty ? part.name : "\"\(part.name)\""
        }.joined(separator: ".")
    }

    // MARK: - Statements

    /// `key = value` into `table`, following dotted keys.
    mutating func keyValue(into table: MutableTable) throws(Stop) {
        let parts = try key()
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else {
            let name = TOMLParser.dotted(parts)
            if peek() == nil || peek() == 0x0A || peek() == 0x0D || peek() == UInt8(ascii: "#") {
                throw syntax("key `\(name)` has no value; write \(name) = <value>")
            }
            throw syntax("expected `=` after key `\(name)`, found \(describeNext())")
        }
        index += 1
        skipSpaces()
        let value = try self.value()
        assign(value, to: parts, in: table)
    }

    /// Stores a value under a (dotted) key, enforcing TOML's rules: dotted
    /// keys create tables but may not reach into a table defined by a header
    /// or an inline table; a key is defined once.
    mutating func assign(_ value: TOMLValue, to parts: [KeyPart], in table: MutableTable) {
        var t = table
        for (n, part) in parts.dropLast().enumerated() {
            let path = TOMLParser.dotted(Array(parts[0...n]))
            switch t.entries[part.name] {
            case nil:
                let child = MutableTable(origin: .dotted, line: part.line)
                t.insert(part.name, .table(child), keyLine: part.line)
                t = child
            case let .table(child)?:
                guard child.origin == .dotted else {
                    redefinition("dotted key `\(TOMLParser.dotted(parts))` adds to table `\(path)`, which is defined at line \(child.line); put the key in that table's section", line: part.line)
                    return
                }
                t = child
            case .tables?:
                redefinition("`\(path)` is an array of tables (line \(t.keyLines[part.name] ?? 0)); a dotted key cannot add to it", line: part.line)
                return
            case .value?:
                redefinition("`\(path)` already has a value (line \(t.keyLines[part.name] ?? 0)); it cannot also be a table", line: part.line)
                return
            }
        }
        let last = parts[parts.count - 1]
        if t.entries[last.name] != nil {
            redefinition("duplicate key `\(TOMLParser.dotted(parts))` (first defined at line \(t.keyLines[last.name] ?? 0)); remove one of them", line: last.line)
            return
        }
        t.insert(last.name, .value(value), keyLine: last.line)
    }

    /// `[a.b]` or `[[a.b]]`.
    mutating func header() throws(Stop) {
        let headerLine = line
        let isArray = looking(at: "[[")
        index += isArray ? 2 : 1
        let parts = try key()
        skipSpaces()
        if isArray {
            guard looking(at: "]]") else { throw syntax("expected `]]` to close the array-of-tables header, found \(describeNext())") }
            index += 2
        } else {
            guard peek() == UInt8(ascii: "]") else { throw syntax("expected `]` to close the table header, found \(describeNext())") }
            index += 1
        }
        try endOfLine()
        current = openTable(parts, isArray: isArray, line: headerLine)
    }

    /// Finds or creates the table a header names. On a redefinition the
    /// error is recorded and a detached table is returned, so the keys
    /// below are still read (and checked) but go nowhere.
    mutating func openTable(_ parts: [KeyPart], isArray: Bool, line headerLine: Int) -> MutableTable {
        let detached = MutableTable(origin: .header, line: headerLine)
        let name = TOMLParser.dotted(parts)
        var t = root
        for (n, part) in parts.dropLast().enumerated() {
            let path = TOMLParser.dotted(Array(parts[0...n]))
            switch t.entries[part.name] {
            case nil:
                let child = MutableTable(origin: .implicit, line: headerLine)
                t.insert(part.name, .table(child), keyLine: headerLine)
                t = child
            case let .table(child)?:
                t = child
            case let .tables(array)?:
                t = array.last!
            case let .value(v)?:
                let what = v.table != nil ? "an inline table" : "a value"
                redefinition("`\(path)` is \(what) (line \(t.keyLines[part.name] ?? 0)); [\(name)] cannot add to it", line: headerLine)
                return detached
            }
        }
        let last = parts[parts.count - 1].name
        let brackets = isArray ? "[[\(name)]]" : "[\(name)]"
        switch t.entries[last] {
        case nil:
            let child = MutableTable(origin: .header, line: headerLine)
            t.insert(last, isArray ? .tables(MutableArray([child])) : .table(child), keyLine: headerLine)
            return child
        case let .table(child)?:
            if isArray {
                redefinition("\(brackets): `\(name)` is already a table (line \(child.line)); use either [\(name)] or [[\(name)]]", line: headerLine)
                return detached
            }
            switch child.origin {
            case .implicit:
                child.origin = .header
                child.line = headerLine
                return child
            case .dotted:
                redefinition("table [\(name)] was already defined by dotted keys at line \(child.line)", line: headerLine)
            case .header, .root:
                redefinition("table [\(name)] is defined twice (first at line \(child.line)); merge the two sections", line: headerLine)
            }
            return detached
        case let .tables(array)?:
            if isArray {
                let child = MutableTable(origin: .header, line: headerLine)
                array.append(child)
                return child
            }
            redefinition("[\(name)] names an array of tables (line \(t.keyLines[last] ?? 0)); write [[\(name)]] to add an element", line: headerLine)
            return detached
        case .value?:
            redefinition("\(brackets): `\(name)` already has a value (line \(t.keyLines[last] ?? 0))", line: headerLine)
            return detached
        }
    }
}

/// The tree while it is being read; `frozen()` turns it into values.
final class MutableTable {
    enum Origin {
        case root
        /// `[a.b]` or an element of `[[a.b]]`.
        case header
        /// Created as the parent of a header (`a` for `[a.b]`); a later `[a]` may define it.
        case implicit
        /// Created by a dotted key (`a.b = 1` creates `a`).
        case dotted
    }

    enum Entry {
        case value(TOMLValue)
        case table(MutableTable)
        case tables(MutableArray)
    }

    var origin: Origin
    var line: Int
    var order: [String] = []
    var entries: [String: Entry] = [:]
    var keyLines: [String: Int] = [:]

    init(origin: Origin, line: Int) {
        self.origin = origin
        self.line = line
    }

    func insert(_ key: String, _ entry: Entry, keyLine: Int) {
        order.append(key)
        entries[key] = entry
        keyLines[key] = keyLine
    }

    func frozen() -> TOMLTable {
        var out: [TOMLTable.Entry] = []
        out.reserveCapacity(order.count)
        for key in order {
            let keyLine = keyLines[key] ?? 0
            let value: TOMLValue
            switch entries[key]! {
            case let .value(v):
                value = v
            case let .table(t):
                value = TOMLValue(.table(t.frozen()), line: t.line)
            case let .tables(a):
                value = TOMLValue(.array(a.tables.map { TOMLValue(.table($0.frozen()), line: $0.line) }), line: keyLine)
            }
            out.append(TOMLTable.Entry(key: key, keyLine: keyLine, value: value))
        }
        return TOMLTable(entries: out, line: line)
    }
}

/// An array of tables (`[[feed]]`), appended to by each header.
final class MutableArray {
    var tables: [MutableTable]
    init(_ tables: [MutableTable]) { self.tables = tables }
    var last: MutableTable? { tables.last }
    func append(_ t: MutableTable) { tables.append(t) }
}

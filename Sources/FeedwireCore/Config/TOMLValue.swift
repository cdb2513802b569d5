/// A TOML value with the line it starts on.
///
/// `feeds.conf` is TOML 1.0 (https://toml.io/en/v1.0.0). Every value keeps
/// its line so that configuration errors can say exactly where to look;
/// that is the reason Feedwire has its own reader (see `TOMLParser`).
public struct TOMLValue: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        /// Offset date-time, local date-time, local date or local time, kept
        /// as written (validated, not converted): nothing in `feeds.conf`
        /// needs a calendar value yet.
        case dateTime(String)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public var kind: Kind
    /// 1-based line where the value starts.
    public var line: Int

    public init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    public var string: String? { if case let .string(s) = kind { return s }; return nil }
    public var integer: Int64? { if case let .integer(i) = kind { return i }; return nil }
    public var float: Double? { if case let .float(d) = kind { return d }; return nil }
    public var boolean: Bool? { if case let .boolean(b) = kind { return b }; return nil }
    public var array: [TOMLValue]? { if case let .array(a) = kind { return a }; return nil }
    public var table: TOMLTable? { if case let .table(t) = kind { return t }; return nil }

    /// The TOML type name, for messages ("expected a string, found an integer").
    public var typeName: String {
        switch kind {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .dateTime: return "a date-time"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A TOML table: keys in the order they were written, each with the line of
/// the key (for a `[table]` or `[[array]]` header, the header's line).
public struct TOMLTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var keyLine: Int
        public var value: TOMLValue

        public init(key: String, keyLine: Int, value: TOMLValue) {
            self.key = key
            self.keyLine = keyLine
            self.value = value
        }
    }

    public var entries: [Entry]
    /// Line of the header (`[daemon]`, `[[feed]]`), of the first dotted key
    /// that created it, or of the `{` of an inline table; 0 for the root.
    public var line: Int

    public init(entries: [Entry] = [], line: Int = 0) {
        self.entries = entries
        self.line = line
    }

    public var keys: [String] { entries.map(\.key) }

    public func entry(_ key: String) -> Entry? { entries.first { $0.key == key } }

    public subscript(key: String) -> TOMLValue? { entry(key)?.value }
}

/// A malformed TOML document, or a key or table defined twice.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The text is not TOML; the reader stopped here.
        case syntax
        /// Well-formed text that TOML forbids (duplicate key, table defined
        /// twice); the reader skipped the statement and went on.
        case redefinition
    }

    public var kind: Kind
    public var line: Int
    public var message: String

    public init(_ kind: Kind, line: Int, _ message: String) {
        self.kind = kind
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

/// What `TOMLParser.parse` found: the tree (complete up to the first syntax
/// error) and every error.
public struct TOMLDocument: Sendable, Equatable {
    public var root: TOMLTable
    public var errors: [TOMLError]

    public var hasSyntaxError: Bool { errors.contains { $0.kind == .syntax } }
}

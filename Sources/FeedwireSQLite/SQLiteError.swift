import CSQLite

/// A failed SQLite call: the primary and extended result codes and
/// `sqlite3_errmsg` at the time of the failure, plus what was being done.
///
/// Result codes are documented at https://www.sqlite.org/rescode.html; the
/// primary code is the low byte of the extended one.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Extended result code (e.g. 2067 = SQLITE_CONSTRAINT_UNIQUE).
    public var extendedCode: Int32
    /// `sqlite3_errmsg` text.
    public var message: String
    /// What Feedwire was doing: the SQL (shortened) or the operation.
    public var context: String

    public init(code: Int32, message: String, context: String = "") {
        self.extendedCode = code
        self.message = message
        self.context = context
    }

    /// Primary result code (SQLITE_BUSY, SQLITE_CONSTRAINT …).
    public var code: Int32 { extendedCode & 0xFF }

    /// Another connection holds a lock and `busy_timeout` ran out.
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
    public var isConstraint: Bool { code == SQLITE_CONSTRAINT }
    /// The file is not a database, or is damaged.
    public var isCorrupt: Bool { code == SQLITE_CORRUPT || code == SQLITE_NOTADB }
    /// The file could not be opened or created (missing directory, permissions).
    public var isCannotOpen: Bool { code == SQLITE_CANTOPEN || code == SQLITE_PERM || code == SQLITE_READONLY }

    /// SQLite's own English name for the code (`sqlite3_errstr`).
    public var codeName: String { String(cString: sqlite3_errstr(extendedCode)) }

    public var description: String {
        context.isEmpty ? "SQLite error \(extendedCode): \(message)"
            : "SQLite error \(extendedCode) (\(context)): \(message)"
    }
}

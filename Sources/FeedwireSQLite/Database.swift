import CSQLite

/// One SQLite connection: the only owner of its `sqlite3*`, closed in `deinit`.
///
/// Feedwire keeps its own thin wrapper rather than GRDB (DEVELOPERS.md): the
/// store needs one connection, prepared statements kept for the life of the
/// process, typed binds and explicit transactions — nothing more — and the
/// wrapper costs no build time and no reflection or Codable in hot paths.
///
/// Not thread-safe by itself (opened with `SQLITE_OPEN_NOMUTEX`): the owner
/// serialises every use (the store does so under its lock).
public final class Database {
    /// How to open the file (https://www.sqlite.org/c3ref/open.html).
    public struct OpenMode: Sendable, Equatable {
        public var readOnly: Bool
        public var create: Bool

        public init(readOnly: Bool = false, create: Bool = true) {
            self.readOnly = readOnly
            self.create = create
        }

        public static let readWriteCreate = OpenMode()
        public static let readWrite = OpenMode(create: false)
        public static let readOnly = OpenMode(readOnly: true, create: false)
    }

    /// Transaction kinds (https://www.sqlite.org/lang_transaction.html).
    /// `immediate` takes the write lock at BEGIN, so a second writer waits
    /// (busy_timeout) or fails at once instead of failing at its first write.
    public enum TransactionKind: String, Sendable {
        case deferred = "DEFERRED"
        case immediate = "IMMEDIATE"
        case exclusive = "EXCLUSIVE"
    }

    let handle: OpaquePointer
    public let path: String
    private var cache: [String: Statement] = [:]
    private var savepointDepth = 0

    public init(path: String, mode: OpenMode = .readWriteCreate) throws(SQLiteError) {
        var flags = SQLITE_OPEN_NOMUTEX
        if mode.readOnly {
            flags |= SQLITE_OPEN_READONLY
        } else {
            flags |= SQLITE_OPEN_READWRITE
            if mode.create { flags |= SQLITE_OPEN_CREATE }
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, context: "open \(path)")
        }
        sqlite3_extended_result_codes(db, 1)
        handle = db
        self.path = path
    }

    deinit {
        // Statements first: sqlite3_close_v2 would otherwise keep the
        // connection alive as a zombie until they are finalised.
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: Executing

    /// Runs one or more statements without results (schema, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorMessage)
            throw SQLiteError(code: sqlite3_extended_errcode(handle) == 0 ? rc : sqlite3_extended_errcode(handle),
                              message: message, context: Database.shorten(sql))
        }
    }

    /// A prepared statement for `sql`, reset and with bindings cleared. With
    /// `cached` (the default) the statement is kept and reused by later calls
    /// with the same text; the caller must finish with it before asking for
    /// the same SQL again.
    public func prepare(_ sql: String, cached: Bool = true) throws(SQLiteError) -> Statement {
        if cached, let statement = cache[sql] {
            statement.reset()
            return statement
        }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, cached ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0, &raw, nil)
        guard rc == SQLITE_OK, let raw else {
            throw error(rc, Database.shorten(sql))
        }
        let statement = Statement(handle: raw, database: self, sql: sql)
        if cached { cache[sql] = statement }
        return statement
    }

    /// Prepares (cached), binds and steps a statement that returns no rows.
    /// Returns the number of rows it changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> Int {
        let statement = try prepare(sql)
        try statement.bind(values)
        try statement.execute()
        return changes
    }

    /// Runs a query and maps every row.
    public func query<T>(_ sql: String, _ values: [SQLiteValue] = [], _ map: (Statement) throws -> T) throws -> [T] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var rows: [T] = []
        while try statement.step() { rows.append(try map(statement)) }
        statement.reset()
        return rows
    }

    /// The first column of the first row, as an integer (nil when no row or NULL).
    public func scalarInt(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return statement.int64(0)
    }

    /// The first column of the first row, as text.
    public func scalarText(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> String? {
        let statement = try prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.optionalText(0)
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back
    /// when it throws (nothing half-written). Nested calls become savepoints.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        if !isAutocommit || savepointDepth > 0 {
            savepointDepth += 1
            let name = "fw_sp\(savepointDepth)"
            defer { savepointDepth -= 1 }
            try execute("SAVEPOINT \(name)")
            do {
                let value = try body()
                try execute("RELEASE \(name)")
                return value
            } catch {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
                throw error
            }
        }
        try execute("BEGIN \(kind.rawValue)")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if !isAutocommit { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// True outside an explicit transaction.
    public var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    // MARK: Facts

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// Rows changed by the last INSERT/UPDATE/DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }
    /// Rows changed by every INSERT/UPDATE/DELETE since the connection opened.
    public var totalChanges: Int { Int(sqlite3_total_changes(handle)) }

    /// How long a statement waits for another connection's lock before SQLITE_BUSY.
    public func setBusyTimeout(milliseconds: Int) {
        sqlite3_busy_timeout(handle, Int32(clamping: milliseconds))
    }

    /// `PRAGMA name` read as text (nil when it returns no row).
    public func pragma(_ name: String) throws(SQLiteError) -> String? {
        try scalarText("PRAGMA \(name)")
    }

    /// `PRAGMA name = value`; returns what the pragma reports back, if anything
    /// (journal_mode answers the mode actually in effect).
    @discardableResult
    public func setPragma(_ name: String, _ value: String) throws(SQLiteError) -> String? {
        let statement = try prepare("PRAGMA \(name) = \(value)", cached: false)
        guard try statement.step() else { return nil }
        return statement.optionalText(0)
    }

    // MARK: Errors

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func error(_ rc: Int32, _ context: String) -> SQLiteError {
        let extended = sqlite3_extended_errcode(handle)
        return SQLiteError(code: (extended & 0xFF) == (rc & 0xFF) ? extended : rc, message: lastErrorMessage, context: context)
    }

    static func shorten(_ sql: String) -> String {
        let flat = sql.split(whereSeparator: { $0 == "\n" || $0 == " " }).joined(separator: " ")
        return flat.count > 120 ? String(flat.prefix(117)) + "..." : flat
    }
}

import FeedwireSQLite
import Glibc
import Testing

/// A fresh database file under $TMPDIR, removed afterwards.
final class TempDB {
    let dir: String
    var path: String { dir + "/test.db" }

    init() {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/fw-sqlite.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil)
        dir = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    deinit {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
        rmdir(dir)
    }
}

@Suite struct DatabaseTests {
    @Test func roundTripsEveryTypeIncludingEmptyAndNull() throws {
        let tmp = TempDB()
        let db = try Database(path: tmp.path)
        try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?)")
        try insert.bind(Int64.max, at: 1)
        try insert.bind(2.5, at: 2)
        try insert.bind("", at: 3)
        try insert.bind([UInt8]([0, 1, 255]), at: 4)
        try insert.execute()
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?)", [.null, .null, .text("héllo ✓"), .blob([])])
        let rows = try db.query("SELECT i, r, s, b FROM t ORDER BY rowid") { s in
            (s.optionalInt64(0), s.optionalDouble(1), s.optionalText(2), s.blob(3))
        }
        #expect(rows.count == 2)
        #expect(rows[0].0 == Int64.max)
        #expect(rows[0].1 == 2.5)
        #expect(rows[0].2 == "")  // empty, not NULL
        #expect(rows[0].3 == [0, 1, 255])
        #expect(rows[1].0 == nil)
        #expect(rows[1].2 == "héllo ✓")
        #expect(rows[1].3 == [])
    }

    @Test func cachedStatementsAreReusedAndReset() throws {
        let tmp = TempDB()
        let db = try Database(path: tmp.path)
        try db.execute("CREATE TABLE t (v INTEGER)")
        for v in 0..<5 { try db.run("INSERT INTO t VALUES (?)", [.int(v)]) }
        let a = try db.prepare("SELECT count(*) FROM t WHERE v >= ?")
        let b = try db.prepare("SELECT count(*) FROM t WHERE v >= ?")
        #expect(a === b)
        #expect(try db.scalarInt("SELECT count(*) FROM t WHERE v >= ?", [.int(3)]) == 2)
        #expect(try db.scalarInt("SELECT count(*) FROM t WHERE v >= ?", [.int(0)]) == 5)
        #expect(db.totalChanges == 5)
    }

    @Test func transactionRollsBackOnThrowAndCommitsOtherwise() throws {
        struct Boom: Error {}
        let tmp = TempDB()
        let db = try Database(path: tmp.path)
        try db.execute("CREATE TABLE t (v INTEGER)")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 0)
        #expect(db.isAutocommit)
        try db.transaction {
            try db.run("INSERT INTO t VALUES (1)")
            // A nested failure rolls back only the savepoint.
            _ = try? db.transaction { () throws -> Void in
                try db.run("INSERT INTO t VALUES (2)")
                throw Boom()
            }
        }
        #expect(try db.query("SELECT v FROM t") { $0.int(0) } == [1])
    }

    @Test func errorsCarryCodeAndMessage() throws {
        let tmp = TempDB()
        let db = try Database(path: tmp.path)
        try db.execute("CREATE TABLE t (v INTEGER UNIQUE)")
        try db.run("INSERT INTO t VALUES (1)")
        do {
            try db.run("INSERT INTO t VALUES (1)")
            Issue.record("expected a constraint error")
        } catch {
            #expect(error.isConstraint)
            #expect(error.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
            #expect(error.message.contains("UNIQUE"))
        }
        #expect(throws: SQLiteError.self) { try db.prepare("SELEKT 1") }
        do {
            _ = try db.prepare("SELECT nope FROM t")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("nope"))
            #expect(error.description.contains("SELECT nope FROM t"))
        }
    }

    @Test func pragmasAndWAL() throws {
        let tmp = TempDB()
        let db = try Database(path: tmp.path)
        #expect(try db.setPragma("journal_mode", "WAL") == "wal")
        try db.setPragma("foreign_keys", "ON")
        #expect(try db.pragma("foreign_keys") == "1")
        #expect(!SQLiteLibrary.version.isEmpty)
    }

    @Test func openingANonDatabaseFailsOnFirstRead() throws {
        let tmp = TempDB()
        let fd = open(tmp.path, O_WRONLY | O_CREAT, 0o644)
        let junk = Array(repeating: UInt8(ascii: "x"), count: 4096)
        _ = junk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let db = try Database(path: tmp.path)
        do {
            _ = try db.scalarInt("SELECT count(*) FROM sqlite_master")
            Issue.record("expected SQLITE_NOTADB")
        } catch {
            #expect(error.isCorrupt)
        }
    }

    @Test func readOnlyOpenOfMissingFileFails() {
        #expect(throws: SQLiteError.self) { try Database(path: "/nonexistent-dir-fw/x.db", mode: .readOnly) }
    }
}

import CSQLite

public enum SQLiteLibrary {
    /// The SQLite library version in use, e.g. `3.40.1`.
    public static var version: String { String(cString: sqlite3_libversion()) }
}

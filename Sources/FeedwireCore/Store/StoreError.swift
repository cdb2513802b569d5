import FeedwireSQLite

/// Why the state database could not be used. `description` is the message
/// for people: it names the file, says what happened and what to do.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file was written by a newer Feedwire (its schema version is higher
    /// than this build knows). Opening it could lose data, so we refuse.
    case newerSchema(path: String, found: Int, supported: Int)
    /// Opened for reading only, but the schema is older than this build and
    /// needs the migration a writer (`feedwire run`, `once`, `ingest`) performs.
    case olderSchema(path: String, found: Int, supported: Int)
    /// Another Feedwire process holds the write lock.
    case locked(path: String, holder: String?)
    /// SQLite stayed busy past `busy_timeout` (a foreign writer, e.g. the sqlite3 shell).
    case busy(path: String, message: String)
    /// The file or its directory could not be opened or created.
    case cannotOpen(path: String, reason: String)
    /// The file is not an SQLite database, or is damaged.
    case notADatabase(path: String, reason: String)
    /// Reading state for a feed name the store has never seen.
    case unknownFeed(String)
    /// Any other SQLite failure.
    case sqlite(path: String, error: SQLiteError)

    /// True for the errors that mean "cannot start" (exit code 3).
    public var isCannotStart: Bool {
        switch self {
        case .newerSchema, .olderSchema, .locked, .cannotOpen, .notADatabase: return true
        case .busy, .unknownFeed, .sqlite: return false
        }
    }

    public var description: String {
        switch self {
        case let .newerSchema(path, found, supported):
            return "cannot start: state database \(path) was written by a newer Feedwire (schema \(found) > \(supported)); "
                + "upgrade feedwire or use another state path"
        case let .olderSchema(path, found, supported):
            return "state database \(path) has schema \(found) but this Feedwire reads schema \(supported); "
                + "run a command that writes (feedwire once, run or ingest) once to upgrade it"
        case let .locked(path, holder):
            return "cannot start: state database \(path) is in use by another Feedwire process"
                + (holder.map { " (\($0))" } ?? "") + "; stop it first or use another state path"
        case let .busy(path, message):
            return "state database \(path) stayed locked by another program for more than 5 s (\(message)); "
                + "close other programs writing to it and try again"
        case let .cannotOpen(path, reason):
            return "cannot start: cannot open state database \(path): \(reason); "
                + "check that the directory exists and is writable by this user"
        case let .notADatabase(path, reason):
            return "cannot start: \(path) is not a Feedwire state database (\(reason)); "
                + "move it away or point [daemon] state at another path"
        case let .unknownFeed(name):
            return "feed \(name) is not in the state database; add it to feeds.conf (or pass --feed to ingest)"
        case let .sqlite(path, error):
            return "state database \(path): \(error)"
        }
    }

    /// Wraps a SQLite error with the path, classifying the common cases.
    static func from(_ error: SQLiteError, path: String) -> StoreError {
        if error.isBusy { return .busy(path: path, message: error.message) }
        if error.isCorrupt { return .notADatabase(path: path, reason: error.message) }
        if error.isCannotOpen { return .cannotOpen(path: path, reason: error.message) }
        return .sqlite(path: path, error: error)
    }
}

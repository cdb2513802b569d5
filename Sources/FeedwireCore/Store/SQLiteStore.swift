import FeedwireSQLite
import Glibc

/// The embedded state store: one SQLite file in WAL mode
/// (`journal_mode=WAL`, `synchronous=FULL` so a committed refresh survives
/// power loss, `busy_timeout=5000`, `foreign_keys=ON`), one connection,
/// every call serialised by an internal mutex. Implements `StateStore` (the
/// pipeline), `StoryReader` (outputs) and `DeliveryQueue` (the notifier).
///
/// Opened `.writer`, it takes the process-wide write lock (`StoreLock`) and
/// migrates the schema; `.reader` only checks the schema version and can
/// run beside a writer (WAL readers never block the writer).
public final class SQLiteStore: @unchecked Sendable {
    // @unchecked Sendable: `db` and `feedIDs` are only touched inside `mutex.locked`.
    public enum Mode: Sendable { case writer, reader }

    public let path: String
    public let mode: Mode
    let db: Database
    private let writeLock: StoreLock?
    private let mutex = StoreMutex()
    /// Feed name → row id (feeds are never deleted while the store is open).
    var feedIDs: [String: Int64] = [:]

    public init(path: String, mode: Mode = .writer) throws {
        self.path = path
        self.mode = mode
        do {
            writeLock = mode == .writer ? try StoreLock(statePath: path) : nil
            if mode == .reader, access(path, F_OK) != 0 {
                throw StoreError.cannotOpen(path: path, reason: "no such file (nothing has been fetched or ingested yet)")
            }
            db = try SQLiteStore.openDatabase(path: path, mode: mode)
            db.setBusyTimeout(milliseconds: 5_000)
            // A file that is not a database fails on its first read.
            _ = try db.scalarInt("SELECT count(*) FROM sqlite_master")
            if mode == .writer {
                if try db.scalarInt("SELECT count(*) FROM sqlite_master") == 0 {
                    // A new file: 8 KiB pages hold items (~1.5 KiB each with text) with
                    // less slack than 4 KiB ones. Only possible before the first write.
                    try db.setPragma("page_size", "8192")
                }
                let journal = try db.setPragma("journal_mode", "WAL")
                if journal?.lowercased() != "wal" {
                    throw StoreError.cannotOpen(path: path, reason: "could not switch to WAL mode (got \(journal ?? "nothing"))")
                }
            }
            try db.setPragma("synchronous", "FULL")
            // Checkpoint every ~64 MB of WAL rather than every 4 MB: fewer copies
            // of hot index pages into the database file; after a checkpoint the
            // WAL file is cut back to 16 MB.
            try db.setPragma("wal_autocheckpoint", "8000")
            try db.setPragma("journal_size_limit", "16777216")
            try db.setPragma("foreign_keys", "ON")
            if mode == .writer {
                try StoreSchema.migrate(db, path: path)
            } else {
                try StoreSchema.check(db, path: path)
            }
        } catch let error as SQLiteError {
            throw StoreError.from(error, path: path)
        }
    }

    /// The schema version this build writes.
    public static var schemaVersion: Int { StoreSchema.version }

    static func openDatabase(path: String, mode: Mode) throws(SQLiteError) -> Database {
        if mode == .writer { return try Database(path: path, mode: .readWriteCreate) }
        // A reader without write access to the directory (another user running
        // `feedwire status`) can still read a WAL database read-only.
        let first: SQLiteError
        do {
            return try Database(path: path, mode: .readWrite)
        } catch {
            first = error
        }
        guard first.isCannotOpen else { throw first }
        return try Database(path: path, mode: .readOnly)
    }

    /// True when the database answers a trivial query (for `/healthz` and
    /// the watchdog: a store that cannot read cannot make progress).
    public func ping() -> Bool {
        (try? locked { try db.scalarInt("SELECT 1") }) == 1
    }

    /// Rows changed through this connection since it opened (for the benchmark).
    public var totalChanges: Int { mutex.locked { db.totalChanges } }

    /// Runs `body` under the store's mutex, mapping SQLite errors to `StoreError`.
    @discardableResult
    func locked<T>(_ body: () throws -> T) throws -> T {
        try mutex.locked {
            do {
                return try body()
            } catch let error as SQLiteError {
                throw StoreError.from(error, path: path)
            }
        }
    }

    /// Runs `body` in one IMMEDIATE transaction under the mutex.
    @discardableResult
    func write<T>(_ body: () throws -> T) throws -> T {
        try locked { try db.transaction(.immediate) { try body() } }
    }

    func bumpContentVersion() throws {
        try db.run("UPDATE meta SET value = value + 1 WHERE key = 'content_version'")
    }

    // MARK: Feeds

    func feedID(_ name: String) throws -> Int64 {
        if let id = feedIDs[name] { return id }
        guard let id = try db.scalarInt("SELECT id FROM feeds WHERE name = ?", [.text(name)]) else {
            throw StoreError.unknownFeed(name)
        }
        feedIDs[name] = id
        return id
    }

    static let feedColumns = """
        f.name, f.url, f.configured_url, f.title, f.link, f.disabled, f.disabled_reason, f.etag, f.last_modified,
        f.doc_hash, f.last_fetch, f.last_success, f.last_outcome, f.last_status, f.last_error, f.consecutive_errors,
        f.next_due, f.baseline_at, f.new_items, f.last_new_at, f.mean_gap, f.guid_unstable,
        (SELECT count(*) FROM items i WHERE i.feed_id = f.id AND i.present = 1)
        """

    static func decodeFeed(_ s: Statement) -> FeedState {
        FeedState(
            name: s.text(0), url: s.text(1), configuredURL: s.text(2), title: s.optionalText(3), link: s.optionalText(4),
            disabled: s.bool(5), disabledReason: s.optionalText(6), etag: s.optionalText(7),
            lastModified: s.optionalText(8), documentHash: s.optionalInt64(9), lastFetch: s.timestamp(10),
            lastSuccess: s.timestamp(11), lastOutcome: s.optionalText(12).flatMap(FetchRecord.Outcome.init(rawValue:)),
            lastStatus: s.optionalInt64(13).map { Int($0) }, lastError: s.optionalText(14),
            consecutiveErrors: s.int(15), nextDue: s.timestamp(16), baselineAt: s.timestamp(17), itemCount: s.int(22),
            newItemCount: s.int(18), lastNewItemAt: s.timestamp(19), meanNewItemGap: s.optionalDouble(20),
            guidUnstable: s.bool(21))
    }
}

extension SQLiteStore: StateStore {
    public func syncFeeds(_ feeds: [FeedConfig], now: Timestamp) throws {
        try write {
            let before = Set(try db.query("SELECT name FROM feeds WHERE configured = 1") { $0.text(0) })
            try db.run("UPDATE feeds SET configured = 0 WHERE configured = 1", [])
            for feed in feeds {
                let known = try db.query("SELECT id, configured_url FROM feeds WHERE name = ?", [.text(feed.name)]) {
                    ($0.int64(0), $0.text(1))
                }
                if let (id, configured) = known.first {
                    feedIDs[feed.name] = id
                    try db.run("UPDATE feeds SET configured = 1 WHERE id = ?", [.integer(id)])
                    guard configured != feed.url else { continue }
                    try db.run("""
                        UPDATE feeds SET configured_url = ?1, url = ?1, etag = NULL, last_modified = NULL,
                            disabled = 0, disabled_reason = NULL, consecutive_errors = 0 WHERE id = ?2
                        """, [.text(feed.url), .integer(id)])
                } else {
                    try db.run("INSERT INTO feeds(name, url, configured_url, created_at) VALUES (?1, ?2, ?2, ?3)",
                               [.text(feed.name), .text(feed.url), .integer(now.seconds)])
                    feedIDs[feed.name] = db.lastInsertRowID
                }
            }
            // A feed joined or left the configuration: outputs over every
            // feed must render again even though no item changed.
            if before != Set(feeds.map(\.name)) { try bumpContentVersion() }
        }
    }

    public func ensureFeed(named name: String, url: String, now: Timestamp) throws {
        try write {
            try db.run("INSERT OR IGNORE INTO feeds(name, url, configured_url, created_at) VALUES (?1, ?2, ?2, ?3)",
                       [.text(name), .text(url), .integer(now.seconds)])
        }
    }

    public func feedState(named name: String) throws -> FeedState? {
        try locked {
            try db.query("SELECT \(SQLiteStore.feedColumns) FROM feeds f WHERE f.name = ?", [.text(name)],
                         SQLiteStore.decodeFeed).first
        }
    }

    public func feedStates() throws -> [FeedState] {
        try locked { try db.query("SELECT \(SQLiteStore.feedColumns) FROM feeds f ORDER BY f.name", [], SQLiteStore.decodeFeed) }
    }

    public func setNextDue(_ dues: [String: Timestamp?]) throws {
        guard !dues.isEmpty else { return }
        try write {
            for (feed, at) in dues.sorted(by: { $0.key < $1.key }) {
                try db.run("UPDATE feeds SET next_due = ? WHERE name = ?", [.optional(at?.seconds), .text(feed)])
            }
        }
    }

    public func refresh(_ request: RefreshRequest, route: (EventWithItem) -> [String]) throws -> RefreshOutcome {
        let prepared = PreparedItem.prepare(request.document, limits: request.policy.limits)
        return try write {
            if let url = request.createWithURL, feedIDs[request.feed] == nil {
                try db.run("INSERT OR IGNORE INTO feeds(name, url, configured_url, created_at) VALUES (?1, ?2, ?2, ?3)",
                           [.text(request.feed), .text(url), .integer(request.now.seconds)])
            }
            let feedID = try feedID(request.feed)
            if let hash = request.documentHash,
               try db.scalarInt("SELECT doc_hash FROM feeds WHERE id = ?", [.integer(feedID)]) == hash {
                // Identical bytes cannot change anything: bookkeeping only.
                var outcome = RefreshOutcome()
                if var fetch = request.fetch {
                    fetch.outcome = .unchanged
                    for event in try recordFetchLocked(feedID: feedID, feed: request.feed, fetch) {
                        let saved = try insertEvent(event)
                        outcome.events.append(saved)
                        outcome.outboxRows += try insertOutbox(saved, targets: route(EventWithItem(event: saved, entry: nil)),
                                                               now: request.now)
                    }
                }
                return outcome
            }
            var input = try loadInput(feedID: feedID, feed: request.feed, items: prepared, now: request.now,
                                      policy: request.policy)
            let result = try reconcileLoading(&input, items: prepared, now: request.now, policy: request.policy)
            let targets = result.events.indices.map { route(result.preview($0)) }
            let outcome = try applyLocked(result, document: request.document, documentHash: request.documentHash,
                                          fetch: request.fetch, targets: targets, policy: request.policy, healthRoute: route)
            CrashPoint.hit(CrashPoint.ingestBeforeCommit)
            return outcome
        }
    }

    @discardableResult
    public func recordFetch(feed: String, _ record: FetchRecord, route: (EventWithItem) -> [String]) throws -> [ChangeEvent] {
        try write { try recordFetchStoring(feed: feed, record, route: route) }
    }

    @discardableResult
    public func recordFetches(_ records: [(feed: String, record: FetchRecord)], route: (EventWithItem) -> [String]) throws
        -> [ChangeEvent] {
        guard !records.isEmpty else { return [] }
        return try write {
            var stored: [ChangeEvent] = []
            for entry in records { stored += try recordFetchStoring(feed: entry.feed, entry.record, route: route) }
            return stored
        }
    }

    /// One fetch record and its health events with their outbox rows; inside a write transaction.
    private func recordFetchStoring(feed: String, _ record: FetchRecord, route: (EventWithItem) -> [String]) throws
        -> [ChangeEvent] {
        let id = try feedID(feed)
        let events = try recordFetchLocked(feedID: id, feed: feed, record)
        var stored: [ChangeEvent] = []
        for event in events {
            let saved = try insertEvent(event)
            try insertOutbox(saved, targets: route(EventWithItem(event: saved, entry: nil)), now: record.at)
            stored.append(saved)
        }
        return stored
    }
}

extension Statement {
    /// A nullable integer column as a timestamp.
    func timestamp(_ column: Int32) -> Timestamp? {
        isNull(column) ? nil : Timestamp(seconds: int64(column))
    }
}

/// A pthread mutex owned by one object (the store): simple, non-reentrant,
/// and free of the region-isolation rules `Synchronization.Mutex` imposes
/// on closures that capture non-Sendable arguments.
final class StoreMutex: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @discardableResult
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

@testable import FeedwireCore
import FeedwireSQLite
import FeedwireTestSupport
import Testing

/// Schema v2's output order indexes: the planner must use them for both
/// output sorts, and a v1 database must migrate to v2 keeping its rows.
@Suite struct StoreSchemaTests {
    private func plan(_ db: Database, _ query: StoryQuery) throws -> String {
        let (sql, values) = SQLiteStore.storiesSQL(query)
        return try db.query("EXPLAIN QUERY PLAN " + sql, values) { $0.text(3) }.joined(separator: "\n")
    }

    @Test(arguments: [(OutputSort.published, "items_published_order"), (.changed, "items_changed_order")])
    func outputsWalkTheOrderIndex(sort: OutputSort, index: String) throws {
        let h = try TrackHarness()
        try h.fetch("a", (1...30).map { story($0) })
        let db = try Database(path: h.path, mode: .readOnly)
        let plan = try plan(db, StoryQuery(sort: sort, limit: 10))
        #expect(plan.contains(index), "\(plan)")
        #expect(!plan.contains("USE TEMP B-TREE FOR ORDER BY"), "\(plan)")
        #expect(try h.store.stories(StoryQuery(sort: sort, limit: 10)).count == 10)
    }

    @Test func aVersionOneDatabaseMigratesAndKeepsItsItems() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("state.db")
        do {
            let db = try Database(path: path)
            try db.execute(StoreSchema.migrations[0])
            try db.execute("PRAGMA user_version = 1")
            try db.execute("INSERT INTO feeds(name, url, created_at) VALUES ('a', 'https://a.example.com/feed', 0)")
        }
        let store = try SQLiteStore(path: path)
        #expect(try store.db.scalarInt("PRAGMA user_version") == Int64(StoreSchema.version))
        #expect(try store.db.scalarInt("SELECT count(*) FROM feeds WHERE name = 'a'") == 1)
        #expect(try store.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name LIKE 'items_%_order'") == 2)
    }
}

@Suite struct NextDueTests {
    @Test func dueTimesAreWrittenTogetherAndUnknownFeedsSkipped() throws {
        let h = try TrackHarness()
        try h.store.setNextDue(["a": epoch + 900, "b": nil, "gone-feed": epoch])
        let states = Dictionary(uniqueKeysWithValues: try h.store.feedStates().map { ($0.name, $0) })
        #expect(states["a"]?.nextDue == epoch + 900)
        #expect(states["b"]?.nextDue == nil)
        #expect(states["gone-feed"] == nil)
        try h.store.setNextDue(["a": nil])
        #expect(try h.store.feedState(named: "a")?.nextDue == nil)
    }
}

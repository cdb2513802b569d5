@testable import FeedwireCore
import FeedwireSQLite
import FeedwireTestSupport
import Glibc
import Testing

@Suite struct SQLiteStoreTests {
    @Test func pragmasAndSchemaVersion() throws {
        let h = try TrackHarness()
        let db = try Database(path: h.path, mode: .readOnly)
        #expect(try db.pragma("journal_mode") == "wal")
        #expect(try db.scalarInt("PRAGMA user_version") == Int64(SQLiteStore.schemaVersion))
        #expect(h.store.db.isAutocommit)
        #expect(try h.store.db.pragma("synchronous") == "2")  // FULL
        #expect(try h.store.db.pragma("foreign_keys") == "1")
        #expect(try h.store.db.pragma("busy_timeout") == "5000")
        #expect(try h.store.db.pragma("page_size") == "8192")
        #expect(h.store.ping())
    }

    @Test func aDatabaseFromANewerFeedwireIsRefused() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("state.db")
        do { _ = try SQLiteStore(path: path) }
        let db = try Database(path: path)
        try db.execute("PRAGMA user_version = 99")
        do {
            _ = try SQLiteStore(path: path)
            Issue.record("opened a newer database")
        } catch let error as StoreError {
            #expect(error == .newerSchema(path: path, found: 99, supported: SQLiteStore.schemaVersion))
            #expect(error.isCannotStart)
            #expect(error.description == "cannot start: state database \(path) was written by a newer Feedwire "
                + "(schema 99 > \(SQLiteStore.schemaVersion)); upgrade feedwire or use another state path")
        }
        #expect(throws: StoreError.self) { _ = try SQLiteStore(path: path, mode: .reader) }
    }

    @Test func oneWriterAtATime() throws {
        let h = try TrackHarness()
        do {
            _ = try SQLiteStore(path: h.path)
            Issue.record("a second writer opened the database")
        } catch let error as StoreError {
            guard case let .locked(path, holder) = error else { Issue.record("unexpected \(error)"); return }
            #expect(path == h.path)
            #expect(holder == "pid \(getpid())")
            #expect(error.isCannotStart)
            #expect(error.description.contains("in use by another Feedwire process"))
        }
        // Readers are welcome while the writer runs.
        let reader = try SQLiteStore(path: h.path, mode: .reader)
        #expect(try reader.feedStates().map(\.name) == ["a", "b"])
    }

    @Test func theWriteLockIsReleasedWithTheStore() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("state.db")
        do { _ = try SQLiteStore(path: path) }
        _ = try SQLiteStore(path: path)
    }

    @Test func notADatabaseIsACannotStartError() throws {
        let dir = TemporaryDirectory()
        let path = try dir.write("state.db", String(repeating: "not sqlite ", count: 500))
        do {
            _ = try SQLiteStore(path: path)
            Issue.record("opened junk")
        } catch let error as StoreError {
            guard case .notADatabase = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.isCannotStart)
        }
    }

    @Test func aReaderOfAMissingFileSaysSo() {
        #expect(throws: StoreError.self) { _ = try SQLiteStore(path: "/tmp/fw-missing-\(getpid())/state.db", mode: .reader) }
    }

    @Test func aFailedApplyLeavesNothingHalfWritten() throws {
        let h = try TrackHarness()
        try h.fetch("a", [story(1)])
        let before = try h.store.tableCounts()
        let version = try h.store.contentVersion()
        let prepared = PreparedItem.prepare({ var d = ParsedFeed(format: .rss20); d.items = [story(2), story(1)]; return d }())
        let input = try h.store.reconcileInput(feed: "a", items: prepared, now: h.now + 60)
        var result = Reconciler.reconcile(input, items: prepared, now: h.now + 60, policy: h.policy)
        #expect(result.newItems.count == 1)
        #expect(result.events.count == 1)
        // An edit of an item that does not exist: its revision row violates the foreign key
        // after the new item, its revision, its event and outbox rows were written.
        result.edits.append(ItemEdit(
            itemID: 999_999, prepared: prepared[0], text: ItemText(prepared[0].item), previous: ItemText(prepared[1].item), revision: 2, changedFields: [.title],
            previousTitle: nil, titleDiff: nil, textDiff: nil, published: nil, updated: nil, dateClamped: false,
            announced: true, reappeared: false, identityChanged: false,
            record: ItemRecord(id: 999_999, storyID: 999_999, feed: "a", title: "x", firstSeen: h.now)))
        #expect(throws: StoreError.self) {
            _ = try h.store.apply(result, targets: [["chat"]])
        }
        #expect(try h.store.tableCounts() == before)
        #expect(try h.store.contentVersion() == version)
        #expect(try h.store.pendingCounts().isEmpty)
        // The store is usable afterwards and the same refresh succeeds.
        #expect(try h.fetch("a", [story(2, published: h.now), story(1)]).kinds == [.new])
    }

    @Test func unknownFeedsAreReported() throws {
        let h = try TrackHarness()
        #expect(throws: StoreError.unknownFeed("nope")) {
            _ = try h.store.refresh(RefreshRequest(feed: "nope", document: ParsedFeed(format: .rss20), now: h.now)) { _ in [] }
        }
        // `ingest` creates the feed in the same transaction.
        var document = ParsedFeed(format: .rss20)
        document.items = [story(1)]
        let outcome = try h.store.refresh(RefreshRequest(feed: "fresh", document: document, now: h.now,
                                                         createWithURL: "https://fresh.example.com/rss")) { _ in [] }
        #expect(outcome.baseline)
        #expect(try h.store.feedState(named: "fresh")?.url == "https://fresh.example.com/rss")
        #expect(try h.store.feedState(named: "fresh")?.itemCount == 1)
    }

    @Test func identicalDocumentBytesAreSkipped() throws {
        let h = try TrackHarness()
        let bytes = Array("<rss>…</rss>".utf8)
        let hash = Fingerprint.document(bytes, base: nil)
        try h.fetch("a", [story(1)], hash: hash)
        #expect(try h.store.feedState(named: "a")?.documentHash == hash)
        let changes = h.store.totalChanges
        // Even a different parse would be skipped: identical bytes cannot change anything.
        let outcome = try h.fetch("a", [story(2), story(1)], hash: hash)
        #expect(outcome == RefreshOutcome())
        #expect(h.store.totalChanges == changes)
        #expect(Fingerprint.document(bytes, base: "https://x/") != hash)
    }

    @Test func syncFeedsKeepsStateAcrossURLChanges() throws {
        let h = try TrackHarness(feeds: [])
        try h.store.syncFeeds([FeedConfig(name: "a", url: "https://old.example.com/rss")], now: h.now)
        try h.fetch("a", [story(1)])
        _ = try h.store.recordFetch(feed: "a", FetchRecord(at: h.now, outcome: .updated, httpStatus: 200,
                                                           validators: Validators(etag: "\"v1\"", lastModified: nil))) { _ in [] }
        #expect(try h.store.feedState(named: "a")?.etag == "\"v1\"")
        try h.store.syncFeeds([FeedConfig(name: "a", url: "https://new.example.com/rss"),
                               FeedConfig(name: "c", url: "https://c.example.com/")], now: h.now)
        let state = try #require(try h.store.feedState(named: "a"))
        #expect(state.url == "https://new.example.com/rss")
        #expect(state.configuredURL == "https://new.example.com/rss")
        #expect(state.etag == nil)
        #expect(state.itemCount == 1)
        #expect(state.baselineAt != nil)
        #expect(try h.fetch("a", [story(1)]).events.isEmpty)
        #expect(try h.store.feedStates().map(\.name) == ["a", "c"])
    }

    @Test func aFeedRemovedFromTheConfigurationLeavesEveryFeedOutputsButKeepsItsState() throws {
        let h = try TrackHarness(feeds: [])
        let both = [FeedConfig(name: "a", url: "https://a.example.com/rss"), FeedConfig(name: "b", url: "https://b.example.com/rss")]
        try h.store.syncFeeds(both, now: h.now)
        try h.fetch("a", [story(1)])
        try h.fetch("b", [story(2, site: "https://b.example.com")])
        #expect(try h.store.stories(StoryQuery()).count == 2)

        let version = try h.store.contentVersion()
        try h.store.syncFeeds([both[0]], now: h.now)
        #expect(try h.store.contentVersion() > version)  // outputs over every feed render again
        #expect(try h.store.stories(StoryQuery()).map { $0.item.link } == ["https://a.example.com/story/1"])
        #expect(try h.store.stories(StoryQuery(feeds: ["b"])).count == 1)  // named explicitly, still there
        #expect(try h.store.feedState(named: "b")?.itemCount == 1)

        let unchanged = try h.store.contentVersion()
        try h.store.syncFeeds([both[0]], now: h.now)
        #expect(try h.store.contentVersion() == unchanged)
        try h.store.syncFeeds(both, now: h.now)
        #expect(try h.store.stories(StoryQuery()).count == 2)
        #expect(try h.fetch("b", [story(2, site: "https://b.example.com")]).events.isEmpty)  // resumes, nothing new
    }

    @Test func fetchBookkeepingAndHealthEvents() throws {
        let h = try TrackHarness(feeds: [])
        try h.store.syncFeeds([FeedConfig(name: "a", url: "https://a.example.com/rss")], now: h.now)
        let route: (EventWithItem) -> [String] = { $0.event.kind.isHealth ? ["ops"] : [] }
        var events = try h.store.recordFetch(feed: "a", FetchRecord(at: h.now, outcome: .notModified, httpStatus: 304,
                                                                   nextDue: h.now + 900), route: route)
        #expect(events.isEmpty)
        var state = try #require(try h.store.feedState(named: "a"))
        #expect(state.lastOutcome == .notModified)
        #expect(state.lastFetch == h.now)
        #expect(state.lastSuccess == h.now)
        #expect(state.nextDue == h.now + 900)
        for n in 1...4 {
            events = try h.store.recordFetch(feed: "a", FetchRecord(at: h.now + Int64(n), outcome: .httpError, httpStatus: 500,
                                                                   error: "answered 500"), route: route)
            #expect(events.map(\.kind) == (n == 3 ? [.feedFailing] : []))
        }
        state = try #require(try h.store.feedState(named: "a"))
        #expect(state.consecutiveErrors == 4)
        #expect(state.lastError == "answered 500")
        #expect(state.lastSuccess == h.now)
        events = try h.store.recordFetch(feed: "a", FetchRecord(at: h.now + 10, outcome: .updated, httpStatus: 200,
                                                               movedTo: "https://a.example.com/v2/rss"), route: route)
        #expect(events.map(\.kind) == [.feedRecovered, .feedMoved])
        #expect(events[1].fromURL == "https://a.example.com/rss")
        #expect(events[1].toURL == "https://a.example.com/v2/rss")
        state = try #require(try h.store.feedState(named: "a"))
        #expect(state.url == "https://a.example.com/v2/rss")
        #expect(state.configuredURL == "https://a.example.com/rss")
        #expect(state.consecutiveErrors == 0)
        events = try h.store.recordFetch(feed: "a", FetchRecord(at: h.now + 20, outcome: .gone, httpStatus: 410), route: route)
        #expect(events.map(\.kind) == [.feedDisabled])
        #expect(try h.store.feedState(named: "a")?.disabled == true)
        // Health events went to the outbox with event-id keys.
        let queued = try h.store.listMessages(target: "ops", states: [.pending], limit: 10)
        #expect(queued.map(\.event.kind) == [.feedDisabled, .feedMoved, .feedRecovered, .feedFailing])
        #expect(queued[0].idempotencyKey == "fw-e\(queued[0].event.id)-ops")
        // A second 410 does not repeat the event.
        #expect(try h.store.recordFetch(feed: "a", FetchRecord(at: h.now + 30, outcome: .gone, httpStatus: 410),
                                        route: route).isEmpty)
    }

    @Test func publishingStatisticsFollowNewItems() throws {
        let h = try TrackHarness()
        try h.fetch("a", [story(1, published: at(minutes: -10)), story(2, published: at(minutes: -40))])
        var state = try #require(try h.store.feedState(named: "a"))
        #expect(state.meanNewItemGap == 1_800)
        #expect(state.newItemCount == 0)
        try h.fetch("a", [story(3, published: h.now), story(1), story(2)], advance: 600)
        state = try #require(try h.store.feedState(named: "a"))
        #expect(state.newItemCount == 1)
        #expect(state.lastNewItemAt == h.now)
        #expect(state.itemCount == 3)
        #expect(state.publishingStats == PublishingStats(lastNewItemAt: Double(h.now.seconds),
                                                         watchingSince: Double(epoch.seconds + 60)))
    }
}

@Suite struct ItemExtraTests {
    @Test func roundTripsAuthorsCategoriesEnclosuresAndImage() throws {
        let authors = [Person(name: "Tom \"T\" O’Neill", email: "t@x.org"), Person(uri: "https://x.org/a\\b")]
        let enclosures = [Enclosure(url: "https://cdn.x/a.mp3", type: "audio/mpeg", length: 123_456), Enclosure(url: "https://x/b")]
        let json = ItemExtra.encode(authors: authors, categories: ["Politik", "a\nb"], enclosures: enclosures,
                                    image: "https://x/i.jpg")
        var record = ItemRecord(id: 1, storyID: 1, feed: "a", title: "t", firstSeen: epoch)
        ItemExtra.decode(try #require(json), into: &record)
        #expect(record.authors == authors)
        #expect(record.categories == ["Politik", "a\nb"])
        #expect(record.enclosures == enclosures)
        #expect(record.image == "https://x/i.jpg")
        #expect(ItemExtra.encode(authors: [], categories: [], enclosures: [], image: nil) == nil)
        #expect(ItemExtra.encode(authors: [], categories: ["x"], enclosures: [], image: nil) == #"{"c":["x"]}"#)
    }
}

@Suite struct FetchRecordMappingTests {
    let now = Timestamp(seconds: 1_764_072_000)

    func record(_ result: Result<HTTPResponse, TransportError>) -> FetchRecord {
        FetchRecord(FetchOutcome.classify(result, subject: "feed wire", now: now), at: now)
    }

    @Test func mapsFetchOutcomesToBookkeeping() {
        var headers = HTTPHeaders()
        headers.add("ETag", "\"v2\"")
        let ok = record(.success(HTTPResponse(status: 200, headers: headers, body: [1], finalURL: "https://w/rss")))
        #expect(ok.outcome == .updated)
        #expect(ok.validators?.etag == "\"v2\"")
        #expect(ok.error == nil)
        let moved = record(.success(HTTPResponse(status: 200, body: [1], finalURL: "https://w/v2", redirects: 1,
                                                 permanentRedirect: true)))
        #expect(moved.outcome == .updated)
        #expect(moved.movedTo == "https://w/v2")
        #expect(record(.success(HTTPResponse(status: 304, finalURL: "https://w/rss"))).outcome == .notModified)
        #expect(record(.success(HTTPResponse(status: 410, finalURL: "https://w/rss"))).outcome == .gone)
        let failed = record(.success(HTTPResponse(status: 503, finalURL: "https://w/rss")))
        #expect(failed.outcome == .httpError)
        #expect(failed.httpStatus == 503)
        #expect(failed.error?.contains("feed wire") == true)
        #expect(failed.validators == nil)
        #expect(record(.failure(.timeout("30 s"))).outcome == .networkError)
        #expect(record(.failure(.dns("no such host"))).outcome == .networkError)
    }
}

@testable import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct OutboxTests {
    /// A feed with a baseline, then two new items and one edit routed to two targets.
    func queued() throws -> (TrackHarness, [ChangeEvent]) {
        let h = try TrackHarness()
        try h.fetch("a", [story(1)])
        let two = try h.fetch("a", [story(2, published: h.now), story(3, published: h.now - 30), story(1)],
                              targets: ["discord", "matrix"])
        var edited = story(1)
        edited.title = "UPDATE: edited headline"
        let three = try h.fetch("a", [story(2, published: h.now - 60), story(3, published: h.now - 90), edited],
                                targets: ["discord"])
        return (h, two.events + three.events)
    }

    @Test func oneRowPerEventAndTargetWithStableKeys() throws {
        let (h, events) = try queued()
        #expect(events.map(\.kind) == [.new, .new, .updated])
        #expect(try h.store.pendingCounts() == ["discord": 3, "matrix": 2])
        let due = try h.store.dueMessages(target: "discord", now: h.now, limit: 10)
        #expect(due.map(\.event.id) == events.map(\.id))  // oldest first
        for message in due {
            let e = message.event
            #expect(message.idempotencyKey == "fw-\(e.itemID!)-\(e.revision!)-discord")
            #expect(message.idempotencyKey == OutboxMessage.idempotencyKey(event: e, target: "discord"))
            #expect(message.state == .pending)
            #expect(message.attempts == 0)
            #expect(message.entry?.item.id == e.itemID)
            #expect(message.entry?.sources.first?.feed == "a")
        }
        #expect(due[2].entry?.item.title == "UPDATE: edited headline")
        #expect(due[2].event.titleDiff != nil)
        #expect(try h.store.dueMessages(target: "discord", now: h.now, limit: 1).count == 1)
        #expect(try h.store.nextDue(target: "matrix") == h.now - 60)
    }

    @Test func retryDeadDeliveredAndRemoteMessages() throws {
        let (h, _) = try queued()
        let due = try h.store.dueMessages(target: "discord", now: h.now, limit: 10)
        try h.store.markRetry(due[0].id, attempts: 1, notBefore: h.now + 5, error: "HTTP 503")
        #expect(try h.store.dueMessages(target: "discord", now: h.now, limit: 10).map(\.id) == [due[1].id, due[2].id])
        let later = try h.store.dueMessages(target: "discord", now: h.now + 5, limit: 10)
        #expect(later.first?.attempts == 1)
        #expect(later.first?.lastError == "HTTP 503")
        #expect(try h.store.nextDue(target: "discord") == h.now - 60)

        try h.store.markDelivered([due[0].id], at: h.now, remote: RemoteMessage(id: "m-1", thread: "t-1"))
        try h.store.markDead([due[1].id], at: h.now, error: "400 invalid payload")
        #expect(try h.store.pendingCounts()["discord"] == 1)
        let story = try #require(due[0].event.storyID)
        #expect(try h.store.remoteMessage(target: "discord", storyID: story) == RemoteMessage(id: "m-1", thread: "t-1"))
        // The first announcement stays the reference for later edits.
        try h.store.markDelivered([due[0].id], at: h.now, remote: RemoteMessage(id: "m-9"))
        #expect(try h.store.remoteMessage(target: "discord", storyID: story) == RemoteMessage(id: "m-1", thread: "t-1"))
        try h.store.markDelivered([due[2].id], at: h.now, remote: RemoteMessage(id: "m-2"))
        let editedStory = try #require(due[2].event.storyID)
        #expect(try h.store.remoteMessage(target: "discord", storyID: editedStory) == RemoteMessage(id: "m-2"))
        #expect(try h.store.remoteMessage(target: "matrix", storyID: story) == nil)

        let dead = try h.store.listMessages(target: "discord", states: [.dead], limit: 10)
        #expect(dead.map(\.id) == [due[1].id])
        #expect(dead[0].lastError == "400 invalid payload")
        #expect(try h.store.listMessages(target: nil, states: [], limit: 100).count == 5)
        // Marking a delivered row dead does nothing.
        try h.store.markDead([due[0].id], at: h.now, error: "late")
        #expect(try h.store.listMessages(target: "discord", states: [.delivered], limit: 10).count == 2)
    }

    /// The key a row went out under is stored before the request leaves, so
    /// that a restart sends the same message again (DeliveryPlanner.replay).
    @Test func theKeyARowWasSentUnderIsKept() throws {
        let (h, _) = try queued()
        let due = try h.store.dueMessages(target: "discord", now: h.now, limit: 10)
        #expect(due.allSatisfy { $0.sentKey == nil })
        try h.store.markSending([due[0].id, due[1].id], key: "fw-d1-2-n2-discord")
        var again = try h.store.dueMessages(target: "discord", now: h.now, limit: 10)
        #expect(again.map(\.sentKey) == ["fw-d1-2-n2-discord", "fw-d1-2-n2-discord", nil])
        // A retry keeps it; a done row is not touched any more.
        try h.store.markRetry(due[0].id, attempts: 1, notBefore: h.now, error: "HTTP 503")
        try h.store.markDelivered([due[2].id], at: h.now, remote: nil)
        try h.store.markSending([due[2].id], key: "late")
        again = try h.store.dueMessages(target: "discord", now: h.now, limit: 10)
        #expect(again.map(\.sentKey) == ["fw-d1-2-n2-discord", "fw-d1-2-n2-discord"])
        let done = try h.store.listMessages(target: "discord", states: [.delivered], limit: 10)
        #expect(done.map(\.sentKey) == [nil])
    }

    @Test func requeueAndDropForTheCLI() throws {
        let (h, _) = try queued()
        let due = try h.store.dueMessages(target: "discord", now: h.now, limit: 10)
        try h.store.markDead([due[0].id, due[1].id], at: h.now, error: "gave up")
        #expect(try h.store.requeue(target: "discord", ids: [due[0].id], now: h.now + 100) == 1)
        let again = try h.store.dueMessages(target: "discord", now: h.now + 100, limit: 10)
        #expect(again.map(\.id) == [due[0].id, due[2].id])
        #expect(again[0].attempts == 0)
        #expect(try h.store.drop(target: "matrix", ids: nil, at: h.now) == 2)
        #expect(try h.store.pendingCounts()["matrix"] == nil)
        let dropped = try h.store.listMessages(target: "matrix", states: [.dead], limit: 10)
        #expect(dropped.allSatisfy { $0.lastError == "dropped by operator" })
        #expect(try h.store.requeue(target: nil, ids: nil, now: h.now + 200) == 5)
        #expect(try h.store.drop(target: nil, ids: [], at: h.now) == 0)
    }

    @Test func disabledTargetsGetNothingUntilEnabled() throws {
        let (h, _) = try queued()
        try h.store.disableTarget("discord", reason: "410 from the webhook", at: h.now)
        #expect(try h.store.disabledReason(target: "discord") == "410 from the webhook")
        #expect(try h.store.dueMessages(target: "discord", now: h.now, limit: 10).isEmpty)
        #expect(try h.store.pendingCounts()["discord"] == 3)
        try h.store.enableTarget("discord")
        #expect(try h.store.disabledReason(target: "discord") == nil)
        #expect(try h.store.dueMessages(target: "discord", now: h.now, limit: 10).count == 3)
    }

    @Test func theSameNotificationIsNeverQueuedTwice() throws {
        let h = try TrackHarness()
        try h.fetch("a", [story(1)])
        let outcome = try h.fetch("a", [story(2, published: h.now), story(1)], targets: ["x", "x", "y"])
        #expect(outcome.outboxRows == 2)
        let event = outcome.events[0]
        let again = try h.store.write { try h.store.insertOutbox(event, targets: ["x"], now: h.now) }
        #expect(again == 0)
    }

    @Test func routingSeesTheItemBeforeIdsAreKnown() throws {
        let h = try TrackHarness()
        try h.fetch("a", [story(1)])
        var seen: [EventWithItem] = []
        _ = try h.store.refresh(RefreshRequest(feed: "a", document: {
            var d = ParsedFeed(format: .rss20)
            d.items = [story(2, title: "Breaking: flood barrier approved", published: h.now), story(1)]
            return d
        }(), now: h.now + 60)) { event in
            seen.append(event)
            return event.entry?.item.title.contains("flood") == true ? ["flood-desk"] : []
        }
        #expect(seen.count == 1)
        #expect(seen[0].event.kind == .new)
        #expect(seen[0].entry?.item.feed == "a")
        #expect(try h.store.pendingCounts() == ["flood-desk": 1])
    }
}

@Suite struct StoryReaderTests {
    @Test func sortsFiltersAndLimits() throws {
        let h = try TrackHarness()
        try h.fetch("a", [story(1, published: at(minutes: -10)), story(2, published: at(minutes: -30))])
        try h.fetch("b", [story(3, site: "https://b.example.com", published: at(minutes: -20))])
        let all = try h.store.stories(StoryQuery())
        #expect(all.map(\.item.link) == ["https://a.example.com/story/1", "https://b.example.com/story/3",
                                         "https://a.example.com/story/2"])
        #expect(try h.store.stories(StoryQuery(limit: 1)).count == 1)
        #expect(try h.store.stories(StoryQuery(feeds: ["b"])).map(\.item.feed) == ["b"])
        #expect(try h.store.stories(StoryQuery(feeds: [])).isEmpty)
        #expect(try h.store.stories(StoryQuery(notBefore: at(minutes: -15))).count == 1)
        // An edit moves the item up when sorting by change.
        var edited = story(2, published: at(minutes: -30))
        edited.title = "Edited"
        try h.fetch("a", [story(1, published: at(minutes: -10)), edited])
        #expect(try h.store.stories(StoryQuery(sort: .changed)).first?.item.title == "Edited")
        // Tombstones are not shown.
        try h.fetch("a", [edited])
        #expect(try h.store.stories(StoryQuery(feeds: ["a"])).map(\.item.title) == ["Edited"])
    }

    @Test func contentVersionMovesOnlyWithChanges() throws {
        let h = try TrackHarness()
        let v0 = try h.store.contentVersion()
        try h.fetch("a", [story(1)])
        let v1 = try h.store.contentVersion()
        #expect(v1 > v0)
        try h.fetch("a", [story(1)])
        #expect(try h.store.contentVersion() == v1)
        try h.fetch("a", [story(2, published: h.now), story(1)])
        #expect(try h.store.contentVersion() > v1)
    }

    @Test func eventsForTheChangeLog() throws {
        let h = try TrackHarness()
        try h.fetch("a", [story(1)])
        try h.fetch("a", [story(2, published: h.now), story(1)])
        try h.fetch("a", [story(2, published: h.now)])
        let all = try h.store.events(afterID: 0, limit: 10)
        #expect(all.map(\.event.kind) == [.new, .gone])
        #expect(all[0].entry?.item.link == "https://a.example.com/story/2")
        #expect(all[1].entry?.item.present == false)
        #expect(all[1].entry?.sources.map(\.feed) == ["a"])
        #expect(try h.store.events(afterID: all[0].event.id, limit: 10).count == 1)
        #expect(try h.store.recentEvents(kinds: [.new], feeds: nil, limit: 10).map(\.event.kind) == [.new])
        #expect(try h.store.recentEvents(kinds: [], feeds: ["b"], limit: 10).isEmpty)
        #expect(try h.store.recentEvents(kinds: [], feeds: ["a"], limit: 10).map(\.event.kind) == [.gone, .new])
    }
}

@Suite struct RetentionAndHistoryTests {
    @Test func revisionsBeyondTheLimitArePrunedAsTheyAreWritten() throws {
        let h = try TrackHarness()
        h.policy.keepRevisions = 3
        h.policy.flapWindow = 0
        try h.fetch("a", [story(1)])
        for n in 1...6 { try h.fetch("a", [story(1, title: "Headline revision \(n)")], advance: 3600) }
        let id = try #require(try h.item("https://a.example.com/story/1")?.id)
        #expect(try h.store.revisions(itemID: id).map(\.revision) == [5, 6, 7])
        #expect(try h.store.item(id: id)?.revision == 7)
        // Lowering the setting later: the background batch catches up.
        let report = try h.store.pruneBatch(RetentionPolicy(keepRevisions: 1, keepItems: 86_400, batchSize: 1), now: h.now)
        #expect(report.revisionsDeleted == 1)
        #expect(report.moreWork)
        _ = try h.store.pruneBatch(RetentionPolicy(keepRevisions: 1, keepItems: 86_400), now: h.now)
        #expect(try h.store.revisions(itemID: id).map(\.revision) == [7])
    }

    @Test func oldTombstonesArePrunedInBatchesPresentItemsNever() throws {
        let h = try TrackHarness()
        try h.fetch("a", (1...5).map { story($0) })
        try h.fetch("a", [story(2, published: h.now), story(1)])  // 3, 4, 5 vanish
        let policy = RetentionPolicy(keepRevisions: 20, keepItems: 86_400, batchSize: 2)
        #expect(try h.store.pruneBatch(policy, now: h.now + 3600).itemsDeleted == 0)
        let later = h.now + 2 * 86_400
        let first = try h.store.pruneBatch(policy, now: later)
        #expect(first.itemsDeleted == 2)
        #expect(first.moreWork)
        let second = try h.store.pruneBatch(policy, now: later)
        #expect(second.itemsDeleted == 1)
        #expect(try h.store.tableCounts()["items"] == 2)
        #expect(try h.store.tableCounts()["revisions"] == 0)
        #expect(try h.store.events(afterID: 0, limit: 10).isEmpty)  // their gone events went too
        #expect(try h.items().count == 2)
    }

    @Test func historyFindsItemsByLinkGuidOrId() throws {
        let h = try TrackHarness()
        try h.fetch("a", [story(1)])
        var edited = story(1)
        edited.summary = edited.summary! + "<p>Clarification added.</p>"
        try h.fetch("a", [edited])
        let found = try h.store.items(matching: "HTTPS://A.example.com/story/1?utm_source=x#top")
        #expect(found.count == 1)
        let revisions = try h.store.revisions(itemID: found[0].id)
        #expect(revisions.map(\.revision) == [1, 2])
        #expect(revisions[1].changedFields == [.summary])
        #expect(revisions[1].textDiff?.ops.last == .added("Clarification added."))
        #expect(revisions[0].title == "Headline number 1 about the council vote")
        try h.fetch("b", [item(guid: "urn:uuid:1234", link: "https://b.example.com/x", title: "B")])
        #expect(try h.store.items(matching: "urn:uuid:1234").map(\.title) == ["B"])
    }
}

import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct DeliveryPlannerTests {
    func row(_ id: Int64, _ event: ChangeEvent, _ entry: StoryEntry?, target: String = "t") -> OutboxMessage {
        var e = event
        e.id = id
        return OutboxMessage(id: id, target: target, event: e, entry: entry, notBefore: NotifyFixtures.epoch, createdAt: NotifyFixtures.epoch,
                             idempotencyKey: OutboxMessage.idempotencyKey(event: e, target: target))
    }

    @Test func pendingUpdatesFoldIntoTheirNew() {
        let v1 = NotifyFixtures.entry(id: 5, title: "First title")
        let v2 = NotifyFixtures.entry(id: 5, title: "Second title", revision: 2)
        let v3 = NotifyFixtures.entry(id: 5, title: "Third title", revision: 3)
        let other = NotifyFixtures.entry(id: 6, title: "Other")
        let due = [row(1, NotifyFixtures.newEvent(v1), v1), row(2, NotifyFixtures.newEvent(other), other),
                   row(3, NotifyFixtures.updateEvent(v2), v2), row(4, NotifyFixtures.updateEvent(v3, revision: 3), v3)]
        let units = DeliveryPlanner.units(due)
        #expect(units.map(\.rowIDs) == [[1, 3, 4], [2]])
        #expect(units[0].kind == .new)
        #expect(units[0].entry?.item.title == "Third title")
        let plan = DeliveryPlanner.plan(due: due, target: "t", threshold: 10, digestMode: false, formatter: DiscordFormatter(),
                                        endpoint: Endpoints.of(.discord), remote: { _ in nil })
        #expect(plan.delivery?.rowIDs == [1, 3, 4])
        #expect(plan.delivery?.idempotencyKey == "fw-5-1-t")
        #expect(plan.delivery?.mode == .post)
        guard case let .story(s)? = plan.delivery?.body else { Issue.record("not a story"); return }
        #expect(s.kind == .new && s.title == "Third title")
    }

    @Test func severalUpdatesBecomeOne() {
        let v2 = NotifyFixtures.entry(id: 5, title: "Second", revision: 2)
        let v3 = NotifyFixtures.entry(id: 5, title: "Third", revision: 3)
        let due = [row(1, NotifyFixtures.updateEvent(v2, previousTitle: "First"), v2),
                   row(2, NotifyFixtures.updateEvent(v3, revision: 3, previousTitle: "Second"), v3)]
        let plan = DeliveryPlanner.plan(due: due, target: "t", threshold: 10, digestMode: false, formatter: DiscordFormatter(),
                                        endpoint: Endpoints.of(.discord), remote: { _ in RemoteMessage(id: "99") })
        #expect(plan.delivery?.rowIDs == [1, 2])
        #expect(plan.delivery?.idempotencyKey == "fw-5-3-t")
        #expect(plan.delivery?.mode == .edit(RemoteMessage(id: "99")))
        guard case let .story(s)? = plan.delivery?.body else { Issue.record("not a story"); return }
        #expect(s.previousTitle == "First" && s.title == "Third")
    }

    @Test func updateModesFollowTheServiceAndTheSetting() {
        let r = RemoteMessage(id: "1")
        #expect(DeliveryPlanner.updateMode(editMode: .auto, formatter: DiscordFormatter(), remote: r) == .edit(r))
        #expect(DeliveryPlanner.updateMode(editMode: .auto, formatter: DiscordFormatter(), remote: nil) == .post)
        #expect(DeliveryPlanner.updateMode(editMode: .thread, formatter: DiscordFormatter(), remote: r) == .post)
        #expect(DeliveryPlanner.updateMode(editMode: .thread, formatter: TelegramFormatter(), remote: r) == .reply(r))
        #expect(DeliveryPlanner.updateMode(editMode: .auto, formatter: MatrixFormatter(), remote: r) == .edit(r))
        #expect(DeliveryPlanner.updateMode(editMode: .auto, formatter: GoogleChatFormatter(), remote: nil) == .reply(nil))
        #expect(DeliveryPlanner.updateMode(editMode: .inPlace, formatter: SlackFormatter(), remote: r) == .post)
        #expect(DeliveryPlanner.updateMode(editMode: .new, formatter: TelegramFormatter(), remote: r) == .post)
    }

    @Test func burstsBecomeFullDigestsUntilTheQueueIsEmpty() throws {
        let due = (1...150).map { i -> OutboxMessage in
            let e = NotifyFixtures.entry(id: Int64(i), title: "Story number \(i) with a reasonably long headline about Europe")
            return row(Int64(i), NotifyFixtures.newEvent(e), e)
        }
        let ntfy = NtfyFormatter()
        var plan = DeliveryPlanner.plan(due: due, target: "t", threshold: 10, digestMode: false, formatter: ntfy,
                                        endpoint: Endpoints.of(.ntfy), remote: { _ in nil })
        #expect(plan.digestMode)
        let first = try #require(plan.delivery)
        #expect(first.isDigest && first.rowIDs.count > 10 && first.rowIDs.count < 150)
        #expect(first.idempotencyKey == "fw-d1-\(first.rowIDs.count)-n\(first.rowIDs.count)-t")
        // Below the threshold but still in digest mode: still a digest.
        let rest = Array(due.dropFirst(first.rowIDs.count).prefix(3))
        plan = DeliveryPlanner.plan(due: rest, target: "t", threshold: 10, digestMode: true, formatter: ntfy,
                                    endpoint: Endpoints.of(.ntfy), remote: { _ in nil })
        #expect(plan.delivery?.isDigest == true && plan.delivery?.rowIDs.count == 3)
        // A single message left goes out as itself and ends digest mode.
        plan = DeliveryPlanner.plan(due: [due[149]], target: "t", threshold: 10, digestMode: true, formatter: ntfy,
                                    endpoint: Endpoints.of(.ntfy), remote: { _ in nil })
        #expect(plan.delivery?.isDigest == false)
        #expect(!plan.digestMode)
        // At the threshold: no digest.
        plan = DeliveryPlanner.plan(due: Array(due.prefix(10)), target: "t", threshold: 10, digestMode: false, formatter: ntfy,
                                    endpoint: Endpoints.of(.ntfy), remote: { _ in nil })
        #expect(plan.delivery?.isDigest == false && !plan.digestMode)
    }

    /// A message in flight when the process died goes out again exactly as it
    /// went: the same rows under the same key, whatever arrived since (chaos
    /// run: a digest regrouped after a restart reached the receiver twice
    /// under two keys).
    @Test func sentRowsGoOutAgainAsTheyWere() throws {
        let entries = (1...5).map { NotifyFixtures.entry(id: Int64($0), title: "Story \($0)") }
        var due = entries.enumerated().map { i, e in row(Int64(i + 1), NotifyFixtures.newEvent(e), e) }
        for i in 0..<3 { due[i].sentKey = "fw-d1-3-n3-t" }
        let plan = DeliveryPlanner.plan(due: due, target: "t", threshold: 1, digestMode: true, formatter: WebhookFormatter(),
                                        endpoint: Endpoints.of(.webhook), remote: { _ in nil })
        let replay = try #require(plan.delivery)
        #expect(replay.isDigest && replay.rowIDs == [1, 2, 3] && replay.idempotencyKey == "fw-d1-3-n3-t")
        #expect(plan.digestMode)
        // Without the sent keys the same rows would be one new digest under another key.
        let fresh = DeliveryPlanner.plan(due: due.map { var r = $0; r.sentKey = nil; return r }, target: "t", threshold: 1,
                                         digestMode: true, formatter: WebhookFormatter(), endpoint: Endpoints.of(.webhook),
                                         remote: { _ in nil })
        #expect(fresh.delivery?.idempotencyKey == "fw-d1-5-n5-t")
    }

    /// A "new" in flight is not folded together with an update that arrived
    /// after it: the receiver would drop the folded message as a replay of
    /// the "new" and never see the update.
    @Test func anUpdateIsNotFoldedIntoANewAlreadySent() throws {
        let v1 = NotifyFixtures.entry(id: 5, title: "First title")
        let v2 = NotifyFixtures.entry(id: 5, title: "Second title", revision: 2)
        var new = row(1, NotifyFixtures.newEvent(v1), v1)
        new.sentKey = new.idempotencyKey
        let update = row(2, NotifyFixtures.updateEvent(v2), v2)
        let plan = DeliveryPlanner.plan(due: [new, update], target: "t", threshold: 10, digestMode: false, formatter: MatrixFormatter(),
                                        endpoint: Endpoints.of(.matrix), remote: { _ in nil })
        let replay = try #require(plan.delivery)
        #expect(replay.rowIDs == [1] && replay.idempotencyKey == "fw-5-1-t" && !replay.isDigest)
        guard case let .story(s) = replay.body else { Issue.record("not a story"); return }
        #expect(s.kind == .new)
        let next = DeliveryPlanner.plan(due: [update], target: "t", threshold: 10, digestMode: false, formatter: MatrixFormatter(),
                                        endpoint: Endpoints.of(.matrix), remote: { _ in RemoteMessage(id: "$ev") })
        #expect(next.delivery?.rowIDs == [2] && next.delivery?.idempotencyKey == "fw-5-2-t")
        #expect(next.delivery?.mode == .edit(RemoteMessage(id: "$ev")))
    }
}

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
}

import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// Every service against chat_sink.py: the sink is the referee of format,
/// escaping, limits, mentions and duplicates.
@Suite(.serialized) struct ChatSinkDeliveryTests {
    /// New stories (rich HTML, hostile text, long text), an update, a removal
    /// and a health event to every service: every verdict `ok`, no duplicates.
    @Test func everyServiceAcceptsEveryKindOfMessage() throws {
        let sink = try ChatSinkHarness()
        let transport = try sink.transport()
        let queue = InMemoryDeliveryQueue()
        var notifiers = NotifyFixtures.notifiers(sinkBase: sink.base)
        for i in notifiers.indices {
            notifiers[i].rate = "100/1s"
            notifiers[i].events = ["new", "updated", "gone", "health"]
        }
        let now = NotifyFixtures.epoch
        let stories: [StoryEntry] = [
            NotifyFixtures.entry(id: 1, title: "EU ministers meet in Brussels & agree on grid plan", summary: NotifyFixtures.richSummary),
            NotifyFixtures.entry(id: 2, title: "@everyone <!channel> <users/all> @room @here AT&amp;T </p> <b>x</b>",
                                 summary: "<p>Ping <@U123ABC> and <!subteam^S123> &lt;users/all&gt; @all @channel ]]&gt; <![CDATA[x]]></p>"),
            NotifyFixtures.entry(id: 3, title: String(repeating: "Нова стаття про Київ 👩‍👩‍👧‍👦 ", count: 40),
                                 summary: String(repeating: "<p>Довгий текст з емодзі 🇺🇦 і комбінованими знаками é́ — </p>", count: 400)),
        ]
        for n in notifiers {
            for s in stories { queue.enqueue(event: NotifyFixtures.newEvent(s), entry: s, target: n.name, now: now) }
            queue.enqueue(event: NotifyFixtures.healthEvent(.feedFailing), entry: nil, target: n.name, now: now)
            queue.enqueue(event: NotifyFixtures.healthEvent(.feedMoved, message: nil), entry: nil, target: n.name, now: now)
            var removed = NotifyFixtures.newEvent(stories[0])
            removed.kind = .gone
            queue.enqueue(event: removed, entry: stories[0], target: n.name, now: now)
        }
        let log = LogCapture()
        let worker = DeliveryWorker(outbox: queue, transport: transport, clock: SystemClock(), notifiers: notifiers,
                                    logger: log.logger(), mode: .manual)
        deliverAll(worker, queue)
        // Then an update of story 1 everywhere (edits in place where possible).
        let updated = NotifyFixtures.entry(id: 1, title: "EU ministers approve grid plan", summary: "<p>Updated text</p>", revision: 2)
        for n in notifiers { queue.enqueue(event: NotifyFixtures.updateEvent(updated), entry: updated, target: n.name, now: now + 60) }
        deliverAll(worker, queue)

        #expect(queue.all.allSatisfy { $0.state == .delivered }, "\(queue.all.filter { $0.state != .delivered }.map { "\($0.target) \($0.id) \($0.state) \($0.lastError ?? "")" })")
        let records = try sink.records()
        #expect(records.count == notifiers.count * 7)
        #expect(records.allSatisfy { $0["verdict"]?.stringValue == "ok" }, "\(sink.problems(records))")
        let (code, summary) = try sink.summaryCheck()
        #expect(code == 0, "\(summary)")
    }
}

@Suite(.serialized) struct TestNotificationTests {
    /// `feedwire notify test`'s engine: one message per service, each `ok`.
    @Test func testMessageToEveryService() throws {
        let sink = try ChatSinkHarness()
        let transport = try sink.transport()
        for n in NotifyFixtures.notifiers(sinkBase: sink.base) {
            let endpoint = try NotifierEndpoint(config: n)
            let result = TestNotification.send(endpoint: endpoint, transport: transport, now: SystemClock().timestamp)
            #expect(result.succeeded, "\(n.name): \(result.summary)")
            #expect(result.response.map { (200..<300).contains($0.status) } == true)
        }
        let records = try sink.records()
        #expect(records.count == 9)
        #expect(records.allSatisfy { $0["verdict"]?.stringValue == "ok" }, "\(sink.problems(records))")
    }

    @Test func goneEndpointIsReported() throws {
        let sink = try ChatSinkHarness()
        let transport = try sink.transport()
        let n = NotifierConfig(name: "dead", type: .discord, url: Secret(.inline("\(sink.base)/discord/1/gone")))
        let result = TestNotification.send(endpoint: try NotifierEndpoint(config: n), transport: transport, now: SystemClock().timestamp)
        #expect(!result.succeeded)
        #expect(result.summary.contains("endpoint is gone") && result.summary.contains("Unknown Webhook"))
    }
}

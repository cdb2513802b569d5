import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct OutboxAdminTests {
    let now = NotifyFixtures.epoch

    func filled() throws -> InMemoryDeliveryQueue {
        let q = InMemoryDeliveryQueue()
        for i in 1...4 {
            let e = NotifyFixtures.entry(id: Int64(i), title: "Story \(i)")
            q.enqueue(event: NotifyFixtures.newEvent(e), entry: e, target: i <= 2 ? "slack" : "discord", now: now)
        }
        try q.markDead([1], at: now, error: "HTTP 400: invalid_blocks")
        try q.markRetry(2, attempts: 3, notBefore: now + 1_800, error: "HTTP 503")
        try q.markDelivered([3], at: now, remote: nil)
        try q.disableTarget("discord", reason: "HTTP 404: Unknown Webhook", at: now)
        return q
    }

    @Test func listShowsStatesErrorsAndDisabledTargets() throws {
        let q = try filled()
        let out = try OutboxAdmin.list(q, target: nil, ids: [], states: [.pending, .dead], limit: 100, targets: ["slack", "discord"], now: now)
        let lines = out.split(separator: "\n")
        #expect(lines[0].hasPrefix("ID\tTARGET"))
        #expect(lines[1].hasPrefix("4\tdiscord\tpending\t0\tnow"))
        #expect(lines[2].hasPrefix("2\tslack\tpending\t3\tin 30 min") && lines[2].hasSuffix("HTTP 503"))
        #expect(lines[3].hasPrefix("1\tslack\tdead") && lines[3].contains("Story 1"))
        #expect(out.contains("notifier discord is disabled (HTTP 404: Unknown Webhook); 1 message(s) wait"))
        #expect(!lines.contains { $0.hasPrefix("3\t") })  // delivered rows are not listed
        let one = try OutboxAdmin.list(q, target: nil, ids: [1], states: [.pending, .dead], limit: 100, targets: [], now: now)
        #expect(one.split(separator: "\n").count == 2)
    }

    @Test func retryRequeuesAndEnables() throws {
        let q = try filled()
        let out = try OutboxAdmin.retry(q, target: "discord", ids: [], targets: ["slack", "discord"], now: now)
        #expect(out.contains("1 message(s) will be sent again to discord"))
        #expect(out.contains("notifier discord enabled again"))
        #expect(try q.disabledReason(target: "discord") == nil)
        _ = try OutboxAdmin.retry(q, target: nil, ids: [1], targets: [], now: now + 5)
        #expect(q.row(1)?.state == .pending && q.row(1)?.attempts == 0 && q.row(1)?.notBefore == now + 5)
        #expect(q.row(3)?.state == .delivered)
    }

    @Test func dropNeedsATargetOrIds() throws {
        let q = try filled()
        #expect(throws: OutboxAdmin.Failure.self) { try OutboxAdmin.drop(q, target: nil, ids: [], now: now) }
        let out = try OutboxAdmin.drop(q, target: "slack", ids: [], now: now)
        #expect(out.hasPrefix("1 message(s) dropped for slack"))
        #expect(q.row(2)?.state == .dead && q.row(2)?.lastError == "dropped by operator")
        #expect(q.row(4)?.state == .pending)
    }
}

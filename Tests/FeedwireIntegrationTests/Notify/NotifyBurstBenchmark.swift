import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// `make bench-notify` (not a test: skipped unless FEEDWIRE_BENCH=notify).
/// A 1,000-event burst to one Discord target under Discord's real limits
/// (chat_sink `--rate-limit discord=5:2`, our own buckets at the documented
/// 5 per 2 s and 30 per minute): how many messages went out, how long until
/// the last event was delivered, and whether any 429 came back.
@Suite struct NotifyBurstBenchmark {
    static var enabled: Bool { ProcessInfo.processInfo.environment["FEEDWIRE_BENCH"]?.split(separator: ",").contains("notify") == true }

    static let headlines = [
        "EU ministers agree on emergency grid plan after overnight talks in Brussels",
        "Kyiv reports power restored to most districts after overnight strikes",
        "Parliament adopts budget amendment on defence spending",
        "Central bank holds rates, signals caution on inflation outlook",
        "Border crossings reopen as talks on grain corridor resume",
        "Court rules on data retention: what changes for telecom operators",
        "Storm warning issued for the Baltic coast; ferries cancelled",
        "Нова хвиля відключень: графіки на завтра оновлено",
        "Le Parlement européen adopte la directive sur les plateformes",
        "Opposition calls for inquiry into procurement contracts",
    ]

    @Test(.enabled(if: NotifyBurstBenchmark.enabled))
    func thousandEventBurstToDiscord() throws {
        let sink = try ChatSinkHarness(["--rate-limit", "discord=5:2"])
        let transport = try sink.transport()
        let queue = InMemoryDeliveryQueue()
        let notifier = NotifyFixtures.notifiers(sinkBase: sink.base).first { $0.type == .discord }!
        let now = SystemClock().timestamp
        for i in 1...1_000 {
            let title = Self.headlines[i % Self.headlines.count]
            let e = NotifyFixtures.entry(id: Int64(i), title: "\(title) (\(i))", summary: "<p>Summary of story \(i).</p>",
                                         link: "https://news.example.org/\(2025)/11/25/story-\(i)-\(title.count)")
            queue.enqueue(event: NotifyFixtures.newEvent(e, at: now), entry: e, target: notifier.name, now: now)
        }
        let worker = DeliveryWorker(outbox: queue, transport: transport, clock: SystemClock(), notifiers: [notifier],
                                    logger: LogCapture().logger(), mode: .automatic)
        let started = monotonicSeconds()
        worker.start()
        let done = waitUntilDelivered(queue, timeout: 600)
        let elapsed = monotonicSeconds() - started
        worker.stop()
        let records = try sink.records()
        let ok = records.filter { $0["verdict"]?.stringValue == "ok" }.count
        let limited = records.filter { $0["verdict"]?.stringValue == "rate_limited" }.count
        let invalid = records.filter { $0["verdict"]?.stringValue == "invalid" }.count
        let delivered = queue.all.filter { $0.state == .delivered }.count
        let perMessage = ok > 0 ? Double(delivered) / Double(ok) : 0
        // Without digests: 1,000 single messages at 30 per minute (the per-channel limit).
        let unbatched = 1_000.0 / 30 * 60
        print("""
            bench-notify: 1,000-event burst to one Discord target (chat_sink --rate-limit discord=5:2)
              events delivered        \(delivered) of 1000\(done ? "" : " (TIMED OUT)")
              messages sent           \(ok) (\(String(format: "%.1f", perMessage)) events per message)
              429 answers             \(limited)
              invalid                 \(invalid)
              last event delivered    \(String(format: "%.2f", elapsed)) s after the burst
              one message per event   would take ≥ \(Int(unbatched)) s at 30/min and 1000 requests
            """)
        #expect(done && limited == 0 && invalid == 0)
        let (code, summary) = try sink.summaryCheck()
        #expect(code == 0, "\(summary)")
    }
}

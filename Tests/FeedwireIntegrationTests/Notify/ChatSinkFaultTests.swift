import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// Rate limits, injected faults, gone endpoints and restarts against chat_sink.py.
@Suite(.serialized) struct ChatSinkFaultTests {
    func stories(_ n: Int, from: Int64 = 1) -> [StoryEntry] {
        (0..<Int64(n)).map { NotifyFixtures.entry(id: from + $0, title: "Story \(from + $0): Київ & Brussels", summary: "<p>Text \($0)</p>") }
    }

    func enqueue(_ queue: InMemoryDeliveryQueue, _ entries: [StoryEntry], targets: [String]) {
        let now = SystemClock().timestamp
        for t in targets {
            for e in entries { queue.enqueue(event: NotifyFixtures.newEvent(e, at: now), entry: e, target: t, now: now) }
        }
    }

    /// Our own rate is set far above the sink's so that it answers 429: every
    /// service's 429 style is read and its window waited out.
    @Test func rateLimitedServicesAreWaitedOut() throws {
        let sink = try ChatSinkHarness(["--rate-limit", "2:1"])
        let transport = try sink.transport()
        let queue = InMemoryDeliveryQueue()
        var notifiers = NotifyFixtures.notifiers(sinkBase: sink.base)
        for i in notifiers.indices { notifiers[i].rate = "50/1s" }
        enqueue(queue, stories(4), targets: notifiers.map(\.name))
        let worker = DeliveryWorker(outbox: queue, transport: transport, clock: SystemClock(), notifiers: notifiers,
                                    logger: LogCapture().logger(), mode: .automatic, settings: fastSettings())
        worker.start()
        #expect(waitUntilDelivered(queue, timeout: 60))
        worker.stop()
        #expect(queue.all.allSatisfy { $0.state == .delivered })
        let records = try sink.records()
        let limited = records.filter { $0["verdict"]?.stringValue == "rate_limited" }
        #expect(!limited.isEmpty)  // the test provoked 429s
        // Services without rate-limit headers meet 429s; Discord and Mattermost send
        // X-RateLimit-* on every answer, and reading them avoided the 429 altogether.
        let limitedServices = Set(limited.compactMap { $0["service"]?.stringValue })
        #expect(limitedServices.isSubset(of: ["slack", "teams", "gchat", "matrix", "telegram", "ntfy", "generic"]) && limitedServices.count >= 4,
                "\(limitedServices)")
        // No request reached a service path inside the window the sink announced.
        for r in limited {
            let path = r["path"]?.stringValue?.split(separator: "?").first.map(String.init) ?? ""
            let service = r["service"]?.stringValue ?? ""
            let bucket = service == "matrix" ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) : path
            let until = sinkTime(r) + (sinkRetryAfter(r) ?? 0)
            let early = records.filter { o in
                let p = o["path"]?.stringValue?.split(separator: "?").first.map(String.init) ?? ""
                let b = service == "matrix" ? String(p[..<(p.lastIndex(of: "/") ?? p.endIndex)]) : p
                return b == bucket && (o["seq"]?.intValue ?? 0) > (r["seq"]?.intValue ?? 0) && sinkTime(o) < until - 0.002
            }
            #expect(early.isEmpty, "\(service): request inside the Retry-After window after #\(r["seq"]?.intValue ?? 0)")
        }
        #expect(!records.contains { $0["verdict"]?.stringValue == "invalid" }, "\(sink.problems(records))")
        let (code, summary) = try sink.summaryCheck()
        #expect(code == 0, "\(summary)")
    }

    /// With the sink's real Discord limit, our shaping alone avoids every 429.
    @Test func documentedRatesAvoid429() throws {
        let sink = try ChatSinkHarness(["--rate-limit", "discord=5:2", "--rate-limit", "slack=1:1"])
        let transport = try sink.transport()
        let queue = InMemoryDeliveryQueue()
        let notifiers = NotifyFixtures.notifiers(sinkBase: sink.base).filter { $0.type == .discord || $0.type == .slack }
        enqueue(queue, stories(8), targets: ["discord"])
        enqueue(queue, stories(3), targets: ["slack"])
        let worker = DeliveryWorker(outbox: queue, transport: transport, clock: SystemClock(), notifiers: notifiers,
                                    logger: LogCapture().logger(), mode: .automatic, settings: fastSettings())
        worker.start()
        #expect(waitUntilDelivered(queue, timeout: 60))
        worker.stop()
        let records = try sink.records()
        #expect(records.count == 11)
        #expect(records.allSatisfy { $0["verdict"]?.stringValue == "ok" }, "\(sink.problems(records))")
    }

    /// Outages and random 5xx: nothing lost, nothing doubled.
    @Test func faultsAreRetriedUntilDelivered() throws {
        let sink = try ChatSinkHarness(["--fail-rate", "0.3", "--seed", "7", "--down-first", "12"])
        let transport = try sink.transport()
        let queue = InMemoryDeliveryQueue()
        var notifiers = NotifyFixtures.notifiers(sinkBase: sink.base)
        for i in notifiers.indices { notifiers[i].rate = "50/1s" }
        enqueue(queue, stories(5), targets: notifiers.map(\.name))
        let worker = DeliveryWorker(outbox: queue, transport: transport, clock: SystemClock(), notifiers: notifiers,
                                    logger: LogCapture().logger(), mode: .automatic, settings: fastSettings())
        worker.start()
        #expect(waitUntilDelivered(queue, timeout: 90))
        worker.stop()
        #expect(queue.all.allSatisfy { $0.state == .delivered }, "\(queue.all.filter { $0.state != .delivered }.map { "\($0.target): \($0.lastError ?? "")" })")
        let records = try sink.records()
        #expect(records.contains { $0["verdict"]?.stringValue == "fault" })
        #expect(records.filter { $0["verdict"]?.stringValue == "ok" }.count == notifiers.count * 5)
        let (code, summary) = try sink.summaryCheck()
        #expect(code == 0, "\(summary)")
    }

    /// Every service's "this endpoint is gone" answer disables its target; nothing is lost.
    @Test func goneEndpointsDisableTheirTargets() throws {
        let sink = try ChatSinkHarness()
        let transport = try sink.transport()
        let queue = InMemoryDeliveryQueue()
        var notifiers = NotifyFixtures.notifiers(sinkBase: sink.base, suffix: "-gone")
        for i in notifiers.indices {
            switch notifiers[i].type {
            case .telegram: notifiers[i].token = Secret(.inline("123456:gone"))
            case .matrix: notifiers[i].room = "!gone:example.org"
            case .gchat: notifiers[i].url = Secret(.inline("\(sink.base)/gchat/gone?key=k&token=t"))
            case .ntfy: notifiers[i].url = Secret(.inline("\(sink.base)/ntfy/gone/alerts"))  // JSON goes to the root, /ntfy/gone/
            case .slack: notifiers[i].url = Secret(.inline("\(sink.base)/slack/T0/gone/x"))
            case .discord: notifiers[i].url = Secret(.inline("\(sink.base)/discord/123/gone"))
            case .mattermost: notifiers[i].url = Secret(.inline("\(sink.base)/mattermost/gone"))
            case .teams: notifiers[i].url = Secret(.inline("\(sink.base)/teams/gone"))
            case .webhook: notifiers[i].url = Secret(.inline("\(sink.base)/generic/gone"))
            }
        }
        enqueue(queue, stories(3), targets: notifiers.map(\.name))
        let log = LogCapture()
        let worker = DeliveryWorker(outbox: queue, transport: transport, clock: SystemClock(), notifiers: notifiers,
                                    logger: log.logger(), mode: .manual, settings: fastSettings())
        worker.runUntilIdle()
        for n in notifiers {
            #expect(try queue.disabledReason(target: n.name) != nil, "\(n.name) not disabled")
            #expect(log.messages.contains { $0.isError && $0.message.contains("notifier \(n.name):") && $0.message.contains("outbox retry --target \(n.name)") })
        }
        #expect(queue.all.allSatisfy { $0.state == .pending }, "\(queue.all.filter { $0.state != .pending }.map(\.target))")
        let records = try sink.records()
        #expect(records.count == notifiers.count, "\(sink.problems(records))")  // one request each, then silence
    }

    /// Discord, Telegram and Matrix edit the announcement; the sink's state shows the edit.
    @Test func editsInPlace() throws {
        let sink = try ChatSinkHarness()
        let transport = try sink.transport()
        let queue = InMemoryDeliveryQueue()
        var notifiers = NotifyFixtures.notifiers(sinkBase: sink.base).filter { [.discord, .telegram, .matrix, .gchat].contains($0.type) }
        for i in notifiers.indices { notifiers[i].rate = "50/1s" }
        let v1 = NotifyFixtures.entry(id: 42, title: "Ceasefire talks begin")
        enqueue(queue, [v1], targets: notifiers.map(\.name))
        let worker = DeliveryWorker(outbox: queue, transport: transport, clock: SystemClock(), notifiers: notifiers,
                                    logger: LogCapture().logger(), mode: .manual, settings: fastSettings())
        deliverAll(worker, queue)
        let v2 = NotifyFixtures.entry(id: 42, title: "Ceasefire talks collapse", revision: 2)
        let now = SystemClock().timestamp
        for n in notifiers { queue.enqueue(event: NotifyFixtures.updateEvent(v2, previousTitle: "Ceasefire talks begin"), entry: v2, target: n.name, now: now) }
        deliverAll(worker, queue)
        #expect(queue.all.allSatisfy { $0.state == .delivered })
        let records = try sink.records()
        #expect(records.allSatisfy { $0["verdict"]?.stringValue == "ok" }, "\(sink.problems(records))")
        let discord = try sink.records(service: "discord")
        #expect(discord.count == 2)
        #expect(discord[1]["method"]?.stringValue == "PATCH")
        #expect(discord[1]["message_id"] == discord[0]["message_id"])
        let telegram = try sink.records(service: "telegram")
        #expect(telegram[1]["path"]?.stringValue?.hasSuffix("/editMessageText") == true)
        #expect(telegram[1]["message_id"] == telegram[0]["message_id"])
        let matrix = try sink.records(service: "matrix")
        let edit = try JSONValue.parse(matrix[1]["body"]?.stringValue ?? "")
        #expect(edit["m.relates_to"]?["rel_type"]?.stringValue == "m.replace")
        #expect(edit["m.relates_to"]?["event_id"] == matrix[0]["event_id"])
        #expect(edit["m.new_content"]?["body"]?.stringValue?.contains("Ceasefire talks collapse") == true)
        let gchat = try sink.records(service: "gchat")
        #expect(gchat[1]["path"]?.stringValue?.contains("messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD") == true)
        #expect(try JSONValue.parse(gchat[1]["body"]?.stringValue ?? "")["thread"]?["threadKey"]?.stringValue == "feedwire-story-42")
    }

    /// The worker is dropped in the middle of a burst with a request in
    /// flight; a new one over the same outbox loses nothing and repeats at
    /// most that request, with the same Matrix txnId / webhook-id.
    @Test func restartMidBurstLosesNothing() throws {
        let sink = try ChatSinkHarness(["--slow", "0.15"])
        let transport = try sink.transport()
        let queue = InMemoryDeliveryQueue()
        var notifiers = NotifyFixtures.notifiers(sinkBase: sink.base).filter { $0.type == .matrix || $0.type == .webhook }
        for i in notifiers.indices {
            notifiers[i].rate = "100/1s"
            notifiers[i].digestThreshold = 1_000
        }
        enqueue(queue, stories(12), targets: notifiers.map(\.name))
        let first = DeliveryWorker(outbox: queue, transport: transport, clock: SystemClock(), notifiers: notifiers,
                                   logger: LogCapture().logger(), mode: .automatic, settings: fastSettings())
        first.start()
        let deadline = monotonicSeconds() + 30
        while queue.all.filter({ $0.state == .delivered }).count < 8, monotonicSeconds() < deadline { usleep(5_000) }
        first.stop()  // requests in flight now are answered to nobody
        let deliveredBefore = queue.all.filter { $0.state == .delivered }.count
        #expect(deliveredBefore >= 8 && deliveredBefore < 24)
        usleep(300_000)  // let the abandoned requests reach the sink
        let second = DeliveryWorker(outbox: queue, transport: transport, clock: SystemClock(), notifiers: notifiers,
                                    logger: LogCapture().logger(), mode: .automatic, settings: fastSettings())
        second.start()
        #expect(waitUntilDelivered(queue, timeout: 60))
        second.stop()
        #expect(queue.all.allSatisfy { $0.state == .delivered })
        let records = try sink.records()
        #expect(records.allSatisfy { $0["verdict"]?.stringValue == "ok" }, "\(sink.problems(records))")
        for service in ["matrix", "generic"] {
            let keys = records.filter { $0["service"]?.stringValue == service }.compactMap { $0["idem_key"]?.stringValue }
            #expect(Set(keys).count == 12, "\(service): every story delivered")
            let repeats = Dictionary(grouping: keys, by: { $0 }).values.filter { $0.count > 1 }
            #expect(repeats.count <= 1 && repeats.allSatisfy { $0.count == 2 }, "\(service): \(repeats)")
        }
        // Matrix replays are deduplicated by the server: the summary finds no real duplicate there.
        let matrixDuplicates = try sink.server.get("/_sink/summary").json()["duplicates"]?.arrayValue?
            .filter { $0["service"]?.stringValue == "matrix" && $0["deduplicated_by_server"]?.boolValue != true } ?? []
        #expect(matrixDuplicates.isEmpty)
    }

    /// Our signatures agree with `chat_sink.py sign`.
    @Test func signaturesMatchTheSinkSigner() throws {
        let dir = TemporaryDirectory()
        let body = #"{"type":"item.created","data":{"title":"Київ & ☕"}}"#
        let file = try dir.write("body.json", body)
        let out = dir.file("sign.txt")
        let p = try ChildProcess(executable: "/usr/bin/python3",
                                 arguments: [PackagePaths.tool("chat_sink.py").path, "sign", "--secret", NotifyFixtures.sinkSecret,
                                             "--id", "fw-1-1-hook", "--timestamp", "1764072000", file], stdoutPath: out)
        #expect(p.waitForExit(timeout: 30) == 0)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let key = try #require(Base64.decode(String(NotifyFixtures.sinkSecret.dropFirst(6))))
        let ours = StandardWebhooks.signature(key: key, id: "fw-1-1-hook", timestamp: "1764072000", body: Array(body.utf8))
        #expect(text.contains("webhook-signature: \(ours)"))
    }
}

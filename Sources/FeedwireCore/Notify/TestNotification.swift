/// `feedwire notify test NAME`: one test message through the real engine
/// (endpoint, formatter, transport, answer interpretation), without the
/// outbox, so an operator sees at once whether a target works.
public enum TestNotification {
    public struct Result: Sendable {
        /// The service's answer (nil when no HTTP answer came).
        public var response: HTTPResponse?
        public var transportError: TransportError?
        public var outcome: DeliveryOutcome

        /// One line for the terminal: what happened and what to do.
        public var summary: String {
            switch outcome {
            case .delivered: return "delivered"
            case let .rateLimited(after, detail):
                return "rate limited by the service (\(detail))" + (after.map { "; try again in \(Int($0.rounded(.up))) s" } ?? "; try again later")
            case let .retry(detail, _): return "failed, worth retrying: \(detail)"
            case let .gone(detail): return "the service says this endpoint is gone: \(detail); fix url/token/room/chat_id in feeds.conf"
            case let .rejected(detail): return "rejected: \(detail)"
            case let .editTargetMissing(detail): return "edit target missing: \(detail)"
            }
        }

        public var succeeded: Bool { if case .delivered = outcome { return true }; return false }
    }

    /// The message sent: a new "story" that names the notifier, so it is
    /// recognisable in the channel.
    public static func delivery(for endpoint: NotifierEndpoint, now: Timestamp) -> PlannedDelivery {
        let item = ItemRecord(id: 0, storyID: 0, feed: "feedwire", title: "Feedwire test message for notifier \(endpoint.name)",
                              summary: "<p>If you can read this, notifier <b>\(endpoint.name)</b> (\(endpoint.type.rawValue)) works. "
                                  + "Sent by <code>feedwire notify test</code>.</p>",
                              firstSeen: now)
        let entry = StoryEntry(item: item, sources: [StorySource(feed: "feedwire", feedTitle: "Feedwire", feedURL: "https://example.invalid/")])
        let event = ChangeEvent(kind: .new, at: now, feed: "feedwire")
        return PlannedDelivery(body: .story(StoryMessage.make(event: event, entry: entry)), rowIDs: [],
                               idempotencyKey: "fw-test-\(now.seconds)-\(endpoint.name)")
    }

    /// Sends the test message and waits for the answer (command-line use only).
    public static func send(endpoint: NotifierEndpoint, transport: HTTPTransport, now: Timestamp) -> Result {
        let formatter = ChatFormatters.formatter(for: endpoint.type)
        let request = formatter.makeRequest(delivery(for: endpoint, now: now), endpoint: endpoint, now: now)
        let result = transport.sendAndWait(request)
        let outcome = ServiceAnswer.interpret(result, type: endpoint.type, mode: .post, now: Double(now.seconds))
        switch result {
        case let .success(r): return Result(response: r, transportError: nil, outcome: outcome)
        case let .failure(e): return Result(response: nil, transportError: e, outcome: outcome)
        }
    }
}

/// Microsoft Teams Workflows webhook messages: an Adaptive Card in a
/// `message` envelope (learn.microsoft.com, "Create incoming webhooks with
/// Workflows"). Card version 1.4, since Workflows rejects higher versions
/// (Skitionek/notify-microsoft-teams#107). TextBlock text is a Markdown
/// subset and HTML is not rendered, so text is converted from HTML and
/// neutralised; links are `[label](url)`. The whole payload stays under
/// 28 KB in UTF-8 bytes. No edit or thread through the webhook: updates are
/// new cards marked "Updated".
public struct TeamsFormatter: ChatFormatter {
    public init() {}
    public var type: NotifierType { .teams }
    public var canEdit: Bool { false }
    public var canThread: Bool { false }

    /// "The message size limit is 28 KB" (28,672 bytes); a margin for the service's own envelope.
    static let maxBytes = 28_000

    static func textBlock(_ text: String, _ extra: [(String, JSONValue)] = []) -> JSONValue {
        .object([("type", .string("TextBlock")), ("text", .string(text)), ("wrap", .bool(true))] + extra)
    }

    static func envelope(body: [JSONValue], actions: [JSONValue]) -> JSONValue {
        var card: [(String, JSONValue)] = [
            ("$schema", .string("http://adaptivecards.io/schemas/adaptive-card.json")),
            ("type", .string("AdaptiveCard")), ("version", .string("1.4")), ("body", .array(body)),
        ]
        if !actions.isEmpty { card.append(("actions", .array(actions))) }
        return .object([
            ("type", .string("message")),
            ("attachments", .array([.object([
                ("contentType", .string("application/vnd.microsoft.card.adaptive")),
                ("contentUrl", .null),
                ("content", .object(card)),
            ])])),
        ])
    }

    public func story(_ s: StoryMessage, mode: DeliveryMode, summaryBudget: Int, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.teams
        let prefix = s.kind == .new ? "" : s.kindLabel + ": "
        var body: [JSONValue] = [
            TeamsFormatter.textBlock(m.text(TextLimit.prefix(prefix + s.title, characters: StoryMessage.titleLimit)),
                                     [("weight", .string("Bolder")), ("size", .string("Medium"))]),
            TeamsFormatter.textBlock((s.kind == .new ? "" : m.bold(m.text(s.kindLabel)) + " · ") + s.metaLine(m),
                                     [("isSubtle", .bool(true)), ("spacing", .string("None")), ("size", .string("Small"))]),
        ]
        if s.kind == .gone {
            body.append(TeamsFormatter.textBlock(m.text("This story was removed from \(s.sources.first?.name ?? s.event.feed).")))
        } else {
            for line in s.changeLines(m) { body.append(TeamsFormatter.textBlock(line)) }
            let summary = s.summaryText(m, budget: summaryBudget)
            if !summary.isEmpty { body.append(TeamsFormatter.textBlock(summary)) }
        }
        let actions: [JSONValue] = s.link.map {
            [.object([("type", .string("Action.OpenUrl")), ("title", .string("Open story")), ("url", .string($0))])]
        } ?? []
        return TeamsFormatter.envelope(body: body, actions: actions)
    }

    public func health(_ h: HealthMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.teams
        var body = [TeamsFormatter.textBlock(h.symbol + " " + m.text(h.headline), [("weight", .string("Bolder"))])]
        if !h.detail.isEmpty { body.append(TeamsFormatter.textBlock(m.text(TextLimit.prefix(h.detail, characters: 2_000)))) }
        return TeamsFormatter.envelope(body: body, actions: [])
    }

    public func digest(_ d: DigestMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.teams
        var body = [TeamsFormatter.textBlock("📰 " + m.text(d.title), [("weight", .string("Bolder")), ("size", .string("Medium"))])]
        for line in d.lines {
            let title = line.link.map { m.link(line.marker + line.title, $0) } ?? m.text(line.marker + line.title)
            body.append(TeamsFormatter.textBlock("• " + title + (d.note(line).isEmpty ? "" : " — " + m.text(d.note(line))),
                                                 [("spacing", .string("None"))]))
        }
        return TeamsFormatter.envelope(body: body, actions: [])
    }

    public func fits(_ body: JSONValue) -> Bool {
        body.serialized.utf8.count <= TeamsFormatter.maxBytes
    }

    public func request(body: [UInt8], delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest {
        jsonRequest(.post, endpoint.url, body: body, endpoint: endpoint)
    }
}

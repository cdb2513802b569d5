/// Google Chat incoming-webhook messages (developers.google.com/workspace/chat,
/// `spaces.messages.create`): a `cardsV2` card per story, whose
/// `textParagraph` takes an HTML subset (literal `<`/`&` escaped), and the
/// Chat text markup for short ops messages.
///
/// Idempotency: `requestId` = the outbox row's key, so a retry after a lost
/// answer returns the original message instead of posting twice.
/// Threads: every story message carries `thread.threadKey` derived from the
/// story with `messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD`, so
/// an update replies in its story's thread (the service's way to "edit").
/// Limit: 32,000 bytes per message including cards. Unknown JSON fields are
/// rejected by the service, so only documented ones are sent.
public struct GoogleChatFormatter: ChatFormatter {
    public init() {}
    public var type: NotifierType { .gchat }
    public var canEdit: Bool { false }
    public var canThread: Bool { true }

    static let maxBytes = 32_000
    static let headerLimit = 200
    static let linesPerParagraph = 20

    /// The thread every message about a story goes to.
    public static func threadKey(storyID: Int64) -> String { "feedwire-story-\(storyID)" }

    static func card(id: String, header: String, subtitle: String?, widgets: [JSONValue]) -> JSONValue {
        var head: [(String, JSONValue)] = [("title", .string(TextLimit.truncate(ChatMarkup.plain.text(header), to: headerLimit, unit: .utf16)))]
        if let subtitle { head.append(("subtitle", .string(TextLimit.truncate(ChatMarkup.plain.text(subtitle), to: headerLimit, unit: .utf16)))) }
        return .object([("cardId", .string(id)), ("card", .object([
            ("header", .object(head)),
            ("sections", .array([.object([("widgets", .array(widgets))])])),
        ]))])
    }

    static func paragraph(_ html: String) -> JSONValue {
        .object([("textParagraph", .object([("text", .string(html))]))])
    }

    public func story(_ s: StoryMessage, mode: DeliveryMode, summaryBudget: Int, endpoint: NotifierEndpoint) -> JSONValue {
        let h = ChatMarkup.html
        var widgets: [JSONValue] = []
        if s.kind == .gone {
            widgets.append(GoogleChatFormatter.paragraph(h.text("This story was removed from \(s.sources.first?.name ?? s.event.feed).")))
        } else {
            let changes = s.changeLines(h)
            if !changes.isEmpty { widgets.append(GoogleChatFormatter.paragraph(changes.joined(separator: "<br>"))) }
            let summary = s.summaryText(h, budget: summaryBudget)
            if !summary.isEmpty { widgets.append(GoogleChatFormatter.paragraph(summary)) }
        }
        if let link = s.link {
            widgets.append(.object([("buttonList", .object([("buttons", .array([.object([
                ("text", .string("Open story")),
                ("onClick", .object([("openLink", .object([("url", .string(link))]))])),
            ])]))]))]))
        }
        if widgets.isEmpty { widgets.append(GoogleChatFormatter.paragraph(h.text(s.sourceNames))) }
        let subtitle = (s.kind == .new ? "" : s.kindLabel + " · ") + s.sourceNames + " · " + s.dateText
        var body: [(String, JSONValue)] = [
            ("cardsV2", .array([GoogleChatFormatter.card(id: "story", header: s.title, subtitle: subtitle, widgets: widgets)])),
        ]
        if let key = threadKey(s.storyID, mode: mode, kind: s.kind) { body.append(("thread", .object([("threadKey", .string(key))]))) }
        return .object(body)
    }

    /// A thread key when this message starts or continues its story's thread.
    func threadKey(_ storyID: Int64?, mode: DeliveryMode, kind: EventKind) -> String? {
        guard let storyID else { return nil }
        switch mode {
        case .reply: return GoogleChatFormatter.threadKey(storyID: storyID)
        case .post: return kind == .new ? GoogleChatFormatter.threadKey(storyID: storyID) : nil
        case .edit: return nil
        }
    }

    public func health(_ h: HealthMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.gchatText
        var text = h.symbol + " " + m.bold(m.text(h.headline))
        if !h.detail.isEmpty { text += "\n" + m.text(h.detail) }
        return .object([("text", .string(TextLimit.truncate(text, to: 4_000, unit: .utf16)))])
    }

    public func digest(_ d: DigestMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let h = ChatMarkup.html
        var widgets: [JSONValue] = []
        var chunk: [String] = []
        for line in d.lines {
            let title = line.link.map { h.link(line.marker + line.title, $0) } ?? h.text(line.marker + line.title)
            chunk.append("• " + title + (d.note(line).isEmpty ? "" : " — " + h.text(d.note(line))))
            if chunk.count == GoogleChatFormatter.linesPerParagraph {
                widgets.append(GoogleChatFormatter.paragraph(chunk.joined(separator: "<br>")))
                chunk = []
            }
        }
        if !chunk.isEmpty { widgets.append(GoogleChatFormatter.paragraph(chunk.joined(separator: "<br>"))) }
        return .object([("cardsV2", .array([GoogleChatFormatter.card(id: "digest", header: "📰 " + d.title, subtitle: nil, widgets: widgets)]))])
    }

    public func fits(_ body: JSONValue) -> Bool {
        body.serialized.utf8.count <= GoogleChatFormatter.maxBytes
    }

    public func request(body: [UInt8], delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest {
        var url = URLText.appendingQuery(endpoint.url, "requestId", delivery.idempotencyKey)
        if case let .story(s) = delivery.body, threadKey(s.storyID, mode: delivery.mode, kind: s.kind) != nil {
            url = URLText.appendingQuery(url, "messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
        }
        return jsonRequest(.post, url, body: body, endpoint: endpoint)
    }
}

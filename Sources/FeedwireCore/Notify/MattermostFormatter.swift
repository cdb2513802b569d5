/// Mattermost incoming-webhook posts (developers.mattermost.com/integrate/webhooks/incoming):
/// `text` in Markdown. Mattermost renders raw HTML as text and decodes
/// entities once, so feed text is converted, neutralised (`@channel`,
/// `@all`, `@here` and every `@name` get a word joiner; `<!channel>` can no
/// longer form) and backslash-escaped. Text over 16,383 characters would be
/// split into several posts, so every post stays under it. Incoming
/// webhooks cannot edit or thread: updates are new posts marked "Updated".
public struct MattermostFormatter: ChatFormatter {
    public init() {}
    public var type: NotifierType { .mattermost }
    public var canEdit: Bool { false }
    public var canThread: Bool { false }

    /// Mattermost counts runes (Go `utf8.RuneCountInString`): code points.
    static let unit = TextUnit.scalars
    static let textLimit = 16_383

    public func story(_ s: StoryMessage, mode: DeliveryMode, summaryBudget: Int, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.markdown
        let prefix = s.kind == .new ? "" : s.kindLabel + ": "
        var parts: [String] = []
        parts.append("#### " + (s.link.map { m.link(prefix + s.title, $0) } ?? m.text(prefix + s.title)))
        parts.append((s.kind == .new ? "" : m.bold(m.text(s.kindLabel)) + " · ") + s.metaLine(m))
        if s.kind == .gone {
            parts.append(m.text("This story was removed from \(s.sources.first?.name ?? s.event.feed)."))
        } else {
            let changes = s.changeLines(m)
            if !changes.isEmpty { parts.append(changes.joined(separator: "  \n")) }
            let summary = s.summaryText(m, budget: summaryBudget)
            if !summary.isEmpty { parts.append(summary) }
        }
        return .object([("text", .string(parts.joined(separator: "\n\n")))])
    }

    public func health(_ h: HealthMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.markdown
        var text = h.symbol + " " + m.bold(m.text(h.headline))
        if !h.detail.isEmpty { text += "  \n" + m.text(h.detail) }
        return .object([("text", .string(TextLimit.truncate(text, to: MattermostFormatter.textLimit, unit: MattermostFormatter.unit)))])
    }

    public func digest(_ d: DigestMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.markdown
        var lines = ["#### 📰 " + m.text(d.title)]
        for line in d.lines {
            let title = line.link.map { m.link(line.marker + line.title, $0) } ?? m.text(line.marker + line.title)
            lines.append("- " + title + (d.note(line).isEmpty ? "" : " — " + m.text(d.note(line))))
        }
        return .object([("text", .string(lines.joined(separator: "\n")))])
    }

    public func fits(_ body: JSONValue) -> Bool {
        MattermostFormatter.unit.count(body["text"]?.stringValue ?? "") <= MattermostFormatter.textLimit
    }

    public func request(body: [UInt8], delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest {
        jsonRequest(.post, endpoint.url, body: body, endpoint: endpoint)
    }
}

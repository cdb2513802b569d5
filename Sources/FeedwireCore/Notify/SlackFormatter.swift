/// Slack incoming-webhook messages with Block Kit (api.slack.com/messaging/webhooks,
/// docs.slack.dev/reference/block-kit): a header with the title, a section
/// with the summary in mrkdwn, a context line with sources and time, and
/// `text` as the notification fallback.
///
/// Limits: ≤ 50 blocks; section text 3000; header plain_text 150; context
/// ≤ 10 elements; `text` is truncated by Slack beyond 40,000. Escaping: only
/// `&amp; &lt; &gt;` (api.slack.com/reference/surfaces/formatting), which
/// also defuses `<!channel>`, `<!here>`, `<@U…>` in feed text. Incoming
/// webhooks cannot edit or thread, so updates are new messages marked "Updated".
public struct SlackFormatter: ChatFormatter {
    public init() {}
    public var type: NotifierType { .slack }
    public var canEdit: Bool { false }
    public var canThread: Bool { false }

    static let unit = TextUnit.utf16
    static let headerLimit = 150, sectionLimit = 3000, textLimit = 40_000, maxBlocks = 50
    /// Sections per digest message (well under 50 blocks and Slack's total-size check).
    static let digestSections = 20

    static func cut(_ s: String, _ limit: Int) -> String { TextLimit.truncate(s, to: limit, unit: unit) }

    /// Cuts already-escaped mrkdwn without leaving half an entity or link:
    /// the plain text is cut before escaping instead.
    static func header(_ plain: String) -> JSONValue {
        // Escaping can only lengthen text: cut the plain text until the escaped form fits.
        var limit = headerLimit
        var text = ChatMarkup.slack.text(cut(plain, limit))
        while unit.count(text) > headerLimit && limit > 1 {
            limit -= max(1, unit.count(text) - headerLimit)
            text = ChatMarkup.slack.text(cut(plain, limit))
        }
        return .object([("type", .string("header")), ("text", .object([("type", .string("plain_text")), ("text", .string(text))]))])
    }

    static func section(_ mrkdwn: String) -> JSONValue {
        .object([("type", .string("section")), ("text", .object([("type", .string("mrkdwn")), ("text", .string(mrkdwn))]))])
    }

    static func context(_ mrkdwn: String) -> JSONValue {
        .object([("type", .string("context")), ("elements", .array([.object([("type", .string("mrkdwn")), ("text", .string(mrkdwn))])]))])
    }

    public func story(_ s: StoryMessage, mode: DeliveryMode, summaryBudget: Int, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.slack
        let prefix = s.kind == .new ? "" : s.kindLabel + ": "
        var blocks: [JSONValue] = [SlackFormatter.header(prefix + s.title)]
        var body: [String] = []
        if s.kind == .gone {
            body.append(m.text("This story was removed from \(s.sources.first?.name ?? s.event.feed)."))
        } else {
            let changes = s.changeLines(m)
            if !changes.isEmpty { body.append(changes.joined(separator: "\n")) }
            let summary = s.summaryText(m, budget: summaryBudget)
            if !summary.isEmpty { body.append(summary) }
        }
        if let link = s.link { body.append(m.link("Read the story", link)) }
        if !body.isEmpty { blocks.append(SlackFormatter.section(body.joined(separator: "\n\n"))) }
        blocks.append(SlackFormatter.context((s.kind == .new ? "" : m.bold(s.kindLabel) + " · ") + s.metaLine(m)))
        let fallbackTitle = s.link.map { m.link(s.title, $0) } ?? m.text(s.title)
        return .object([
            ("text", .string(SlackFormatter.cut(m.text(s.kindLabel + ": ") + fallbackTitle, SlackFormatter.textLimit))),
            ("blocks", .array(blocks)),
        ])
    }

    public func health(_ h: HealthMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.slack
        var text = h.symbol + " " + m.bold(m.text(h.headline))
        if !h.detail.isEmpty { text += "\n" + m.text(h.detail) }
        return .object([("text", .string(SlackFormatter.cut(text, SlackFormatter.sectionLimit)))])
    }

    public func digest(_ d: DigestMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.slack
        var sections: [String] = []
        var current = ""
        var currentCount = 0
        for line in d.lines {
            let title = line.link.map { m.link(line.marker + line.title, $0) } ?? m.text(line.marker + line.title)
            let text = "• " + title + (d.note(line).isEmpty ? "" : " — " + m.text(d.note(line)))
            let n = SlackFormatter.unit.count(text)
            if !current.isEmpty, currentCount + 1 + n > SlackFormatter.sectionLimit {
                sections.append(current)
                current = ""
                currentCount = 0
            }
            currentCount += (current.isEmpty ? 0 : 1) + n
            current += (current.isEmpty ? "" : "\n") + text
        }
        if !current.isEmpty { sections.append(current) }
        let blocks = [SlackFormatter.header("📰 " + d.title)] + sections.map(SlackFormatter.section)
        return .object([("text", .string(m.text(d.title))), ("blocks", .array(blocks))])
    }

    public func fits(_ body: JSONValue) -> Bool {
        let u = SlackFormatter.unit
        if let text = body["text"]?.stringValue, u.count(text) > SlackFormatter.textLimit { return false }
        let blocks = body["blocks"]?.arrayValue ?? []
        if blocks.count > min(SlackFormatter.maxBlocks, SlackFormatter.digestSections + 1) { return false }
        for b in blocks {
            for e in b["elements"]?.arrayValue ?? [] {
                if let t = e["text"]?.stringValue, u.count(t) > SlackFormatter.sectionLimit { return false }
            }
            guard let t = b["text"]?["text"]?.stringValue else { continue }
            let limit = b["type"]?.stringValue == "header" ? SlackFormatter.headerLimit : SlackFormatter.sectionLimit
            if u.count(t) > limit { return false }
        }
        return true
    }

    public func request(body: [UInt8], delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest {
        jsonRequest(.post, endpoint.url, body: body, endpoint: endpoint)
    }
}

/// Telegram Bot API messages (core.telegram.org/bots/api#sendmessage):
/// `sendMessage` with `parse_mode: HTML`, edited with `editMessageText`.
///
/// HTML mode: `<b> <i> <s> <a href>` only, and every `<`, `>`, `&` that is
/// not markup written as `&lt; &gt; &amp;` (`&quot;` in attributes). Text is
/// 1–4096 characters *after entity parsing*, counted here on the visible
/// text in UTF-16 units (TDLib's count, never below chat_sink's).
/// `@username` in feed text would notify that user in a group, so it is
/// neutralised with a word joiner.
public struct TelegramFormatter: ChatFormatter {
    public init() {}
    public var type: NotifierType { .telegram }
    public var canEdit: Bool { true }
    public var canThread: Bool { true }

    static let textLimit = 4096

    /// `chat_id` as the API wants it: an integer, or `@channelusername`.
    static func chatID(_ endpoint: NotifierEndpoint) -> JSONValue {
        let raw = (endpoint.chatID ?? "").trimmingASCIIWhitespace
        if let n = Int64(raw) { return .int(n) }
        return .string(raw)
    }

    func message(_ html: String, delivery mode: DeliveryMode, endpoint: NotifierEndpoint) -> JSONValue {
        var fields: [(String, JSONValue)] = [("chat_id", TelegramFormatter.chatID(endpoint))]
        if case let .edit(remote) = mode { fields.append(("message_id", TelegramFormatter.messageID(remote))) }
        fields += [("text", .string(html)), ("parse_mode", .string("HTML"))]
        if case let .reply(remote?) = mode {
            fields.append(("reply_parameters", .object([("message_id", TelegramFormatter.messageID(remote)),
                                                        ("allow_sending_without_reply", .bool(true))])))
        }
        return .object(fields)
    }

    static func messageID(_ remote: RemoteMessage) -> JSONValue {
        Int64(remote.id).map { .int($0) } ?? .string(remote.id)
    }

    public func story(_ s: StoryMessage, mode: DeliveryMode, summaryBudget: Int, endpoint: NotifierEndpoint) -> JSONValue {
        let t = ChatMarkup.telegramHTML
        let prefix = s.kind == .new ? "" : s.kindLabel + ": "
        var parts = [t.bold(s.link.map { t.link(prefix + s.title, $0) } ?? t.text(prefix + s.title))]
        var meta = s.metaLine(t)
        if s.kind == .updated { meta = t.italic(t.text("Updated " + StoryMessage.format(s.noticed))) + " · " + meta }
        parts.append(meta)
        if s.kind == .gone {
            parts.append(t.text("This story was removed from \(s.sources.first?.name ?? s.event.feed)."))
        } else {
            let changes = s.changeLines(t)
            if !changes.isEmpty { parts.append(changes.joined(separator: "\n")) }
            let summary = s.summaryText(t, budget: summaryBudget)
            if !summary.isEmpty { parts.append(summary) }
        }
        return message(parts.joined(separator: "\n\n"), delivery: mode, endpoint: endpoint)
    }

    public func health(_ h: HealthMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let t = ChatMarkup.telegramHTML
        var text = h.symbol + " " + t.bold(t.text(h.headline))
        if !h.detail.isEmpty { text += "\n" + t.text(TextLimit.prefix(h.detail, characters: 3_000)) }
        return message(text, delivery: .post, endpoint: endpoint)
    }

    public func digest(_ d: DigestMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let t = ChatMarkup.telegramHTML
        var lines = ["📰 " + t.bold(t.text(d.title))]
        for line in d.lines {
            let title = line.link.map { t.link(line.marker + line.title, $0) } ?? t.text(line.marker + line.title)
            lines.append("• " + title + (d.note(line).isEmpty ? "" : " — " + t.text(d.note(line))))
        }
        return message(lines.joined(separator: "\n"), delivery: .post, endpoint: endpoint)
    }

    public func fits(_ body: JSONValue) -> Bool {
        let visible = TelegramFormatter.visibleText(body["text"]?.stringValue ?? "")
        return TextUnit.utf16.count(visible.trimmingASCIIWhitespace) <= TelegramFormatter.textLimit
    }

    /// The text users see: our own HTML with tags removed and the four
    /// entities decoded (every literal `<` in it is escaped, so every `<` starts a tag).
    public static func visibleText(_ html: String) -> String {
        var out = ""
        var inTag = false
        var entity: String?
        for c in html.unicodeScalars {
            if inTag {
                if c == ">" { inTag = false }
                continue
            }
            if var e = entity {
                e.unicodeScalars.append(c)
                if c == ";" || e.count > 8 {
                    switch e {
                    case "&lt;": out += "<"
                    case "&gt;": out += ">"
                    case "&amp;": out += "&"
                    case "&quot;": out += "\""
                    default: out += e
                    }
                    entity = nil
                } else {
                    entity = e
                }
                continue
            }
            switch c {
            case "<": inTag = true
            case "&": entity = "&"
            default: out.unicodeScalars.append(c)
            }
        }
        if let e = entity { out += e }
        return out
    }

    public func request(body: [UInt8], delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest {
        let method: String
        if case .edit = delivery.mode { method = "editMessageText" } else { method = "sendMessage" }
        let url = URLText.appendingPath(endpoint.url, "/bot\(endpoint.token ?? "")/\(method)")
        return jsonRequest(.post, url, body: body, endpoint: endpoint)
    }
}

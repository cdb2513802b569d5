/// Discord execute-webhook messages (discord-api-docs `resources/webhook`,
/// "Embed Limits"): one rich embed per story, posted with `?wait=true` so
/// the message id comes back for edits (PATCH `…/messages/{id}`).
///
/// Limits: content 2000; ≤ 10 embeds; title 256, description 4096, footer
/// 2048, ≤ 25 fields of name 256 / value 1024; all embed text ≤ 6000.
/// Counted in UTF-16 units (never fewer than chat_sink's code points).
/// `allowed_mentions: {"parse": []}` on every post and edit: feed text can
/// never ping, whatever it contains.
public struct DiscordFormatter: ChatFormatter {
    public init() {}
    public var type: NotifierType { .discord }
    public var canEdit: Bool { true }
    public var canThread: Bool { false }

    static let unit = TextUnit.utf16
    static let contentLimit = 2000, titleLimit = 256, descriptionLimit = 4096, footerLimit = 2048
    static let fieldNameLimit = 256, fieldValueLimit = 1024, embedTotalLimit = 6000, maxEmbeds = 10

    static let noMentions = JSONValue.object([("parse", .array([]))])
    static let colourNew: Int64 = 0x2B6CB0, colourUpdated: Int64 = 0xD69E2E, colourGone: Int64 = 0x718096

    static func cut(_ s: String, _ limit: Int) -> String { TextLimit.truncate(s, to: limit, unit: unit) }

    public func story(_ s: StoryMessage, mode: DeliveryMode, summaryBudget: Int, endpoint: NotifierEndpoint) -> JSONValue {
        let md = ChatMarkup.discord
        var description: [String] = []
        if s.kind == .gone {
            description.append(md.text("This story was removed from \(s.sources.first?.name ?? s.event.feed)."))
        } else {
            let changes = s.changeLines(md)
            if !changes.isEmpty { description.append(changes.joined(separator: "\n")) }
            let summary = s.summaryText(md, budget: summaryBudget)
            if !summary.isEmpty { description.append(summary) }
        }
        let footer = ChatMarkup.plain.text(s.sourceNames)
        var embed: [(String, JSONValue?)] = [
            ("title", .string(DiscordFormatter.cut(ChatMarkup.plain.text((s.kind == .new ? "" : s.kindLabel + ": ") + s.title), DiscordFormatter.titleLimit))),
            ("url", s.link.map { .string($0) }),
            ("description", description.isEmpty ? nil : .string(DiscordFormatter.cut(description.joined(separator: "\n\n"), DiscordFormatter.descriptionLimit))),
            ("timestamp", .string(s.date.rfc3339)),
            ("color", .int(s.kind == .updated ? DiscordFormatter.colourUpdated : s.kind == .gone ? DiscordFormatter.colourGone : DiscordFormatter.colourNew)),
            ("footer", .object([("text", .string(DiscordFormatter.cut(footer.isEmpty ? s.event.feed : footer, DiscordFormatter.footerLimit)))])),
        ]
        if s.sources.count > 1 {
            var value = ""
            for src in s.sources {
                let line = src.link.map { md.link(src.name, $0) } ?? md.text(src.name)
                if DiscordFormatter.unit.count(value) + 1 + DiscordFormatter.unit.count(line) > DiscordFormatter.fieldValueLimit { break }
                value += (value.isEmpty ? "" : "\n") + line
            }
            if value.isEmpty { value = DiscordFormatter.cut(md.text(s.sourceNames), DiscordFormatter.fieldValueLimit) }
            embed.append(("fields", .array([.object([("name", .string("Sources")), ("value", .string(value)),
                                                     ("inline", .bool(false))])])))
        }
        var content: String?
        if s.kind == .updated {
            content = "🔄 **Updated** " + md.text(StoryMessage.format(s.noticed))
        }
        return .object(omittingNil: [
            ("content", content.map { .string($0) }),
            ("embeds", .array([.object(omittingNil: embed)])),
            ("allowed_mentions", DiscordFormatter.noMentions),
        ])
    }

    public func health(_ h: HealthMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let md = ChatMarkup.discord
        var text = h.symbol + " " + md.bold(md.text(h.headline))
        let detail = h.detail
        if !detail.isEmpty { text += "\n" + md.text(detail) }
        return .object([("content", .string(DiscordFormatter.cut(text, DiscordFormatter.contentLimit))),
                        ("allowed_mentions", DiscordFormatter.noMentions)])
    }

    /// Lines fill the content (after the headline) first, then embed
    /// descriptions: as many stories per message as Discord's limits allow.
    public func digest(_ d: DigestMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let md = ChatMarkup.discord
        let u = DiscordFormatter.unit
        var content = "📰 " + md.bold(md.text(d.title))
        var contentCount = u.count(content)
        var embeds: [String] = []
        var current = ""
        var currentCount = 0
        var inContent = true
        for line in d.lines {
            let text = DiscordFormatter.cut(DiscordFormatter.digestLine(line, note: d.note(line), md), DiscordFormatter.descriptionLimit)
            let n = u.count(text)
            if inContent {
                if contentCount + 1 + n <= DiscordFormatter.contentLimit {
                    content += "\n" + text
                    contentCount += 1 + n
                    continue
                }
                inContent = false
            }
            if !current.isEmpty, currentCount + 1 + n > DiscordFormatter.descriptionLimit {
                embeds.append(current)
                current = ""
                currentCount = 0
            }
            currentCount += (current.isEmpty ? 0 : 1) + n
            current += (current.isEmpty ? "" : "\n") + text
        }
        if !current.isEmpty { embeds.append(current) }
        return .object(omittingNil: [
            ("content", .string(content)),
            ("embeds", embeds.isEmpty ? nil : .array(embeds.map { .object([("description", .string($0)), ("color", .int(DiscordFormatter.colourNew))]) })),
            ("allowed_mentions", DiscordFormatter.noMentions),
        ])
    }

    static func digestLine(_ line: DigestLine, note: String, _ md: ChatMarkup) -> String {
        let title = line.link.map { md.link(line.marker + line.title, $0) } ?? md.text(line.marker + line.title)
        return "• " + title + (note.isEmpty ? "" : " — " + md.text(note))
    }

    public func fits(_ body: JSONValue) -> Bool {
        let u = DiscordFormatter.unit
        if let content = body["content"]?.stringValue, u.count(content) > DiscordFormatter.contentLimit { return false }
        let embeds = body["embeds"]?.arrayValue ?? []
        if embeds.count > DiscordFormatter.maxEmbeds { return false }
        var total = 0
        for e in embeds {
            func measure(_ v: JSONValue?, _ limit: Int) -> Bool {
                guard let s = v?.stringValue else { return true }
                let n = u.count(s)
                total += n
                return n <= limit
            }
            guard measure(e["title"], DiscordFormatter.titleLimit), measure(e["description"], DiscordFormatter.descriptionLimit),
                  measure(e["footer"]?["text"], DiscordFormatter.footerLimit), measure(e["author"]?["name"], 256) else { return false }
            let fields = e["fields"]?.arrayValue ?? []
            if fields.count > 25 { return false }
            for f in fields {
                guard measure(f["name"], DiscordFormatter.fieldNameLimit), measure(f["value"], DiscordFormatter.fieldValueLimit) else { return false }
            }
        }
        return total <= DiscordFormatter.embedTotalLimit
    }

    public func request(body: [UInt8], delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest {
        if case let .edit(remote) = delivery.mode {
            let url = URLText.appendingPath(endpoint.url, "/messages/" + URLText.percentEncode(remote.id))
            return jsonRequest(.patch, url, body: body, endpoint: endpoint)
        }
        return jsonRequest(.post, URLText.appendingQuery(endpoint.url, "wait", "true"), body: body, endpoint: endpoint)
    }
}

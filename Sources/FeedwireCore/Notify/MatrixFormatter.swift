/// Matrix `m.room.message` events through the client-server API
/// (spec.matrix.org, "PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}").
///
/// - `txnId` = the outbox row's idempotency key: a retransmission after a
///   lost answer returns the original `event_id` and posts nothing new.
/// - `m.notice` with `body` (plain) and `formatted_body`
///   (`org.matrix.custom.html`, text HTML-escaped).
/// - `m.mentions: {}` (intentional mentions, spec v1.7): nobody is pinged,
///   whatever `@room` the text holds; the text is neutralised as well for
///   older clients.
/// - Updates edit the announcement in place with `m.replace` and
///   `m.new_content`, or reply in its thread (`m.thread`).
/// - Events are limited to 65,536 bytes including the server's envelope.
public struct MatrixFormatter: ChatFormatter {
    public init() {}
    public var type: NotifierType { .matrix }
    public var canEdit: Bool { true }
    public var canThread: Bool { true }

    /// 65,536 minus room for the PDU envelope (room id, sender, hashes, signatures).
    static let maxContentBytes = 63_000

    static func content(body: String, html: String) -> [(String, JSONValue)] {
        [("msgtype", .string("m.notice")), ("body", .string(body)),
         ("format", .string("org.matrix.custom.html")), ("formatted_body", .string(html))]
    }

    static let noMentions: (String, JSONValue) = ("m.mentions", .object([]))

    /// The event content for a text, wrapped for the delivery mode.
    static func event(body: String, html: String, mode: DeliveryMode) -> JSONValue {
        switch mode {
        case let .edit(remote):
            // Fallback for clients without edits: "* " + the new text (spec "Event replacements").
            return .object(content(body: "* " + body, html: "* " + html) + [
                ("m.new_content", .object(content(body: body, html: html) + [noMentions])),
                ("m.relates_to", .object([("rel_type", .string("m.replace")), ("event_id", .string(remote.id))])),
                noMentions,
            ])
        case let .reply(remote?):
            return .object(content(body: body, html: html) + [
                ("m.relates_to", .object([
                    ("rel_type", .string("m.thread")), ("event_id", .string(remote.thread ?? remote.id)),
                    ("is_falling_back", .bool(true)),
                    ("m.in_reply_to", .object([("event_id", .string(remote.id))])),
                ])),
                noMentions,
            ])
        case .post, .reply(nil):
            return .object(content(body: body, html: html) + [noMentions])
        }
    }

    public func story(_ s: StoryMessage, mode: DeliveryMode, summaryBudget: Int, endpoint: NotifierEndpoint) -> JSONValue {
        let p = ChatMarkup.plain, h = ChatMarkup.html
        let prefix = s.kind == .new ? "" : s.kindLabel + ": "
        var plain = [p.text(prefix + s.title), (s.kind == .new ? "" : s.kindLabel + " · ") + s.metaLine(p)]
        var html = [h.bold(s.link.map { h.link(prefix + s.title, $0) } ?? h.text(prefix + s.title)),
                    (s.kind == .new ? "" : h.italic(h.text(s.kindLabel)) + " · ") + s.metaLine(h)]
        if s.kind == .gone {
            let note = "This story was removed from \(s.sources.first?.name ?? s.event.feed)."
            plain.append(p.text(note))
            html.append(h.text(note))
        } else {
            let pc = s.changeLines(p), hc = s.changeLines(h)
            if !pc.isEmpty {
                plain.append(pc.joined(separator: "\n"))
                html.append(hc.joined(separator: "<br>"))
            }
            let summary = s.summary.truncated(toCharacters: summaryBudget)
            if !summary.isEmpty {
                plain.append(p.render(summary))
                html.append(h.render(summary))
            }
        }
        if let link = s.link { plain.append(URLText.display(link)) }
        return MatrixFormatter.event(body: plain.joined(separator: "\n\n"), html: html.joined(separator: "<br><br>"), mode: mode)
    }

    public func health(_ h: HealthMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let p = ChatMarkup.plain, x = ChatMarkup.html
        var body = h.symbol + " " + p.text(h.headline)
        var html = h.symbol + " " + x.bold(x.text(h.headline))
        if !h.detail.isEmpty {
            body += "\n" + p.text(h.detail)
            html += "<br>" + x.text(h.detail)
        }
        return MatrixFormatter.event(body: body, html: html, mode: .post)
    }

    public func digest(_ d: DigestMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let p = ChatMarkup.plain, x = ChatMarkup.html
        var body = ["📰 " + p.text(d.title)]
        var items: [String] = []
        for line in d.lines {
            body.append("• " + p.text(line.marker + line.title) + (d.note(line).isEmpty ? "" : " — " + p.text(d.note(line)))
                        + (line.link.map { " " + URLText.display($0) } ?? ""))
            let title = line.link.map { x.link(line.marker + line.title, $0) } ?? x.text(line.marker + line.title)
            items.append("<li>" + title + (d.note(line).isEmpty ? "" : " — " + x.text(d.note(line))) + "</li>")
        }
        let html = x.bold("📰 " + x.text(d.title)) + "<ul>" + items.joined() + "</ul>"
        return MatrixFormatter.event(body: body.joined(separator: "\n"), html: html, mode: .post)
    }

    public func fits(_ body: JSONValue) -> Bool {
        body.serialized.utf8.count <= MatrixFormatter.maxContentBytes
    }

    public func request(body: [UInt8], delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest {
        let path = "/_matrix/client/v3/rooms/\(URLText.percentEncode(endpoint.room ?? ""))/send/m.room.message/\(URLText.percentEncode(delivery.idempotencyKey))"
        return jsonRequest(.put, URLText.appendingPath(endpoint.url, path), body: body, endpoint: endpoint,
                           extraHeaders: [("Authorization", "Bearer " + (endpoint.token ?? ""))])
    }
}

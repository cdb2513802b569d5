/// ntfy notifications, published as JSON to the server root with a `topic`
/// field (docs.ntfy.sh/publish, "Publish as JSON"). JSON publishing keeps
/// non-ASCII titles intact without RFC 2047 header encoding, and posting
/// JSON to `/<topic>` instead would show the raw JSON as the message.
///
/// The configured URL is the topic URL (`https://ntfy.sh/<topic>`); the
/// root is everything before the topic. The message is Markdown
/// (`markdown: true`) and at most 4096 UTF-8 bytes: longer messages become
/// attachments. ntfy has no edit or thread; updates are new notifications.
public struct NtfyFormatter: ChatFormatter {
    public init() {}
    public var type: NotifierType { .ntfy }
    public var canEdit: Bool { false }
    public var canThread: Bool { false }

    static let messageBytes = 4096
    static let titleLimit = 250

    /// (root URL ending in "/", topic) of a topic URL; nil when the last
    /// path segment is not a valid topic (`^[-_A-Za-z0-9]{1,64}$`).
    public static func split(_ url: String) -> (root: String, topic: String)? {
        let noFragment = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let noQuery = noFragment.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        var path = Substring(noQuery)
        while path.hasSuffix("/") { path = path.dropLast() }
        guard let scheme = URLText.scheme(of: String(path)), let slash = path.lastIndex(of: "/"),
              path.distance(from: path.startIndex, to: slash) > scheme.count + 2 else { return nil }
        let topic = path[path.index(after: slash)...]
        guard (1...64).contains(topic.utf8.count), topic.utf8.allSatisfy({ b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x2D || b == 0x5F
        }) else { return nil }
        return (String(path[...slash]), String(topic))
    }

    func publish(topic: String, title: String, message: String, click: String?, tags: [String], priority: Int64) -> JSONValue {
        .object(omittingNil: [
            ("topic", .string(topic)),
            ("title", .string(TextLimit.truncate(ChatMarkup.plain.text(title), to: NtfyFormatter.titleLimit, unit: .utf16))),
            ("message", .string(message)),
            ("markdown", .bool(true)),
            ("click", click.map { .string($0) }),
            ("tags", .array(tags.map { .string($0) })),
            ("priority", .int(priority)),
        ])
    }

    func topic(_ endpoint: NotifierEndpoint) -> String { NtfyFormatter.split(endpoint.url)?.topic ?? "feedwire" }

    public func story(_ s: StoryMessage, mode: DeliveryMode, summaryBudget: Int, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.markdown
        var parts = [(s.kind == .new ? "" : m.bold(m.text(s.kindLabel)) + " · ") + s.metaLine(m)]
        if s.kind == .gone {
            parts.append(m.text("This story was removed from \(s.sources.first?.name ?? s.event.feed)."))
        } else {
            let changes = s.changeLines(m)
            if !changes.isEmpty { parts.append(changes.joined(separator: "  \n")) }
            let summary = s.summaryText(m, budget: summaryBudget)
            if !summary.isEmpty { parts.append(summary) }
        }
        let tags: [String] = s.kind == .updated ? ["pencil2"] : s.kind == .gone ? ["wastebasket"] : ["newspaper"]
        return publish(topic: topic(endpoint), title: (s.kind == .new ? "" : s.kindLabel + ": ") + s.title,
                       message: parts.joined(separator: "\n\n"), click: s.link, tags: tags, priority: 3)
    }

    public func health(_ h: HealthMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.markdown
        let message = h.detail.isEmpty ? m.text(h.headline) : m.text(h.detail)
        let urgent = h.kind == .feedFailing || h.kind == .feedDisabled
        return publish(topic: topic(endpoint), title: h.symbol + " " + h.headline,
                       message: TextLimit.truncate(message, to: NtfyFormatter.messageBytes, unit: .utf8),
                       click: nil, tags: [urgent ? "warning" : "information_source"], priority: urgent ? 4 : 3)
    }

    public func digest(_ d: DigestMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let m = ChatMarkup.markdown
        let lines = d.lines.map { line -> String in
            let title = line.link.map { m.link(line.marker + line.title, $0) } ?? m.text(line.marker + line.title)
            return "- " + title + (d.note(line).isEmpty ? "" : " — " + m.text(d.note(line)))
        }
        return publish(topic: topic(endpoint), title: "📰 " + d.title, message: lines.joined(separator: "\n"),
                       click: nil, tags: ["newspaper"], priority: 3)
    }

    public func fits(_ body: JSONValue) -> Bool {
        (body["message"]?.stringValue ?? "").utf8.count <= NtfyFormatter.messageBytes
    }

    public func request(body: [UInt8], delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest {
        jsonRequest(.post, NtfyFormatter.split(endpoint.url)?.root ?? endpoint.url, body: body, endpoint: endpoint)
    }
}

/// How one delivery reaches the service.
public enum DeliveryMode: Sendable, Equatable {
    /// A new message.
    case post
    /// Replace the message that announced the story (Discord PATCH, Telegram
    /// `editMessageText`, Matrix `m.replace`): this edit is the update's notification.
    case edit(RemoteMessage)
    /// A reply in the story's thread (Google Chat `thread.threadKey`, Matrix
    /// `m.thread`, Telegram reply). Google Chat needs no remote: its thread key derives from the story.
    case reply(RemoteMessage?)
}

/// One request's worth of outbox rows, decided by `DeliveryPlanner`.
public struct PlannedDelivery: Sendable, Equatable {
    public var body: MessageBody
    public var mode: DeliveryMode
    /// Every outbox row this request stands for (one story with its folded
    /// updates, or a digest).
    public var rowIDs: [Int64]
    /// Attempts made so far, per row in `rowIDs`.
    public var attempts: [Int]
    /// `webhook-id`, Matrix `txnId`, Google Chat `requestId`.
    public var idempotencyKey: String
    public var storyID: Int64?
    /// When each row's change was detected (for the delivery-latency metric).
    public var detectedAt: [Timestamp]

    public init(body: MessageBody, mode: DeliveryMode = .post, rowIDs: [Int64], attempts: [Int]? = nil,
                idempotencyKey: String, storyID: Int64? = nil, detectedAt: [Timestamp] = []) {
        self.body = body
        self.mode = mode
        self.rowIDs = rowIDs
        self.attempts = attempts ?? Array(repeating: 0, count: rowIDs.count)
        self.idempotencyKey = idempotencyKey
        self.storyID = storyID
        self.detectedAt = detectedAt
    }

    public var isDigest: Bool { if case .digest = body { return true }; return false }
}

/// Turns messages into one service's HTTP requests, within that service's
/// documented limits. Payload builders are pure; `fits` is the service's
/// own count. The shared extension tries shorter summaries until a
/// payload fits and sizes digests.
public protocol ChatFormatter: Sendable {
    var type: NotifierType { get }
    /// The service can edit a message it returned an id for.
    var canEdit: Bool { get }
    /// The service can reply in a story's thread.
    var canThread: Bool { get }
    func story(_ story: StoryMessage, mode: DeliveryMode, summaryBudget: Int, endpoint: NotifierEndpoint) -> JSONValue
    func health(_ health: HealthMessage, endpoint: NotifierEndpoint) -> JSONValue
    func digest(_ digest: DigestMessage, endpoint: NotifierEndpoint) -> JSONValue
    /// Whether a body is within every limit of the service.
    func fits(_ body: JSONValue) -> Bool
    /// Method, URL and headers for a body.
    func request(body: [UInt8], delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest
}

public enum ChatFormatters {
    public static func formatter(for type: NotifierType) -> any ChatFormatter {
        switch type {
        case .slack: return SlackFormatter()
        case .mattermost: return MattermostFormatter()
        case .discord: return DiscordFormatter()
        case .teams: return TeamsFormatter()
        case .gchat: return GoogleChatFormatter()
        case .matrix: return MatrixFormatter()
        case .telegram: return TelegramFormatter()
        case .ntfy: return NtfyFormatter()
        case .webhook: return WebhookFormatter()
        }
    }

    /// Summary lengths tried, longest first, until a story fits ("a short summary").
    public static let summaryBudgets = [600, 400, 250, 150, 80, 0]
}

extension ChatFormatter {
    /// The body for a delivery, shortening the summary until it fits.
    public func body(for delivery: PlannedDelivery, endpoint: NotifierEndpoint) -> JSONValue {
        switch delivery.body {
        case let .story(s):
            var last = JSONValue.null
            for budget in ChatFormatters.summaryBudgets {
                last = story(s, mode: delivery.mode, summaryBudget: budget, endpoint: endpoint)
                if fits(last) { return last }
            }
            return last
        case let .health(h):
            return health(h, endpoint: endpoint)
        case let .digest(d):
            return digest(d, endpoint: endpoint)
        }
    }

    /// The complete request for a delivery at `now` (signatures use this attempt's time).
    public func makeRequest(_ delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest {
        request(body: body(for: delivery, endpoint: endpoint).serializedBytes, delivery: delivery, endpoint: endpoint, now: now)
    }

    /// How many of the leading `lines` fit one digest message (at least 1,
    /// since every line is short enough on its own).
    public func digestCapacity(_ lines: [DigestLine], endpoint: NotifierEndpoint) -> Int {
        guard lines.count > 1 else { return lines.count }
        if fits(digest(DigestMessage(lines: lines), endpoint: endpoint)) { return lines.count }
        var lo = 1, hi = lines.count - 1  // lo fits (by construction), hi+1 does not
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if fits(digest(DigestMessage(lines: Array(lines[0..<mid])), endpoint: endpoint)) { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// A JSON request as every service takes it: no redirects (a 3xx is a
    /// failure, Standard Webhooks), the webhook timeout, our User-Agent.
    public func jsonRequest(_ method: HTTPMethod, _ url: String, body: [UInt8], endpoint: NotifierEndpoint,
                            extraHeaders: [(String, String)] = []) -> HTTPRequest {
        var headers = HTTPHeaders([("Content-Type", "application/json; charset=utf-8"), ("User-Agent", endpoint.userAgent),
                                   ("Accept", "application/json")])
        for (k, v) in extraHeaders { headers.add(k, v) }
        var limits = TransferLimits()
        limits.totalTimeout = endpoint.timeout
        limits.connectTimeout = min(10, endpoint.timeout)
        limits.maxBodyBytes = 1 << 20
        limits.maxRedirects = 0
        return HTTPRequest(method: method, url: url, headers: headers, body: body, limits: limits, followRedirects: false,
                           label: "notifier \(endpoint.name)")
    }
}

extension StoryMessage {
    /// "New" / "Updated" / "Removed".
    public var kindLabel: String {
        switch kind {
        case .updated: return "Updated"
        case .gone: return "Removed"
        default: return "New"
        }
    }

    /// What changed, one line per aspect, in a markup: the earlier title and
    /// short word diffs of title and text.
    public func changeLines(_ markup: ChatMarkup, maxCharacters: Int = 300) -> [String] {
        guard kind == .updated else { return [] }
        var lines: [String] = []
        if let previousTitle, !previousTitle.isEmpty {
            // Old → new title.
            lines.append(markup.italic(markup.text("Title:")) + " " + markup.removed(markup.text(previousTitle))
                         + markup.text(" → ") + markup.text(title))
        }
        if let textDiff {
            let c = ChangeSummary(textDiff, maxCharacters: maxCharacters)
            if !c.isEmpty { lines.append(markup.italic(markup.text("Text:")) + " " + c.render(markup)) }
        } else if previousTitle == nil, let titleDiff {
            let c = ChangeSummary(titleDiff, maxCharacters: maxCharacters)
            if !c.isEmpty { lines.append(markup.italic(markup.text("Title:")) + " " + c.render(markup)) }
        }
        if lines.isEmpty, !changedFields.isEmpty {
            lines.append(markup.italic(markup.text("Changed: " + changedFields.map(\.rawValue).joined(separator: ", "))))
        }
        return lines
    }

    /// The summary cut to a visible budget, in a markup.
    public func summaryText(_ markup: ChatMarkup, budget: Int) -> String {
        markup.render(summary.truncated(toCharacters: budget))
    }

    /// "Kyiv Independent · 25 Nov 2025 10:00 UTC", with linked source names where the markup links.
    public func metaLine(_ markup: ChatMarkup, linkSources: Bool = true) -> String {
        var parts = sources.prefix(3).map { s -> String in
            if linkSources, let l = s.link, markup != .plain { return markup.link(s.name, l) }
            return markup.text(s.name)
        }
        parts.append(markup.text(dateText))
        return parts.joined(separator: markup.text(" · "))
    }
}

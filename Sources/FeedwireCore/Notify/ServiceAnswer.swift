/// What a service's answer means for a delivery.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Accepted. The remote message, when the service returned one.
    case delivered(RemoteMessage?)
    /// An in-place edit found no message to edit (deleted by someone): post a new one instead.
    case editTargetMissing(String)
    /// 429. Seconds to wait, when the service said; otherwise back off.
    case rateLimited(retryAfter: Double?, detail: String)
    /// Worth retrying later: 5xx, timeouts, connection failures, redirects.
    /// `retryAfter` when a 503 said when.
    case retry(String, retryAfter: Double?)
    /// The service says the endpoint no longer exists or no longer accepts
    /// us (410, Discord Unknown Webhook, Slack `no_service`, Telegram bot
    /// blocked, Matrix not in room, revoked tokens): disable the target.
    case gone(String)
    /// This message was refused (invalid payload, too large …): retrying
    /// will not help. Dead-letter it with the service's words.
    case rejected(String)
}

/// Rate-limit state a service reported on an answer (`X-RateLimit-*`).
public struct RateHint: Sendable, Equatable {
    public var limit: Int?
    public var remaining: Int?
    /// Seconds until the window resets.
    public var resetAfter: Double?

    public init(limit: Int? = nil, remaining: Int? = nil, resetAfter: Double? = nil) {
        self.limit = limit
        self.remaining = remaining
        self.resetAfter = resetAfter
    }
}

/// Reads service answers: success and remote ids, rate limits, gone
/// endpoints, permanent rejections (chat-services.md per service; chat_sink's
/// `gone` paths).
public enum ServiceAnswer {
    public static func interpret(_ result: Result<HTTPResponse, TransportError>, type: NotifierType,
                                 mode: DeliveryMode, now: Double) -> DeliveryOutcome {
        let response: HTTPResponse
        switch result {
        case let .failure(error):
            switch error {
            case .invalidURL, .protocolNotAllowed, .refusedByPolicy:
                return .gone("\(error.message); \(error.advice)")
            case .tooLarge:
                // An answer over the cap: whether the service accepted the message is unknown,
                // so it is sent again (at-least-once).
                return .retry(error.message, retryAfter: nil)
            default:
                return .retry(error.message, retryAfter: nil)
            }
        case let .success(r):
            response = r
        }
        let status = response.status
        let json = try? JSONValue.parse(response.body)
        let text = bodyText(response)
        if (200..<300).contains(status) {
            if type == .telegram, json?["ok"]?.boolValue == false {
                return .rejected("Telegram: \(json?["description"]?.stringValue ?? text)")
            }
            return .delivered(remote(type: type, mode: mode, json: json))
        }
        let detail = "HTTP \(status)" + (text.isEmpty ? "" : ": \(text)")
        if status == 429 {
            return .rateLimited(retryAfter: retryAfter(response, json: json, now: now), detail: detail)
        }
        if status == 410 { return .gone(detail) }
        if let special = serviceSpecific(type: type, status: status, mode: mode, json: json, text: text, detail: detail) {
            return special
        }
        if (300..<400).contains(status) {
            return .retry("\(detail) (redirects are not followed for webhooks; if the endpoint moved, update `url`)", retryAfter: nil)
        }
        if status >= 500 || status == 408 || status == 425 {
            return .retry(detail, retryAfter: retryAfter(response, json: json, now: now))
        }
        return .rejected(detail)
    }

    /// Per-service meanings of 4xx answers.
    static func serviceSpecific(type: NotifierType, status: Int, mode: DeliveryMode, json: JSONValue?, text: String,
                                detail: String) -> DeliveryOutcome? {
        let editing: Bool
        if case .edit = mode { editing = true } else { editing = false }
        switch type {
        case .discord:
            let code = json?["code"]?.intValue
            // "404 Unknown Webhook (10015)": do not retry a 404 (rate-limits.md); 50027 Invalid Webhook Token.
            if code == 10015 || code == 50027 || status == 401 { return .gone(detail) }
            if editing, status == 404 || code == 10008 { return .editTargetMissing(detail) }
            if status == 404 { return .gone(detail) }
        case .slack:
            let error = text.trimmingASCIIWhitespace
            let goneErrors: Set<String> = ["no_service", "channel_is_archived", "channel_not_found", "invalid_token",
                                           "action_prohibited", "team_disabled", "no_active_hooks", "no_service_id"]
            if goneErrors.contains(error) || status == 404 || status == 403 { return .gone(detail) }
        case .mattermost, .teams, .ntfy:
            if status == 404 || status == 401 || status == 403 { return .gone(detail) }
        case .gchat:
            if status == 404 || status == 401 || status == 403 { return .gone(detail) }
            // 409 ALREADY_EXISTS: a client-assigned message id was already used, i.e. this was delivered.
            if status == 409 { return .delivered(nil) }
        case .matrix:
            let errcode = json?["errcode"]?.stringValue
            if status == 401 || errcode == "M_FORBIDDEN" || errcode == "M_UNKNOWN_TOKEN" || errcode == "M_MISSING_TOKEN" {
                return .gone(detail)
            }
            if status == 404, errcode == "M_UNRECOGNIZED" { return .gone(detail + " (is `url` the homeserver base URL?)") }
        case .telegram:
            let description = (json?["description"]?.stringValue ?? text).lowercased()
            if editing {
                if description.contains("message is not modified") { return .delivered(nil) }
                if description.contains("message to edit not found") || description.contains("message_id_invalid") {
                    return .editTargetMissing(detail)
                }
            }
            if status == 401 || status == 403 || status == 404 || description.contains("chat not found") { return .gone(detail) }
        case .webhook:
            break
        }
        return nil
    }

    /// The remote message a success returned.
    static func remote(type: NotifierType, mode: DeliveryMode, json: JSONValue?) -> RemoteMessage? {
        switch type {
        case .discord:
            if let id = json?["id"]?.stringValue { return RemoteMessage(id: id) }
        case .telegram:
            if let id = json?["result"]?["message_id"]?.intValue { return RemoteMessage(id: String(id)) }
        case .matrix:
            if let id = json?["event_id"]?.stringValue { return RemoteMessage(id: id) }
        case .gchat:
            if let name = json?["name"]?.stringValue { return RemoteMessage(id: name, thread: json?["thread"]?["name"]?.stringValue) }
        case .ntfy:
            if let id = json?["id"]?.stringValue { return RemoteMessage(id: id) }
        case .slack, .mattermost, .teams, .webhook:
            break
        }
        return nil
    }

    /// The service's error text for messages: one line, at most 300 characters.
    public static func bodyText(_ r: HTTPResponse) -> String {
        TextLimit.prefix(TextLimit.singleLine(String(decoding: r.body.prefix(2_000), as: UTF8.self)), characters: 300)
    }

    /// Seconds to wait after a 429 (or a 503 that says): the largest of
    /// `Retry-After` (seconds or HTTP-date, RFC 9110 §10.2.3), JSON
    /// `retry_after` (Discord, float seconds), `retry_after_ms` (Matrix),
    /// `parameters.retry_after` (Telegram) and `X-RateLimit-Reset-After`
    /// (Discord). Nil when the service gave no hint (Google Chat, ntfy).
    public static func retryAfter(_ r: HTTPResponse, json: JSONValue?, now: Double) -> Double? {
        var values: [Double] = []
        if let h = r.header("Retry-After")?.trimmingASCIIWhitespace {
            if let s = Double(h) {
                values.append(s)
            } else if let date = HTTPDate.parse(h, now: Timestamp(unix: now)) {
                // Measured from the answer's own Date when it has one, so a server with a wrong clock still gets its delay.
                let base = r.header("Date").flatMap { HTTPDate.parse($0, now: Timestamp(unix: now)) }.map { Double($0.seconds) } ?? now
                values.append(Double(date.seconds) - base)
            }
        }
        if let j = json {
            if let s = j["retry_after"]?.doubleValue { values.append(s) }
            if let ms = j["retry_after_ms"]?.doubleValue { values.append(ms / 1000) }
            if let s = j["parameters"]?["retry_after"]?.doubleValue { values.append(s) }
        }
        if let h = r.header("X-RateLimit-Reset-After"), let s = Double(h.trimmingASCIIWhitespace) { values.append(s) }
        return values.filter { $0.isFinite }.max()
    }

    /// `X-RateLimit-Limit/-Remaining/-Reset-After/-Reset` (Discord: Reset is
    /// epoch seconds; Mattermost: `X-Ratelimit-Reset` is seconds to wait).
    public static func rateHint(_ r: HTTPResponse, now: Double) -> RateHint? {
        let limit = r.header("X-RateLimit-Limit").flatMap { Int($0.trimmingASCIIWhitespace) }
        let remaining = r.header("X-RateLimit-Remaining").flatMap { Int($0.trimmingASCIIWhitespace) }
        var resetAfter = r.header("X-RateLimit-Reset-After").flatMap { Double($0.trimmingASCIIWhitespace) }
        if resetAfter == nil, let reset = r.header("X-RateLimit-Reset").flatMap({ Double($0.trimmingASCIIWhitespace) }) {
            resetAfter = reset > 1_000_000_000 ? reset - now : reset
        }
        if limit == nil && remaining == nil && resetAfter == nil { return nil }
        return RateHint(limit: limit, remaining: remaining, resetAfter: resetAfter.map { max(0, $0) })
    }
}

/// A `[[notify]]` target with its secrets read: what the formatters need to
/// build requests. Never printed: `description` names the target and the
/// service's host only (webhook URLs carry their secret in the path).
public struct NotifierEndpoint: Sendable, CustomStringConvertible {
    public var name: String
    public var type: NotifierType
    /// Webhook URL, Matrix homeserver base URL, ntfy topic URL or Telegram Bot API base URL.
    public var url: String
    /// Matrix access token or Telegram bot token.
    public var token: String?
    public var room: String?
    public var chatID: String?
    /// Standard Webhooks signing key (decoded `whsec_…`, or the raw secret's UTF-8 bytes).
    public var signingKey: [UInt8]?
    /// The secret as configured, as GitHub's `X-Hub-Signature-256` keys it.
    public var hubKey: [UInt8]?
    public var hubSignature: Bool
    public var editMode: EditMode
    public var userAgent: String
    /// Whole-request timeout (`[daemon] webhook_timeout`, 15 s).
    public var timeout: Double

    public init(name: String, type: NotifierType, url: String, token: String? = nil, room: String? = nil,
                chatID: String? = nil, signingKey: [UInt8]? = nil, hubKey: [UInt8]? = nil, hubSignature: Bool = false,
                editMode: EditMode = .auto, userAgent: String = FeedwireVersion.userAgent(contact: nil), timeout: Double = 15) {
        self.name = name
        self.type = type
        self.url = url
        self.token = token
        self.room = room
        self.chatID = chatID
        self.signingKey = signingKey
        self.hubKey = hubKey ?? signingKey
        self.hubSignature = hubSignature
        self.editMode = editMode
        self.userAgent = userAgent
        self.timeout = timeout
    }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads the secrets of `config` (never logging them) and checks that
    /// the service has what it needs.
    public init(config: NotifierConfig, settings: DaemonSettings = DaemonSettings(),
                environment: [String: String]? = nil) throws(Invalid) {
        let label = "notifier \(config.name) (\(config.type.rawValue))"
        func read(_ secret: Secret, _ what: String) throws(Invalid) -> String {
            do {
                return try secret.resolve(environment: environment)
            } catch {
                throw Invalid(description: "\(label): cannot read its \(what): \(error.description)")
            }
        }
        let url = try read(config.url, "url").trimmingASCIIWhitespace
        guard let scheme = URLText.scheme(of: url), scheme == "http" || scheme == "https" else {
            throw Invalid(description: "\(label): url must be an http(s) URL; fix `url` in its [[notify]] table")
        }
        var token: String?
        if let secret = config.token { token = try read(secret, "token").trimmingASCIIWhitespace }
        var key: [UInt8]?
        var hubKey: [UInt8]?
        if let secret = config.secret {
            let raw = try read(secret, "secret")
            key = try NotifierEndpoint.signingKey(raw, label: label)
            hubKey = Array(raw.utf8)
        }
        self.init(name: config.name, type: config.type, url: url, token: token, room: config.room, chatID: config.chatID,
                  signingKey: key, hubKey: hubKey, hubSignature: config.hubSignature, editMode: config.editMode,
                  userAgent: FeedwireVersion.userAgent(contact: settings.contact), timeout: settings.webhookTimeout)
        switch config.type {
        case .matrix:
            guard token != nil else { throw Invalid(description: "\(label): needs `token` (an access token)") }
            guard let room = config.room, room.hasPrefix("!"), room.contains(":") else {
                throw Invalid(description: "\(label): needs `room` as a room ID (!opaque:server), not an alias")
            }
        case .telegram:
            guard let token, token.contains(":") else {
                throw Invalid(description: "\(label): needs `token` (the bot token, 123456:ABC…)")
            }
            guard let chat = config.chatID, !chat.isEmpty else {
                throw Invalid(description: "\(label): needs `chat_id` (a chat id or @channelusername)")
            }
        case .ntfy:
            guard NtfyFormatter.split(url) != nil else {
                throw Invalid(description: "\(label): url must be the topic URL (https://ntfy.sh/<topic>, topic of [-_A-Za-z0-9])")
            }
        default:
            break
        }
    }

    /// Standard Webhooks: `whsec_<base64>` is the base64 key; anything else is used as UTF-8 bytes.
    static func signingKey(_ raw: String, label: String) throws(Invalid) -> [UInt8] {
        if raw.hasPrefix("whsec_") {
            guard let bytes = Base64.decode(String(raw.dropFirst(6))), !bytes.isEmpty else {
                throw Invalid(description: "\(label): secret starts with whsec_ but the rest is not base64")
            }
            return bytes
        }
        return Array(raw.utf8)
    }

    public var description: String { "notifier \(name) (\(type.rawValue), \(URLText.redacted(url)))" }
}

/// RFC 4648 base64 (standard alphabet, padded), for signatures and keys.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var it = bytes.makeIterator()
        while let a = it.next() {
            let b = it.next(), c = it.next()
            let n = UInt32(a) << 16 | UInt32(b ?? 0) << 8 | UInt32(c ?? 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(b == nil ? UInt8(ascii: "=") : alphabet[Int(n >> 6 & 63)])
            out.append(c == nil ? UInt8(ascii: "=") : alphabet[Int(n & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes standard or URL-safe base64, padding optional; nil on any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 0
        for b in text.utf8 {
            let v: UInt32
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(b - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(b - 97 + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(b - 48 + 52)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(acc >> UInt32(bits) & 0xFF))
            }
        }
        return out
    }
}

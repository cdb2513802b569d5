/// `[[notify]]`: one chat target. Which keys each service needs follows
/// `../shared/design/chat-services.md`; secrets are never echoed.
extension ConfigDecoder {
    /// Keys only some services use, and which.
    static let typeSpecificKeys: [String: [NotifierType]] = [
        "token": [.matrix, .telegram],
        "room": [.matrix],
        "chat_id": [.telegram],
        "secret": [.webhook],
        "hub_signature": [.webhook],
    ]
    static let requiredKeys: [NotifierType: [String]] = [
        .matrix: ["token", "room"],
        .telegram: ["token", "chat_id"],
    ]
    static let notifyEvents = ["new", "updated", "gone", "health"]

    func notifier(_ table: TOMLTable, index: Int) -> NotifierConfig? {
        let s = ConfigSection(table, context: ConfigDecoder.context("notify", name: table["name"]?.string, line: table.line),
                              log: log, baseDirectory: baseDirectory)
        s.rejectUnknownKeys(ConfigDecoder.notifyKeys, elsewhere: ConfigDecoder.homes(excluding: "[[notify]]"))
        let name = self.name(s, kind: "notifier", fallback: table["type"]?.string)

        var type: NotifierType?
        if s.has("type") {
            type = s.choice("type", NotifierType.allCases.map(\.rawValue)).flatMap(NotifierType.init(rawValue:))
        } else {
            log.error(s.line, "\(s.context) has no `type`", suggestion: "add type = \"…\" (\(NotifierType.allCases.map(\.rawValue).joined(separator: " | ")))")
        }

        var url: Secret?
        if s.has("url") {
            url = s.secret("url")
            if case let .inline(text)? = url?.source, ConfigURL.parse(text) == nil {
                // The value may hold a token: say what is wrong, never what it is.
                log.error(s.line(of: "url"), "`url` in \(s.context) is not an http(s) URL",
                          suggestion: "write the service's https:// endpoint, or \"env:NAME\" to read it from the environment")
                url = nil
            }
        } else {
            log.error(s.line, "\(s.context) has no `url`", suggestion: urlAdvice(type))
        }

        var n = NotifierConfig(name: name ?? "", type: type ?? .webhook, url: url ?? Secret(.inline("")))
        n.line = table.line

        // A key the service does not use is an error, and is not read further.
        func applies(_ key: String) -> Bool {
            guard let type, let types = ConfigDecoder.typeSpecificKeys[key] else { return true }
            return types.contains(type)
        }
        if let type {
            for (key, types) in ConfigDecoder.typeSpecificKeys.sorted(by: { $0.key < $1.key }) where s.has(key) && !types.contains(type) {
                log.error(s.line(of: key), "`\(key)` in \(s.context) is not used by \(type.rawValue) notifiers",
                          suggestion: "only \(types.map(\.rawValue).joined(separator: " and ")) use it")
            }
            for key in ConfigDecoder.requiredKeys[type] ?? [] where !s.has(key) {
                log.error(s.line, "\(s.context) (type \(type.rawValue)) needs `\(key)`", suggestion: keyAdvice(key))
            }
        }
        if applies("token") { n.token = s.secret("token") }
        if applies("room"), let room = s.string("room", allowEmpty: false) {
            if room.hasPrefix("!") && room.contains(":") {
                n.room = room
            } else {
                log.error(s.line(of: "room"), "`room` in \(s.context) must be a Matrix room id (\"!opaque:server\"), found \"\(room)\"",
                          suggestion: "find the id in the room's settings under Advanced; aliases (#room:server) are not accepted")
            }
        }
        if applies("chat_id"), let v = s.value("chat_id") {
            if let i = v.integer {
                n.chatID = String(i)
            } else if let text = s.string("chat_id", allowEmpty: false) {
                if Int64(text) != nil || (text.hasPrefix("@") && text.count > 1) {
                    n.chatID = text
                } else {
                    log.error(v.line, "`chat_id` in \(s.context) must be a numeric chat id or \"@channelusername\", found \"\(text)\"")
                }
            }
        }
        if applies("secret") { n.secret = s.secret("secret") }
        if applies("hub_signature"), let v = s.bool("hub_signature") {
            n.hubSignature = v
            if v && !s.has("secret") {
                log.error(s.line(of: "hub_signature"), "`hub_signature` in \(s.context) needs a `secret` to sign with",
                          suggestion: "add secret = \"env:NAME\"")
            }
        }
        if let list = s.strings("events") {
            var ok = true
            for (i, e) in list.enumerated() where !ConfigDecoder.notifyEvents.contains(e) {
                let near = ConfigSuggestion.closest(to: e, in: ConfigDecoder.notifyEvents)
                    ?? (EventKind(rawValue: e)?.isHealth == true ? "health" : nil)
                log.error(s.value("events")?.array?[i].line ?? s.line, "`events` in \(s.context): \"\(e)\" is not one of new, updated, gone, health",
                          suggestion: near.map { "did you mean \"\($0)\"?" })
                ok = false
            }
            if ok {
                n.events = Set(list)
                if list.isEmpty {
                    log.warning(s.line(of: "events"), "\(s.context) has events = []: it will never send anything")
                }
            }
        }
        if let v = s.strings("feeds") { n.feeds = v }
        if let v = s.strings("tags") { n.tags = v }
        if let v = patterns(s, "include") { n.include = v }
        if let v = patterns(s, "exclude") { n.exclude = v }
        if let v = s.string("quiet_hours"), !v.isEmpty {
            if ConfigUnits.quietHours(v) != nil {
                n.quietHours = v
            } else {
                log.error(s.line(of: "quiet_hours"), "`quiet_hours` in \(s.context): \"\(v)\" is not a time range",
                          suggestion: "write \"HH:MM-HH:MM\" in UTC, e.g. \"22:00-07:00\"")
            }
        }
        if let v = s.int("digest_threshold", min: 1) { n.digestThreshold = v }
        if let v = s.choice("edit", EditMode.allCases.map(\.rawValue)) { n.editMode = EditMode(rawValue: v)! }
        if let v = s.string("rate"), !v.isEmpty {
            if ConfigUnits.rate(v) != nil {
                n.rate = v
            } else {
                log.error(s.line(of: "rate"), "`rate` in \(s.context): \"\(v)\" is not a rate",
                          suggestion: "write messages/duration, e.g. \"5/2s\" or \"20/1m\"; leave it out to use the service's documented limit")
            }
        }
        guard name != nil, type != nil, url != nil else { return nil }
        return n
    }

    func urlAdvice(_ type: NotifierType?) -> String {
        switch type {
        case .matrix?: return "add url = \"https://matrix.example.org\" (the homeserver base URL)"
        case .telegram?: return "add url = \"https://api.telegram.org\" (the Bot API base URL)"
        case .ntfy?: return "add url = \"https://ntfy.sh/your-topic\" (the topic URL)"
        default: return "add url = \"env:NAME\" and put the webhook URL in that environment variable"
        }
    }

    func keyAdvice(_ key: String) -> String {
        switch key {
        case "token": return "add token = \"env:NAME\""
        case "room": return "add room = \"!opaque:server\" (the room id)"
        case "chat_id": return "add chat_id = \"@channelusername\" or the numeric chat id"
        default: return "add \(key) = …"
        }
    }
}

/// Turns the TOML tree of `feeds.conf` into a `FeedwireConfig`
/// (`../shared/contracts/feeds-conf.md`), collecting every problem: the
/// top level and `[daemon]` here, `[[feed]]`/`[[output]]` and `[[notify]]`
/// in the extensions, cross-references in `ConfigValidator`.
struct ConfigDecoder {
    let log: DiagnosticLog
    /// Directory of the config file, for relative paths.
    let baseDirectory: String?

    static let daemonKeys = [
        "state", "interval", "min_interval", "max_interval", "jitter", "contact", "allow_networks", "deny_networks",
        "proxy", "max_in_flight", "max_per_host", "timeout", "connect_timeout", "low_speed_limit", "low_speed_time",
        "max_body", "max_items", "backfill", "keep_revisions", "keep_items", "webhook_timeout", "shutdown_grace",
        "changelog", "changelog_max_size", "changelog_keep", "metrics", "log_level",
    ]
    static let feedKeys = ["name", "url", "interval", "tags", "backfill", "timeout", "max_body", "tls_verify", "enabled", "title"]
    static let outputKeys = [
        "name", "path", "format", "title", "link", "description", "feeds", "tags", "include", "exclude",
        "max_items", "max_age", "sort", "updated_marker", "mode", "events",
    ]
    static let notifyKeys = [
        "name", "type", "url", "token", "room", "chat_id", "secret", "hub_signature", "events", "feeds", "tags",
        "include", "exclude", "quiet_hours", "digest_threshold", "edit", "rate",
    ]
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// For an unknown key: the sections where it does exist (computed once per section).
    static func homes(excluding section: String) -> [String: String] {
        switch section {
        case "[daemon]": return homesOutsideDaemon
        case "[[feed]]": return homesOutsideFeed
        case "[[output]]": return homesOutsideOutput
        default: return homesOutsideNotify
        }
    }

    static let homesOutsideDaemon = computeHomes(excluding: "[daemon]")
    static let homesOutsideFeed = computeHomes(excluding: "[[feed]]")
    static let homesOutsideOutput = computeHomes(excluding: "[[output]]")
    static let homesOutsideNotify = computeHomes(excluding: "[[notify]]")

    static func computeHomes(excluding section: String) -> [String: String] {
        let sections: [(String, [String])] = [
            ("[daemon]", daemonKeys), ("[[feed]]", feedKeys), ("[[output]]", outputKeys), ("[[notify]]", notifyKeys),
        ]
        var out: [String: [String]] = [:]
        for (name, keys) in sections where name != section {
            for k in keys { out[k, default: []].append(name) }
        }
        return out.mapValues { $0.joined(separator: " or ") }
    }

    /// The configuration with the table each part came from, for the
    /// line numbers of cross-reference checks.
    struct Decoded {
        var config = FeedwireConfig()
        var daemonTable = TOMLTable()
        var feedTables: [TOMLTable] = []
        var outputTables: [TOMLTable] = []
        var notifyTables: [TOMLTable] = []
    }

    func decode(_ root: TOMLTable) -> Decoded {
        var out = Decoded()
        for entry in root.entries {
            switch entry.key {
            case "daemon":
                if let t = entry.value.table {
                    out.daemonTable = t
                    out.config.daemon = daemon(ConfigSection(t, context: "[daemon]", log: log, baseDirectory: baseDirectory))
                } else if entry.value.array != nil {
                    log.error(entry.keyLine, "`daemon` must be a single table", suggestion: "write [daemon], not [[daemon]]")
                } else {
                    log.error(entry.keyLine, "`daemon` must be a table", suggestion: "write the settings under a [daemon] header")
                }
            case "feed", "output", "notify":
                for (index, t) in tables(entry) {
                    switch entry.key {
                    case "feed":
                        if let f = feed(t, index: index) {
                            out.config.feeds.append(f)
                            out.feedTables.append(t)
                        }
                    case "output":
                        if let o = output(t, index: index) {
                            out.config.outputs.append(o)
                            out.outputTables.append(t)
                        }
                    default:
                        if let n = notifier(t, index: index) {
                            out.config.notifiers.append(n)
                            out.notifyTables.append(t)
                        }
                    }
                }
            default:
                let top = ["daemon", "feed", "output", "notify"]
                if entry.value.table != nil || entry.value.array?.first?.table != nil {
                    let near = ConfigSuggestion.closest(to: entry.key, in: top) ?? ConfigSuggestion.closest(to: String(entry.key.dropLast()), in: top)
                    let hint = near.map { $0 == "daemon" ? "did you mean [daemon]?" : "did you mean [[\($0)]]?" }
                    log.error(entry.keyLine, "unknown table `\(entry.key)`", suggestion: hint ?? "feeds.conf has [daemon], [[feed]], [[output]] and [[notify]]")
                } else if ConfigDecoder.daemonKeys.contains(entry.key) {
                    log.error(entry.keyLine, "`\(entry.key)` is outside any section", suggestion: "move it under [daemon]")
                } else {
                    let near = ConfigSuggestion.closest(to: entry.key, in: top)
                    log.error(entry.keyLine, "unknown key `\(entry.key)` at the top of the file",
                              suggestion: near.map { "did you mean [[\($0)]]?" } ?? "settings go under [daemon], [[feed]], [[output]] or [[notify]]")
                }
            }
        }
        return out
    }

    /// The elements of `[[feed]]` (or an array of inline tables), with their index.
    func tables(_ entry: TOMLTable.Entry) -> [(Int, TOMLTable)] {
        if let t = entry.value.table {
            log.error(entry.keyLine, "`\(entry.key)` must be an array of tables",
                      suggestion: "write [[\(entry.key)]] (two brackets) before each \(entry.key)")
            return [(0, t)]
        }
        guard let items = entry.value.array else {
            log.error(entry.keyLine, "`\(entry.key)` must be an array of tables",
                      suggestion: "write a [[\(entry.key)]] section for each \(entry.key)")
            return []
        }
        var out: [(Int, TOMLTable)] = []
        for (i, item) in items.enumerated() {
            guard let t = item.table else {
                log.error(item.line, "each `\(entry.key)` must be a table, found \(item.typeName)")
                continue
            }
            out.append((i, t))
        }
        return out
    }

    // MARK: - [daemon]

    func daemon(_ s: ConfigSection) -> DaemonSettings {
        var d = DaemonSettings()
        s.rejectUnknownKeys(ConfigDecoder.daemonKeys, elsewhere: ConfigDecoder.homes(excluding: "[daemon]"))
        if let v = s.path("state") { d.state = v }
        if let v = s.duration("interval") { d.interval = v }
        if let v = s.duration("min_interval") { d.minInterval = v }
        if let v = s.duration("max_interval") { d.maxInterval = v }
        if let v = s.number("jitter") {
            if (0...0.5).contains(v) {
                d.jitter = v
            } else {
                s.log.error(s.value("jitter")!.line, "`jitter` in [daemon] is a fraction of the interval between 0 and 0.5, found \(v)",
                            suggestion: "the default is 0.1 (±10 %)")
            }
        }
        if let v = s.string("contact") {
            if v.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                s.log.error(s.line(of: "contact"), "`contact` in [daemon] must be one line of text (it goes into the User-Agent header)")
            } else {
                d.contact = v
            }
        }
        if let v = networks(s, "allow_networks") { d.allowNetworks = v }
        if let v = networks(s, "deny_networks") { d.denyNetworks = v }
        if let v = s.string("proxy") {
            if v.isEmpty || ConfigURL.parse(v, schemes: ["http", "https", "socks4", "socks4a", "socks5", "socks5h"]) != nil
                || ConfigAddress.hostPort(v) != nil {
                d.proxy = v
            } else {
                s.log.error(s.line(of: "proxy"), "`proxy` in [daemon] is not a proxy URL",
                            suggestion: "write e.g. \"http://proxy.example:3128\" or \"socks5h://127.0.0.1:1080\"; empty uses https_proxy/no_proxy from the environment")
            }
        }
        if let v = s.int("max_in_flight", min: 1) { d.maxInFlight = v }
        if let v = s.int("max_per_host", min: 1) { d.maxPerHost = v }
        if let v = s.duration("timeout") { d.timeout = v }
        if let v = s.duration("connect_timeout") { d.connectTimeout = v }
        if let v = s.size("low_speed_limit", allowZero: true) { d.lowSpeedLimit = v }
        if let v = s.duration("low_speed_time") { d.lowSpeedTime = v }
        if let v = s.size("max_body") { d.maxBody = v }
        if let v = s.int("max_items") { d.maxItems = v }
        if let v = s.int("backfill") { d.backfill = v }
        if let v = s.int("keep_revisions", min: 1) { d.keepRevisions = v }
        if let v = s.duration("keep_items") { d.keepItems = v }
        if let v = s.duration("webhook_timeout") { d.webhookTimeout = v }
        if let v = s.duration("shutdown_grace", allowZero: true) { d.shutdownGrace = v }
        if let v = s.path("changelog", allowEmpty: true) { d.changelog = v }
        if let v = s.size("changelog_max_size") { d.changelogMaxSize = v }
        if let v = s.int("changelog_keep") { d.changelogKeep = v }
        if let v = s.string("metrics") {
            if v.isEmpty {
                d.metrics = v
            } else if let host = ConfigAddress.hostPort(v) {
                d.metrics = v
                if !ConfigAddress.isLoopback(host) {
                    s.log.warning(s.line(of: "metrics"), "`metrics` in [daemon] listens on \(host), which other machines may reach; the endpoint has no authentication",
                                  suggestion: "use 127.0.0.1 or [::1] and a reverse proxy if it must be remote")
                }
            } else {
                s.log.error(s.line(of: "metrics"), "`metrics` in [daemon]: \"\(v)\" is not host:port",
                            suggestion: "write e.g. \"127.0.0.1:9464\" or \"[::1]:9464\"; empty disables the endpoint")
            }
        }
        if let v = s.choice("log_level", ConfigDecoder.logLevels) { d.logLevel = v }
        return d
    }

    /// CIDRs, addresses or host names (`*.example.org` / `.example.org` for
    /// subdomains), checked with the fetcher's own `NetworkRule` so that
    /// `check` accepts exactly what the daemon will.
    func networks(_ s: ConfigSection, _ key: String) -> [String]? {
        guard let list = s.strings(key), let v = s.value(key) else { return nil }
        var ok = true
        for (i, item) in list.enumerated() where NetworkRule(item) == nil {
            let line = v.array?[i].line ?? v.line
            s.log.error(line, "`\(key)` in [daemon]: \"\(item)\" is not a CIDR, an IP address or a host name",
                        suggestion: "write e.g. \"127.0.0.0/8\", \"10.1.2.3\", \"fd00::/8\" or \"intranet.example.org\"")
            ok = false
        }
        return ok ? list : nil
    }

    /// The table's context for messages: `[[feed]] "kyiv"`, or by line when the name is unusable.
    static func context(_ kind: String, name: String?, line: Int) -> String {
        if let name, ConfigUnits.isValidName(name) { return "[[\(kind)]] \"\(name)\"" }
        return "[[\(kind)]] at line \(line)"
    }

    /// `name`: required, `[a-z0-9-]+`, at most 64 characters.
    func name(_ s: ConfigSection, kind: String, fallback: @autoclosure () -> String?) -> String? {
        guard s.has("name") else {
            let hint = fallback().map { ConfigUnits.slug($0) }.flatMap { $0.isEmpty ? nil : "add name = \"\($0)\"" }
            log.error(s.line, "\(s.context) has no `name`", suggestion: hint ?? "add name = \"…\" ([a-z0-9-]+, unique)")
            return nil
        }
        guard let n = s.string("name") else { return nil }
        let line = s.value("name")!.line
        guard ConfigUnits.isValidName(n) else {
            let slug = ConfigUnits.slug(n)
            log.error(line, "\(kind) name \"\(n)\" may only use a-z, 0-9 and -",
                      suggestion: slug.isEmpty ? nil : "did you mean \"\(slug)\"?")
            return nil
        }
        guard n.count <= ConfigUnits.maxNameLength else {
            log.error(line, "\(kind) name \"\(n)\" is longer than \(ConfigUnits.maxNameLength) characters",
                      suggestion: "names end up in file names and message keys; shorten it")
            return nil
        }
        return n
    }
}

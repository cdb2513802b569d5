/// `[[feed]]` and `[[output]]`.
extension ConfigDecoder {
    func feed(_ table: TOMLTable, index: Int) -> FeedConfig? {
        let s = ConfigSection(table, context: ConfigDecoder.context("feed", name: table["name"]?.string, line: table.line),
                              log: log, baseDirectory: baseDirectory)
        s.rejectUnknownKeys(ConfigDecoder.feedKeys, elsewhere: ConfigDecoder.homes(excluding: "[[feed]]"))
        let name = self.name(s, kind: "feed", fallback: table["title"]?.string ?? table["url"]?.string.flatMap { ConfigURL.parse($0)?.host })
        let url = feedURL(s)
        var feed = FeedConfig(name: name ?? "", url: url ?? "")
        feed.line = table.line
        feed.interval = s.duration("interval")
        if let tags = tags(s) { feed.tags = tags }
        feed.backfill = s.int("backfill")
        feed.timeout = s.duration("timeout")
        feed.maxBody = s.size("max_body")
        if let v = s.bool("tls_verify") {
            feed.tlsVerify = v
            if !v {
                log.warning(s.line(of: "tls_verify"), "\(s.context) does not verify TLS certificates (tls_verify = false): anyone on the path can forge this feed",
                            suggestion: "remove it once the site's certificate is fixed")
            }
        }
        if let v = s.bool("enabled") {
            feed.enabled = v
            if !v {
                log.warning(s.line(of: "enabled"), "\(s.context) is disabled (enabled = false): its state is kept but it is not polled")
            }
        }
        if let v = s.string("title", allowEmpty: false) { feed.title = v }
        guard name != nil, url != nil else { return nil }
        return feed
    }

    func feedURL(_ s: ConfigSection) -> String? {
        guard s.has("url") else {
            log.error(s.line, "\(s.context) has no `url`", suggestion: "add url = \"https://…\" (the feed's address)")
            return nil
        }
        guard let u = s.string("url") else { return nil }
        let line = s.value("url")!.line
        guard ConfigURL.parse(u) != nil else {
            var hint = "feeds are fetched over http:// or https:// only"
            if u.hasPrefix("feed://") { hint = "did you mean \"https://\(u.dropFirst(7))\"?" }
            else if !u.contains("://"), ConfigURL.parse("https://" + u) != nil { hint = "did you mean \"https://\(u)\"?" }
            log.error(line, "`url` in \(s.context) is not an http(s) URL: \"\(u)\"", suggestion: hint)
            return nil
        }
        return u
    }

    /// `tags = ["ukraine", …]`: non-empty strings.
    func tags(_ s: ConfigSection) -> [String]? {
        guard let list = s.strings("tags") else { return nil }
        var out: [String] = []
        for (i, tag) in list.enumerated() {
            if tag.trimmingSpaces().isEmpty {
                log.error(s.value("tags")?.array?[i].line ?? s.line, "`tags` in \(s.context) holds an empty tag")
            } else if !out.contains(tag) {
                out.append(tag)
            }
        }
        return out
    }

    /// `include`/`exclude`: each must compile as a regular expression.
    func patterns(_ s: ConfigSection, _ key: String) -> [String]? {
        guard let list = s.strings(key) else { return nil }
        var ok = true
        for (i, pattern) in list.enumerated() {
            if TextFilter.problem(in: pattern) != nil {
                // ICU's own reason is a generic "the value is invalid": not worth showing.
                log.error(s.value(key)?.array?[i].line ?? s.line, "`\(key)` in \(s.context): \"\(pattern)\" is not a valid regular expression (ICU syntax, case-insensitive)",
                          suggestion: "escape special characters with \\\\ (in a \"…\" string) or use a '…' literal string")
                ok = false
            }
        }
        return ok ? list : nil
    }

    // MARK: - [[output]]

    func output(_ table: TOMLTable, index: Int) -> OutputConfig? {
        let s = ConfigSection(table, context: ConfigDecoder.context("output", name: table["name"]?.string, line: table.line),
                              log: log, baseDirectory: baseDirectory)
        s.rejectUnknownKeys(ConfigDecoder.outputKeys, elsewhere: ConfigDecoder.homes(excluding: "[[output]]"))
        let name = self.name(s, kind: "output", fallback: table["title"]?.string)
        var path: String?
        if s.has("path") {
            path = s.path("path")
        } else {
            log.error(s.line, "\(s.context) has no `path`", suggestion: "add path = \"/srv/feedwire/public/\(name ?? "merged").xml\"")
        }
        var o = OutputConfig(name: name ?? "", path: path ?? "")
        o.line = table.line
        if let v = s.choice("format", OutputFormat.allCases.map(\.rawValue)) { o.format = OutputFormat(rawValue: v)! }
        if let v = s.string("title", allowEmpty: false) { o.title = v }
        if let v = s.string("link") {
            if v.isEmpty || ConfigURL.parse(v) != nil {
                o.link = v
            } else {
                log.error(s.line(of: "link"), "`link` in \(s.context) is not an http(s) URL: \"\(v)\"",
                          suggestion: "it is the home page readers open from the feed, e.g. \"https://news.example.org/\"")
            }
        }
        if let v = s.string("description") { o.description = v }
        if let v = s.strings("feeds") { o.feeds = v }
        if let v = s.strings("tags") { o.tags = v }
        if let v = patterns(s, "include") { o.include = v }
        if let v = patterns(s, "exclude") { o.exclude = v }
        if let v = s.int("max_items") {
            o.maxItems = v
            if v == 0 { log.warning(s.line(of: "max_items"), "\(s.context) has max_items = 0: it will always be empty") }
        }
        o.maxAge = s.duration("max_age")
        if let v = s.choice("sort", OutputSort.allCases.map(\.rawValue)) { o.sort = OutputSort(rawValue: v)! }
        if let v = s.string("updated_marker") { o.updatedMarker = v }
        if let v = mode(s) { o.mode = v }
        if let v = events(s, format: o.format) { o.events = v }
        guard name != nil, path != nil else { return nil }
        return o
    }

    /// `mode = "0644"` or `mode = 0o644` (or decimal 420).
    func mode(_ s: ConfigSection) -> Int? {
        guard let v = s.value("mode") else { return nil }
        var mode: Int?
        if let text = v.string {
            let digits = text.hasPrefix("0o") ? String(text.dropFirst(2)) : text
            if (3...4).contains(digits.count), let m = Int(digits, radix: 8), m <= 0o7777 { mode = m }
        } else if let i = v.integer {
            if i >= 0 && i <= 0o777 { mode = Int(i) }
            else if let m = Int(String(i), radix: 8), m <= 0o7777 {
                log.error(v.line, "`mode` in \(s.context) = \(i) is a decimal number, not the octal mode it looks like",
                          suggestion: "write mode = \"0\(i)\" or mode = 0o\(i)")
                return nil
            }
        } else {
            s.wrongType("mode", v, expected: "an octal mode such as \"0644\"")
            return nil
        }
        guard let m = mode else {
            log.error(v.line, "`mode` in \(s.context) is not a file mode", suggestion: "write an octal mode such as \"0644\"")
            return nil
        }
        if m & 0o004 == 0 {
            log.warning(v.line, "\(s.context) is written with mode \(String(m, radix: 8)): other users (such as the web server) cannot read it",
                        suggestion: "\"0644\" lets the web server read it")
        }
        return m
    }

    /// Event kinds for the `changes` format; `health` stands for every feed-health kind.
    func events(_ s: ConfigSection, format: OutputFormat) -> [EventKind]? {
        guard let list = s.strings("events") else { return nil }
        if format != .changes {
            log.warning(s.line(of: "events"), "`events` in \(s.context) is only used by format = \"changes\"; it has no effect here")
        }
        let names = EventKind.allCases.map(\.rawValue) + ["health"]
        var out: [EventKind] = []
        var ok = true
        for (i, e) in list.enumerated() {
            if e == "health" {
                for k in EventKind.allCases where k.isHealth && !out.contains(k) { out.append(k) }
            } else if let k = EventKind(rawValue: e) {
                if !out.contains(k) { out.append(k) }
            } else {
                let near = ConfigSuggestion.closest(to: e, in: names)
                log.error(s.value("events")?.array?[i].line ?? s.line, "`events` in \(s.context): \"\(e)\" is not an event kind (\(names.joined(separator: ", ")))",
                          suggestion: near.map { "did you mean \"\($0)\"?" })
                ok = false
            }
        }
        return ok ? out : nil
    }
}

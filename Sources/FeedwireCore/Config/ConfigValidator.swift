/// Checks that need the whole file: unique names, URLs and paths,
/// references between sections, and values that parse but cannot take
/// effect as written (warnings: the daemon clamps or ignores them).
struct ConfigValidator {
    let log: DiagnosticLog

    func validate(_ d: ConfigDecoder.Decoded) {
        let config = d.config
        daemon(config.daemon, d.daemonTable)
        unique(config.feeds.map { ($0.name, $0.line) }, kind: "feed")
        unique(config.outputs.map { ($0.name, $0.line) }, kind: "output")
        unique(config.notifiers.map { ($0.name, $0.line) }, kind: "notifier")
        feedURLs(config.feeds, d.feedTables)
        outputPaths(config.outputs, d.outputTables)
        if config.feeds.isEmpty {
            log.warning(0, "no [[feed]] is configured: there is nothing to poll", suggestion: "add a [[feed]] with a name and a url")
        }
        for (feed, table) in zip(config.feeds, d.feedTables) { self.feed(feed, table, config.daemon) }
        // Tags match case-insensitively, as the notification router matches them.
        let tagsInUse = Set(config.feeds.flatMap(\.tags).map { $0.lowercased() })
        for (o, t) in zip(config.outputs, d.outputTables) {
            let selected = references(feeds: o.feeds, tags: o.tags, in: t, context: "[[output]] \"\(o.name)\"", config: config, tagsInUse: tagsInUse)
            if selected.isEmpty && !config.feeds.isEmpty {
                log.warning(o.line, "[[output]] \"\(o.name)\" selects no enabled feed: it will stay empty")
            }
        }
        for (n, t) in zip(config.notifiers, d.notifyTables) {
            _ = references(feeds: n.feeds, tags: n.tags, in: t, context: "[[notify]] \"\(n.name)\"", config: config, tagsInUse: tagsInUse)
        }
    }

    static func keyLine(_ table: TOMLTable, _ key: String) -> Int { table.entry(key)?.keyLine ?? table.line }

    static func itemLine(_ table: TOMLTable, _ key: String, _ index: Int) -> Int {
        table[key]?.array.flatMap { index < $0.count ? $0[index].line : nil } ?? keyLine(table, key)
    }

    func daemon(_ d: DaemonSettings, _ t: TOMLTable) {
        let f = ConfigUnits.formatDuration
        if d.minInterval > d.maxInterval {
            log.error(ConfigValidator.keyLine(t, "min_interval"), "min_interval (\(f(d.minInterval))) is longer than max_interval (\(f(d.maxInterval))) in [daemon]",
                      suggestion: "swap them or raise max_interval")
            return
        }
        if d.interval < d.minInterval {
            log.warning(ConfigValidator.keyLine(t, "interval"), "interval (\(f(d.interval))) in [daemon] is below min_interval (\(f(d.minInterval))): feeds will be polled every \(f(d.minInterval))")
        } else if d.interval > d.maxInterval {
            log.warning(ConfigValidator.keyLine(t, "interval"), "interval (\(f(d.interval))) in [daemon] is above max_interval (\(f(d.maxInterval))): feeds will be polled every \(f(d.maxInterval))")
        }
        if d.maxPerHost > d.maxInFlight {
            log.warning(ConfigValidator.keyLine(t, "max_per_host"), "max_per_host (\(d.maxPerHost)) in [daemon] is above max_in_flight (\(d.maxInFlight)): at most \(d.maxInFlight) transfers run at once")
        }
        if d.connectTimeout > d.timeout {
            log.warning(ConfigValidator.keyLine(t, "connect_timeout"), "connect_timeout (\(f(d.connectTimeout))) in [daemon] is longer than timeout (\(f(d.timeout))): the whole transfer gives up first")
        }
        if d.maxItems == 0 {
            log.warning(ConfigValidator.keyLine(t, "max_items"), "max_items = 0 in [daemon]: no item of any feed will be processed")
        } else if d.backfill > d.maxItems {
            log.warning(ConfigValidator.keyLine(t, "backfill"), "backfill (\(d.backfill)) in [daemon] is above max_items (\(d.maxItems)): at most \(d.maxItems) items are announced")
        }
    }

    func feed(_ feed: FeedConfig, _ t: TOMLTable, _ d: DaemonSettings) {
        let f = ConfigUnits.formatDuration
        let context = "[[feed]] \"\(feed.name)\""
        if let interval = feed.interval, d.minInterval <= d.maxInterval {
            if interval < d.minInterval {
                log.warning(ConfigValidator.keyLine(t, "interval"), "interval (\(f(interval))) of \(context) is below min_interval (\(f(d.minInterval))): it will be polled every \(f(d.minInterval))",
                            suggestion: "lower min_interval in [daemon] if the publisher allows it")
            } else if interval > d.maxInterval {
                log.warning(ConfigValidator.keyLine(t, "interval"), "interval (\(f(interval))) of \(context) is above max_interval (\(f(d.maxInterval))): it will be polled every \(f(d.maxInterval))")
            }
        }
        if let b = feed.backfill, b > d.maxItems {
            log.warning(ConfigValidator.keyLine(t, "backfill"), "backfill (\(b)) of \(context) is above max_items (\(d.maxItems)) in [daemon]: at most \(d.maxItems) items are announced")
        }
        if let timeout = feed.timeout, timeout < d.connectTimeout {
            log.warning(ConfigValidator.keyLine(t, "timeout"), "timeout (\(f(timeout))) of \(context) is shorter than connect_timeout (\(f(d.connectTimeout))) in [daemon]")
        }
    }

    /// Names must be unique within their kind: the second one is the error,
    /// and the message names the line of the first.
    func unique(_ items: [(String, Int)], kind: String) {
        var seen: [String: Int] = [:]
        for (name, line) in items {
            if let first = seen[name] {
                log.error(line, "\(kind) name \"\(name)\" is already used by the [[\(kind == "notifier" ? "notify" : kind)]] at line \(first)",
                          suggestion: "names must be unique; rename one of them")
            } else {
                seen[name] = line
            }
        }
    }

    func feedURLs(_ feeds: [FeedConfig], _ tables: [TOMLTable]) {
        var seen: [String: (String, Int)] = [:]
        for (feed, t) in zip(feeds, tables) {
            guard let id = ConfigURL.parse(feed.url)?.identity else { continue }
            let line = ConfigValidator.keyLine(t, "url")
            if let (other, otherLine) = seen[id] {
                log.error(line, "[[feed]] \"\(feed.name)\" has the same url as [[feed]] \"\(other)\" (line \(otherLine))",
                          suggestion: "remove one: polling a feed twice announces every story twice")
            } else {
                seen[id] = (feed.name, line)
            }
        }
    }

    func outputPaths(_ outputs: [OutputConfig], _ tables: [TOMLTable]) {
        var seen: [String: (String, Int)] = [:]
        for (o, t) in zip(outputs, tables) where !o.path.isEmpty {
            let line = ConfigValidator.keyLine(t, "path")
            if let (other, otherLine) = seen[o.path] {
                log.error(line, "[[output]] \"\(o.name)\" writes the same file as [[output]] \"\(other)\" (line \(otherLine))",
                          suggestion: "give each output its own path")
            } else {
                seen[o.path] = (o.name, line)
            }
        }
    }

    /// `feeds` must name configured feeds (error); `tags` should be used by
    /// some feed (warning). Returns the enabled feeds selected.
    func references(feeds: [String], tags: [String], in t: TOMLTable, context: String, config: FeedwireConfig, tagsInUse: Set<String>) -> [String] {
        let names = config.feeds.map(\.name)
        for (i, name) in feeds.enumerated() where !names.contains(name) {
            let near = ConfigSuggestion.closest(to: name, in: names)
            log.error(ConfigValidator.itemLine(t, "feeds", i), "`feeds` in \(context) names \"\(name)\", which is not a configured [[feed]]",
                      suggestion: near.map { "did you mean \"\($0)\"?" })
        }
        for (i, tag) in tags.enumerated() where !tagsInUse.contains(tag.lowercased()) {
            let near = ConfigSuggestion.closest(to: tag, in: tagsInUse.sorted())
            log.warning(ConfigValidator.itemLine(t, "tags", i), "`tags` in \(context) names \"\(tag)\", which no feed has",
                        suggestion: near.map { "did you mean \"\($0)\"?" })
        }
        if feeds.isEmpty && tags.isEmpty { return config.feeds.filter(\.enabled).map(\.name) }
        let wanted = Set(tags.map { $0.lowercased() })
        return config.feeds.filter { f in f.enabled && (feeds.contains(f.name) || f.tags.contains { wanted.contains($0.lowercased()) }) }.map(\.name)
    }
}

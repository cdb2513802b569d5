import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// feeds.conf → FeedwireConfig: every key lands in its field, units and
/// secrets are read, relative paths resolve, and the sample is valid.
@Suite struct ConfigLoaderTests {
    @Test func everyKeyMapsOntoItsField() throws {
        let text = """
        [daemon]
        state = "state/feedwire.db"
        interval = "10m"
        min_interval = "30s"
        max_interval = "12h"
        jitter = 0.2
        contact = "ops@example.org"
        allow_networks = ["127.0.0.0/8", "[::1]", "intranet.example.org"]
        deny_networks = ["10.9.0.0/16", "*.bad.example"]
        proxy = "socks5h://127.0.0.1:1080"
        max_in_flight = 16
        max_per_host = 2
        timeout = "45s"
        connect_timeout = "5s"
        low_speed_limit = "1KiB"
        low_speed_time = "20s"
        max_body = "8MiB"
        max_items = 300
        backfill = 3
        keep_revisions = 10
        keep_items = "30d"
        webhook_timeout = "20s"
        shutdown_grace = "0s"
        changelog = "/var/log/feedwire/changes.jsonl"
        changelog_max_size = "1MB"
        changelog_keep = 2
        metrics = "[::1]:9464"
        log_level = "debug"

        [[feed]]
        name = "kyiv-independent"
        url = "https://kyivindependent.com/news-archive/rss/"
        interval = "1h30m"
        tags = ["ukraine", "live", "ukraine"]
        backfill = 5
        timeout = "1m"
        max_body = 1048576
        tls_verify = true
        enabled = true
        title = "The Kyiv Independent"

        [[feed]]
        name = "bbc"
        url = "https://feeds.bbci.co.uk/news/world/europe/rss.xml"

        [[output]]
        name = "changes"
        path = "public/changes.atom"
        format = "changes"
        title = "What changed"
        link = "https://news.example.org/"
        description = "Edits and new stories"
        feeds = ["bbc"]
        tags = ["ukraine"]
        include = ['\\bkyiv\\b']
        exclude = ["sport"]
        max_items = 50
        max_age = "2d"
        sort = "changed"
        updated_marker = ""
        mode = "0664"
        events = ["new", "updated", "health"]

        [[output]]
        name = "plain"
        path = "/srv/feedwire/public/plain.json"
        format = "json"
        mode = 0o644

        [[notify]]
        name = "hook"
        type = "webhook"
        url = "env:HOOK_URL"
        secret = "file:secrets/hook"
        hub_signature = true
        events = ["new", "gone", "health"]
        feeds = ["kyiv-independent"]
        tags = ["live"]
        include = ["missile"]
        exclude = ["(?i)opinion"]
        quiet_hours = "22:00-07:00"
        digest_threshold = 5
        edit = "new"
        rate = "5/2s"

        [[notify]]
        name = "tg"
        type = "telegram"
        url = "https://api.telegram.org"
        token = "env:TG_TOKEN"
        chat_id = -1001234567890

        [[notify]]
        name = "mx"
        type = "matrix"
        url = "https://matrix.example.org"
        token = "inline-token"
        room = "!abc:example.org"
        edit = "in-place"
        """
        let loaded = try ConfigLoader.parse(text: text, path: "/etc/feedwire/feeds.conf")
        let c = loaded.config
        #expect(c.path == "/etc/feedwire/feeds.conf")
        let d = c.daemon
        #expect(d.state == "/etc/feedwire/state/feedwire.db")
        #expect(d.interval == 600)
        #expect(d.minInterval == 30)
        #expect(d.maxInterval == 12 * 3600)
        #expect(d.jitter == 0.2)
        #expect(d.contact == "ops@example.org")
        #expect(d.allowNetworks == ["127.0.0.0/8", "[::1]", "intranet.example.org"])
        #expect(d.denyNetworks == ["10.9.0.0/16", "*.bad.example"])
        #expect(d.proxy == "socks5h://127.0.0.1:1080")
        #expect(d.maxInFlight == 16)
        #expect(d.maxPerHost == 2)
        #expect(d.timeout == 45)
        #expect(d.connectTimeout == 5)
        #expect(d.lowSpeedLimit == 1024)
        #expect(d.lowSpeedTime == 20)
        #expect(d.maxBody == 8 * 1024 * 1024)
        #expect(d.maxItems == 300)
        #expect(d.backfill == 3)
        #expect(d.keepRevisions == 10)
        #expect(d.keepItems == 30 * 86_400)
        #expect(d.webhookTimeout == 20)
        #expect(d.shutdownGrace == 0)
        #expect(d.changelog == "/var/log/feedwire/changes.jsonl")
        #expect(d.changelogMaxSize == 1_000_000)
        #expect(d.changelogKeep == 2)
        #expect(d.metrics == "[::1]:9464")
        #expect(d.logLevel == "debug")

        #expect(c.feeds.count == 2)
        let f = c.feeds[0]
        #expect(f.name == "kyiv-independent")
        #expect(f.url == "https://kyivindependent.com/news-archive/rss/")
        #expect(f.interval == 5400)
        #expect(f.tags == ["ukraine", "live"])
        #expect(f.backfill == 5)
        #expect(f.timeout == 60)
        #expect(f.maxBody == 1_048_576)
        #expect(f.tlsVerify && f.enabled)
        #expect(f.title == "The Kyiv Independent")
        #expect(f.line == 30)
        let bbc = c.feeds[1]
        #expect(bbc.interval == nil && bbc.backfill == nil && bbc.timeout == nil && bbc.maxBody == nil && bbc.title == nil)
        #expect(d.limits(for: f).totalTimeout == 60)
        #expect(d.limits(for: bbc).maxBodyBytes == 8 * 1024 * 1024)

        let o = c.outputs[0]
        #expect(o.name == "changes")
        #expect(o.path == "/etc/feedwire/public/changes.atom")
        #expect(o.format == .changes)
        #expect(o.title == "What changed")
        #expect(o.link == "https://news.example.org/")
        #expect(o.description == "Edits and new stories")
        #expect(o.feeds == ["bbc"])
        #expect(o.tags == ["ukraine"])
        #expect(o.include == [#"\bkyiv\b"#])
        #expect(o.exclude == ["sport"])
        #expect(o.maxItems == 50)
        #expect(o.maxAge == 172_800.0)
        #expect(o.sort == .changed)
        #expect(o.updatedMarker == "")
        #expect(o.mode == 0o664)
        #expect(o.events == [.new, .updated] + EventKind.allCases.filter(\.isHealth))
        #expect(c.outputs[1].mode == 0o644)
        #expect(c.outputs[1].format == .json)
        #expect(c.outputs[1].maxAge == nil)

        let n = c.notifiers[0]
        #expect(n.name == "hook")
        #expect(n.type == .webhook)
        #expect(n.url == Secret(.environment("HOOK_URL")))
        #expect(n.secret == Secret(.file("/etc/feedwire/secrets/hook")))
        #expect(n.hubSignature)
        #expect(n.events == ["new", "gone", "health"])
        #expect(n.wants(.feedFailing) && !n.wants(.updated))
        #expect(n.feeds == ["kyiv-independent"])
        #expect(n.tags == ["live"])
        #expect(n.include == ["missile"])
        #expect(n.exclude == ["(?i)opinion"])
        #expect(n.quietHours == "22:00-07:00")
        #expect(n.digestThreshold == 5)
        #expect(n.editMode == .new)
        #expect(n.rate == "5/2s")
        let tg = c.notifiers[1]
        #expect(tg.token == Secret(.environment("TG_TOKEN")))
        #expect(tg.chatID == "-1001234567890")
        #expect(tg.editMode == .auto)
        #expect(tg.events == ["new", "updated"])
        let mx = c.notifiers[2]
        #expect(mx.token == Secret(.inline("inline-token")))
        #expect(mx.room == "!abc:example.org")
        #expect(mx.editMode == .inPlace)
        // The metrics address is loopback and nothing else is suspicious.
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
    }

    @Test func defaultsWhenOnlyTheRequiredKeysAreGiven() throws {
        let c = try ConfigLoader.parse(text: "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\n", path: nil).config
        #expect(c.daemon == DaemonSettings())
        #expect(c.feeds.count == 1)
        #expect(c.path == nil)
    }

    @Test(arguments: [
        ("90s", 90.0), ("15m", 900), ("2h", 7200), ("1d", 86_400), ("1w", 604_800), ("1h30m", 5400),
        ("1h 30m", 5400), ("1.5h", 5400), ("500ms", 0.5), ("0s", 0), ("2d12h", 216_000),
    ])
    func durations(_ text: String, _ seconds: Double) {
        #expect(ConfigUnits.duration(text) == seconds)
    }

    @Test(arguments: ["", "15", "m", "15x", "-5m", "15m-", "1h30", "h1", "1..5h", "15 minutes"])
    func badDurations(_ text: String) {
        #expect(ConfigUnits.duration(text) == nil)
    }

    @Test func durationSuggestionsAndFormatting() {
        #expect(ConfigUnits.durationSuggestion("15 minutes") == "15m")
        #expect(ConfigUnits.durationSuggestion("1 hour 30 mins") == "1h30m")
        #expect(ConfigUnits.durationSuggestion("2 Days") == "2d")
        #expect(ConfigUnits.durationSuggestion("fortnight") == nil)
        #expect(ConfigUnits.formatDuration(5400) == "1h30m")
        #expect(ConfigUnits.formatDuration(86_400) == "1d")
        #expect(ConfigUnits.formatDuration(0.25) == "250ms")
    }

    @Test(arguments: [
        ("15MiB", 15 * 1_048_576), ("10MB", 10_000_000), ("512KiB", 524_288), ("100B", 100), ("1GiB", 1 << 30),
        ("2kb", 2000), ("1.5MiB", 1_572_864), ("15 MiB", 15 * 1_048_576),
    ])
    func sizes(_ text: String, _ bytes: Int) {
        #expect(ConfigUnits.size(text) == bytes)
    }

    @Test(arguments: ["15M", "15", "MiB", "15MiB2", "-1MB", "15 Mebibytes"])
    func badSizes(_ text: String) {
        #expect(ConfigUnits.size(text) == nil)
    }

    @Test func quietHoursAndRates() {
        #expect(ConfigUnits.quietHours("22:00-07:00")! == (1320, 420))
        #expect(ConfigUnits.quietHours("9:30 - 24:00")! == (570, 1440))
        #expect(ConfigUnits.quietHours("24:30-01:00") == nil)
        #expect(ConfigUnits.quietHours("22:00") == nil)
        #expect(ConfigUnits.rate("5/2s")! == (5, 2))
        #expect(ConfigUnits.rate("30/m")! == (30, 60))
        #expect(ConfigUnits.rate("0/1s") == nil)
        #expect(ConfigUnits.rate("5 per second") == nil)
    }

    @Test func secretsAreReadButNeverPrinted() throws {
        let text = """
        [[feed]]
        name = "a"
        url = "https://a.example/"
        [[notify]]
        name = "n"
        type = "telegram"
        url = "https://api.telegram.org"
        token = "123456:SUPERSECRETTOKEN"
        chat_id = "@desk"
        """
        let loaded = try ConfigLoader.parse(text: text, path: nil)
        let token = try #require(loaded.config.notifiers[0].token)
        #expect(try token.resolve() == "123456:SUPERSECRETTOKEN")
        #expect(!token.description.contains("SUPERSECRET"))
        #expect(!"\(loaded.config)".contains("SUPERSECRET"))
        #expect(!String(reflecting: loaded.config).contains("SUPERSECRET"))

        // A malformed inline URL is reported without its value.
        let bad = text.replacingOccurrences(of: "url = \"https://api.telegram.org\"", with: "url = \"api.telegram.org/botSUPERSECRET\"")
        do {
            _ = try ConfigLoader.parse(text: bad, path: nil)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("`url` in [[notify]] \"n\" is not an http(s) URL"))
            #expect(!error.description.contains("SUPERSECRET"))
        }
    }

    @Test func secretDiagnosticsResolveEnvironmentAndFiles() throws {
        let dir = TemporaryDirectory()
        try dir.write("secrets/hook", "whsec_abc\nignored second line\n")
        let path = try dir.write("feeds.conf", """
        [[feed]]
        name = "a"
        url = "https://a.example/"
        [[notify]]
        name = "hook"
        type = "webhook"
        url = "env:FEEDWIRE_TEST_HOOK_URL"
        secret = "file:secrets/hook"
        [[notify]]
        name = "other"
        type = "webhook"
        url = "env:FEEDWIRE_TEST_UNSET_VARIABLE"
        secret = "file:/nonexistent/secret"
        [[notify]]
        name = "notaurl"
        type = "discord"
        url = "env:FEEDWIRE_TEST_NOT_A_URL"
        """)
        let config = try ConfigLoader.load(path: path).config
        #expect(config.notifiers[0].secret == Secret(.file(dir.file("secrets/hook"))))
        #expect(try config.notifiers[0].secret?.resolve() == "whsec_abc")
        let env = ["FEEDWIRE_TEST_HOOK_URL": "https://hooks.example/x", "FEEDWIRE_TEST_NOT_A_URL": "sekrit-value"]
        let diags = ConfigLoader.secretDiagnostics(config, environment: env)
        #expect(diags.count == 3, "\(diags)")
        #expect(diags.allSatisfy { $0.severity == .warning })
        #expect(diags.contains { $0.line == 9 && $0.message.contains("FEEDWIRE_TEST_UNSET_VARIABLE is not set") })
        #expect(diags.contains { $0.line == 9 && $0.message.contains("/nonexistent/secret") })
        #expect(diags.contains { $0.line == 14 && $0.message.contains("does not hold an http(s) URL") })
        #expect(!diags.contains { $0.message.contains("sekrit") || $0.message.contains("whsec") })
    }

    @Test func relativePathsResolveAgainstTheConfigDirectory() throws {
        let dir = TemporaryDirectory()
        let path = try dir.write("conf/feeds.conf", """
        [daemon]
        state = "./data/state.db"
        changelog = "../log/changes.jsonl"
        [[feed]]
        name = "a"
        url = "https://a.example/"
        [[output]]
        name = "o"
        path = "public/o.xml"
        [[output]]
        name = "abs"
        path = "/srv/abs.xml"
        """)
        let c = try ConfigLoader.load(path: path).config
        let base = dir.file("conf")
        #expect(c.path == path)
        #expect(c.daemon.state == base + "/data/state.db")
        #expect(c.daemon.changelog == base + "/../log/changes.jsonl")
        #expect(c.outputs[0].path == base + "/public/o.xml")
        #expect(c.outputs[1].path == "/srv/abs.xml")
        // Without a path, relative paths stay as written.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(try ConfigLoader.parse(text: text, path: nil).config.daemon.state == "./data/state.db")
    }

    @Test func invalidUTF8IsAnErrorWithItsLine() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("feeds.conf")
        try Data(Array("[daemon]\ncontact = \"".utf8) + [0xFF, 0xFE] + Array("\"\n".utf8)).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ConfigLoader.load(path: path)
            Issue.record("accepted")
        } catch {
            #expect(!error.unreadable)
            #expect(error.diagnostics.first?.line == 2)
            #expect(error.diagnostics.first?.message.contains("UTF-8") == true)
        }
    }

    @Test func theSampleLoadsWithoutErrorsOrWarnings() throws {
        let path = PackagePaths.root.appendingPathComponent("feeds.conf").path
        let loaded = try ConfigLoader.load(path: path)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let c = loaded.config
        #expect((15...30).contains(c.feeds.count))
        #expect(c.daemon.state == "/var/lib/feedwire/state.db")
        #expect(c.outputs.map(\.format) == [.rss, .atom, .html])
        #expect(c.outputs.allSatisfy { $0.path.hasPrefix("/srv/feedwire/public/") })
        #expect(c.feeds.allSatisfy { $0.url.hasPrefix("https://") && !$0.tags.isEmpty })
        #expect(c.feed(named: "kyiv-independent")?.url == "https://kyivindependent.com/news-archive/rss/")
        #expect(c.notifiers.isEmpty)  // all commented out
    }

    /// Every `[[notify]]` in the sample is commented out; uncommented, each
    /// must be valid, so an operator can enable one by removing the `#`s.
    @Test func theSampleNotifiersAreValidWhenUncommented() throws {
        let path = PackagePaths.root.appendingPathComponent("feeds.conf").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0 == "# [[notify]]" }) else {
            Issue.record("no commented [[notify]] in the sample")
            return
        }
        let uncommented = lines[start...].map { $0.hasPrefix("# ") ? String($0.dropFirst(2)) : String($0) }
        let enabled = lines[..<start].joined(separator: "\n") + "\n" + uncommented.joined(separator: "\n")
        let loaded = try ConfigLoader.parse(text: enabled, path: path)
        #expect(Set(loaded.config.notifiers.map(\.type)) == Set(NotifierType.allCases))
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
    }

    @Test func tagsMatchIgnoringCase() throws {
        let text = "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\ntags = [\"Ukraine\"]\n[[output]]\nname = \"o\"\npath = \"/x\"\ntags = [\"ukraine\"]\n"
        #expect(try ConfigLoader.parse(text: text, path: nil).warnings.isEmpty)
    }

    @Test func textFilterIncludesAndExcludes() throws {
        let f = try TextFilter(include: [#"\bkyiv\b"#, "missile"], exclude: ["opinion"])
        #expect(f.matches(["Missile strike on Kyiv"]))
        #expect(f.matches(["Title", "text about KYIV today"]))
        #expect(!f.matches(["Opinion: Kyiv after the war"]))
        #expect(!f.matches(["Kyivstar outage"]))
        #expect(try TextFilter(include: [], exclude: []).matches(["anything"]))
        #expect(TextFilter.problem(in: "(unclosed") != nil)
        #expect(TextFilter.problem(in: "fine|ok") == nil)
    }

    @Test func suggestions() {
        let keys = ["interval", "max_body", "timeout", "tags"]
        #expect(ConfigSuggestion.closest(to: "intervall", in: keys) == "interval")
        #expect(ConfigSuggestion.closest(to: "inetrval", in: keys) == "interval")
        #expect(ConfigSuggestion.closest(to: "maxBody", in: keys) == "max_body")
        #expect(ConfigSuggestion.closest(to: "max-body", in: keys) == "max_body")
        #expect(ConfigSuggestion.closest(to: "timout", in: keys) == "timeout")
        #expect(ConfigSuggestion.closest(to: "colour", in: keys) == nil)
        #expect(ConfigSuggestion.distance("kitten", "sitting") == 3)
    }

    @Test func slugs() {
        #expect(ConfigUnits.slug("Ukrainska Pravda (EN)") == "ukrainska-pravda-en")
        #expect(ConfigUnits.slug("Українська правда") == "ukrainska-pravda")
        #expect(ConfigUnits.slug("Київ") == "kyiv")
        #expect(ConfigUnits.slug("Le Monde — À la une") == "le-monde-a-la-une")
        #expect(ConfigUnits.slug("Gazeta Wyborcza: Łódź") == "gazeta-wyborcza-lodz")
        #expect(ConfigUnits.slug("Europe's Edge & More") == "europes-edge-and-more")
        #expect(ConfigUnits.slug("Καθημερινή") == "kathimerini")
        #expect(ConfigUnits.slug("!!!") == "")
        #expect(ConfigUnits.slug(String(repeating: "word ", count: 30)).count <= 48)
        #expect(ConfigUnits.slug(String(repeating: "word ", count: 30)).hasSuffix("word"))
    }

    @Test func urlsAndAddresses() {
        #expect(ConfigURL.parse("https://user:pw@Example.org:8443/a?b#c")?.host == "Example.org")
        #expect(ConfigURL.parse("https://[::1]:8080/x")?.port == 8080)
        #expect(ConfigURL.parse("http://a.example/rss")?.identity == ConfigURL.parse("https://A.example:443/rss/")?.identity)
        #expect(ConfigURL.parse("http://a.example/rss")?.identity != ConfigURL.parse("https://a.example/rss2")?.identity)
        #expect(ConfigURL.parse("https://a b.example/") == nil)
        #expect(ConfigURL.parse("https:///path") == nil)
        #expect(ConfigURL.parse("mailto:x@y") == nil)
        #expect(ConfigAddress.hostPort("127.0.0.1:9464") == "127.0.0.1")
        #expect(ConfigAddress.hostPort("localhost:0") == "localhost")
        #expect(ConfigAddress.hostPort("[::1]:9464") == "::1")
        #expect(ConfigAddress.hostPort("::1:9464") == nil)
        #expect(ConfigAddress.isLoopback("127.0.0.2") && ConfigAddress.isLoopback("::1") && !ConfigAddress.isLoopback("10.0.0.1"))
    }
}

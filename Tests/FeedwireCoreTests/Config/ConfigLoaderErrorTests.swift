import FeedwireCore
import Testing

/// Every error and warning path of `ConfigLoader`, each with its line and,
/// where there is one, its suggestion.
@Suite struct ConfigLoaderErrorTests {
    /// Lines 1-3: a valid feed.
    static let feed = "[[feed]]\nname = \"a\"\nurl = \"https://a.example/rss\"\n"

    static func diagnostics(_ text: String) -> (accepted: Bool, [ConfigDiagnostic]) {
        do {
            let loaded = try ConfigLoader.parse(text: text, path: "/etc/feedwire/feeds.conf")
            return (true, loaded.warnings)
        } catch {
            return (false, error.diagnostics)
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var line: Int
        var message: String
        var suggestion: String?
        var testDescription: String { message }
    }

    static func c(_ text: String, _ line: Int, _ message: String, _ suggestion: String? = nil) -> Case {
        Case(text: text, line: line, message: message, suggestion: suggestion)
    }

    static let errors: [Case] = [
        // TOML syntax
        c(feed + "interval = 15m\n", 4, "strings need quotes"),
        c("[daemon]\ninterval = \"15m\"\ninterval = \"5m\"\n" + feed, 3, "duplicate key `interval` (first defined at line 2)"),
        // Unknown keys and sections
        c(feed + "intervall = \"5m\"\n", 4, "unknown key `intervall` in [[feed]] \"a\"", "did you mean `interval`?"),
        c("[daemon]\nmaxBody = \"1MiB\"\n" + feed, 2, "unknown key `maxBody` in [daemon]", "did you mean `max_body`?"),
        c(feed + "sort = \"changed\"\n", 4, "unknown key `sort` in [[feed]] \"a\"", "`sort` belongs in [[output]]"),
        c(feed + "colour = \"red\"\n", 4, "unknown key `colour`", "the sample feeds.conf lists every key"),
        c("[[feeds]]\nname = \"a\"\n", 1, "unknown table `feeds`", "did you mean [[feed]]?"),
        c("[feed]\nname = \"a\"\nurl = \"https://a.example/\"\n", 1, "`feed` must be an array of tables", "write [[feed]]"),
        c("[[daemon]]\n" + feed, 1, "`daemon` must be a single table", "write [daemon], not [[daemon]]"),
        c("state = \"/x\"\n" + feed, 1, "`state` is outside any section", "move it under [daemon]"),
        c("bogus = 1\n" + feed, 1, "unknown key `bogus` at the top of the file"),
        // Types
        c("[daemon]\nmax_in_flight = \"32\"\n" + feed, 2, "`max_in_flight` in [daemon] must be an integer, found a string", "write max_in_flight = 32 (no quotes)"),
        c("[daemon]\nmax_in_flight = 0\n" + feed, 2, "`max_in_flight` in [daemon] must be at least 1, found 0"),
        c("[daemon]\nmax_items = 1.0\n" + feed, 2, "must be an integer, found a float", "write max_items = 1"),
        c(feed + "enabled = \"no\"\n", 4, "`enabled` in [[feed]] \"a\" must be true or false, found a string", "write enabled = false (no quotes)"),
        c(feed + "tags = \"ukraine\"\n", 4, "must be an array of strings, found a string", "write tags = [\"ukraine\"]"),
        c(feed + "tags = [\"a\", 2]\n", 4, "`tags` in [[feed]] \"a\" must hold strings, found an integer"),
        c(feed + "tags = [\"\"]\n", 4, "holds an empty tag"),
        c(feed + "title = \"\"\n", 4, "`title` in [[feed]] \"a\" is empty"),
        c("[daemon]\ncontact = 42\n" + feed, 2, "must be a string, found an integer", "write contact = \"42\""),
        c("[daemon]\ncontact = \"a\\nb\"\n" + feed, 2, "must be one line of text"),
        c("[daemon]\njitter = 0.9\n" + feed, 2, "between 0 and 0.5"),
        c("[daemon]\njitter = \"10%\"\n" + feed, 2, "`jitter` in [daemon] must be a number, found a string"),
        // Durations
        c("[daemon]\ninterval = 900\n" + feed, 2, "must be a duration string, found an integer", "write interval = \"900s\" for 900 seconds"),
        c("[daemon]\ninterval = \"15 minutes\"\n" + feed, 2, "\"15 minutes\" is not a duration", "did you mean \"15m\"?"),
        c("[daemon]\ninterval = \"fast\"\n" + feed, 2, "\"fast\" is not a duration", "write a number and a unit"),
        c("[daemon]\ntimeout = \"0s\"\n" + feed, 2, "`timeout` in [daemon] must be longer than zero"),
        c("[daemon]\ninterval = \"-5m\"\n" + feed, 2, "is not a duration"),
        c(feed + "interval = \"2 hours\"\n", 4, "`interval` in [[feed]] \"a\"", "did you mean \"2h\"?"),
        // Sizes
        c("[daemon]\nmax_body = \"15M\"\n" + feed, 2, "\"15M\" is not a size", "did you mean \"15MiB\" or \"15MB\"?"),
        c("[daemon]\nmax_body = \"lots\"\n" + feed, 2, "\"lots\" is not a size", "write a number and a unit"),
        c("[daemon]\nmax_body = 0\n" + feed, 2, "`max_body` in [daemon] must be larger than zero"),
        c("[daemon]\nmax_body = -1\n" + feed, 2, "must not be negative"),
        c("[daemon]\nmax_body = true\n" + feed, 2, "must be a size such as \"15MiB\" or an integer of bytes, found a boolean"),
        // Paths
        c("[daemon]\nstate = \"~/state.db\"\n" + feed, 2, "`~` is not expanded", "write the full path"),
        c("[daemon]\nstate = \"\"\n" + feed, 2, "`state` in [daemon] is empty"),
        // Names
        c("[[feed]]\nname = \"Kyiv Independent\"\nurl = \"https://k.example/\"\n", 2, "feed name \"Kyiv Independent\" may only use a-z, 0-9 and -", "did you mean \"kyiv-independent\"?"),
        c("[[feed]]\nname = \"kyiv_independent\"\nurl = \"https://k.example/\"\n", 2, "may only use a-z, 0-9 and -", "did you mean \"kyiv-independent\"?"),
        c("[[feed]]\nname = \"\(String(repeating: "a", count: 65))\"\nurl = \"https://k.example/\"\n", 2, "longer than 64 characters"),
        c("[[feed]]\nurl = \"https://k.example/\"\ntitle = \"Kyiv Post\"\n", 1, "[[feed]] at line 1 has no `name`", "add name = \"kyiv-post\""),
        c(feed + "[[output]]\nname = \"All Stories\"\npath = \"/srv/x.xml\"\n", 5, "output name \"All Stories\" may only use", "did you mean \"all-stories\"?"),
        c(feed + "[[notify]]\nname = \"Desk\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\n", 5, "notifier name \"Desk\" may only use", "did you mean \"desk\"?"),
        // Duplicates
        c(feed + "[[feed]]\nname = \"a\"\nurl = \"https://b.example/rss\"\n", 4, "feed name \"a\" is already used by the [[feed]] at line 1"),
        c(feed + "[[feed]]\nname = \"b\"\nurl = \"http://A.EXAMPLE/rss/\"\n", 6, "[[feed]] \"b\" has the same url as [[feed]] \"a\" (line 3)"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/srv/x.xml\"\n[[output]]\nname = \"o\"\npath = \"/srv/y.xml\"\n", 7, "output name \"o\" is already used by the [[output]] at line 4"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/srv/x.xml\"\n[[output]]\nname = \"p\"\npath = \"/srv/x.xml\"\n", 9, "[[output]] \"p\" writes the same file as [[output]] \"o\" (line 6)"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\n[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/y\"\n", 8, "notifier name \"n\" is already used by the [[notify]] at line 4"),
        // URLs
        c("[[feed]]\nname = \"a\"\nurl = \"feed://a.example/rss\"\n", 3, "is not an http(s) URL", "did you mean \"https://a.example/rss\"?"),
        c("[[feed]]\nname = \"a\"\nurl = \"a.example/rss\"\n", 3, "is not an http(s) URL", "did you mean \"https://a.example/rss\"?"),
        c("[[feed]]\nname = \"a\"\nurl = \"ftp://a.example/rss\"\n", 3, "is not an http(s) URL", "http:// or https:// only"),
        c("[[feed]]\nname = \"a\"\nurl = \"https://a.example:99999/\"\n", 3, "is not an http(s) URL"),
        c("[[feed]]\nname = \"a\"\n", 1, "[[feed]] \"a\" has no `url`"),
        c("[daemon]\nproxy = \"ftp://proxy:3128\"\n" + feed, 2, "`proxy` in [daemon] is not a proxy URL"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/srv/x.xml\"\nlink = \"example.org\"\n", 7, "`link` in [[output]] \"o\" is not an http(s) URL"),
        // Intervals
        c("[daemon]\nmin_interval = \"2h\"\nmax_interval = \"1h\"\n" + feed, 2, "min_interval (2h) is longer than max_interval (1h)"),
        // Cross-references
        c(feed + "[[output]]\nname = \"o\"\npath = \"/srv/x.xml\"\nfeeds = [\"b\", \"aa\"]\n", 7, "`feeds` in [[output]] \"o\" names \"b\", which is not a configured [[feed]]"),
        c(feed + "[[feed]]\nname = \"kyiv\"\nurl = \"https://k.example/\"\n[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\nfeeds = [\"kiev\"]\n", 11, "`feeds` in [[notify]] \"n\" names \"kiev\"", "did you mean \"kyiv\"?"),
        // Outputs
        c(feed + "[[output]]\nname = \"o\"\n", 4, "[[output]] \"o\" has no `path`", "add path = \"/srv/feedwire/public/o.xml\""),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\nformat = \"rdf\"\n", 7, "\"rdf\" is not one of rss, atom, json, html, changes"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\nformat = \"atomm\"\n", 7, "is not one of", "did you mean \"atom\"?"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\nsort = \"date\"\n", 7, "\"date\" is not one of published, changed"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\nmode = 644\n", 7, "= 644 is a decimal number", "write mode = \"0644\" or mode = 0o644"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\nmode = \"rw-r--r--\"\n", 7, "`mode` in [[output]] \"o\" is not a file mode"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\ninclude = [\"ok\", \"(unclosed\"]\n", 7, "\"(unclosed\" is not a valid regular expression"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\nexclude = [\"[z-a]\"]\n", 7, "is not a valid regular expression"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\nformat = \"changes\"\nevents = [\"edited\"]\n", 8, "\"edited\" is not an event kind"),
        // Notifiers
        c(feed + "[[notify]]\nname = \"n\"\nurl = \"https://x.example/\"\n", 4, "[[notify]] \"n\" has no `type`"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"signal\"\nurl = \"https://x.example/\"\n", 6, "\"signal\" is not one of slack, mattermost"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"discord\"\n", 4, "[[notify]] \"n\" has no `url`", "add url = \"env:NAME\""),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"matrix\"\nurl = \"https://m.example\"\ntoken = \"env:T\"\n", 4, "(type matrix) needs `room`"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"matrix\"\nurl = \"https://m.example\"\nroom = \"!r:m.example\"\n", 4, "(type matrix) needs `token`"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"matrix\"\nurl = \"https://m.example\"\ntoken = \"env:T\"\nroom = \"#news:m.example\"\n", 9, "must be a Matrix room id"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"telegram\"\nurl = \"https://api.telegram.org\"\ntoken = \"env:T\"\n", 4, "(type telegram) needs `chat_id`"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"telegram\"\nurl = \"https://api.telegram.org\"\ntoken = \"env:T\"\nchat_id = \"news desk\"\n", 9, "must be a numeric chat id or \"@channelusername\""),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"slack\"\nurl = \"https://hooks.example/x\"\ntoken = \"env:T\"\n", 8, "`token` in [[notify]] \"n\" is not used by slack notifiers", "only matrix and telegram use it"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"discord\"\nurl = \"https://d.example/x\"\nsecret = \"env:S\"\n", 8, "`secret` in [[notify]] \"n\" is not used by discord notifiers"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"webhook\"\nurl = \"https://w.example/x\"\nhub_signature = true\n", 8, "needs a `secret` to sign with"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\nevents = [\"new\", \"feed_failing\"]\n", 8, "\"feed_failing\" is not one of new, updated, gone, health", "did you mean \"health\"?"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\nquiet_hours = \"22-07\"\n", 8, "\"22-07\" is not a time range"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\nquiet_hours = \"07:00-07:00\"\n", 8, "is not a time range"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\nrate = \"fast\"\n", 8, "\"fast\" is not a rate"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\ndigest_threshold = 0\n", 8, "must be at least 1"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\nedit = \"inplace\"\n", 8, "\"inplace\" is not one of auto, in-place, thread, new", "did you mean \"in-place\"?"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"env:1BAD\"\n", 7, "\"env:1BAD\" is not a valid environment variable name"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"file:\"\n", 7, "\"file:\" needs a path"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"\"\n", 7, "`url` in [[notify]] \"n\" is empty"),
        // Networks and metrics
        c("[daemon]\nallow_networks = [\"127.0.0.0/33\"]\n" + feed, 2, "\"127.0.0.0/33\" is not a CIDR"),
        c("[daemon]\ndeny_networks = [\"bad host!\"]\n" + feed, 2, "is not a CIDR, an IP address or a host name"),
        c("[daemon]\nmetrics = \"9464\"\n" + feed, 2, "\"9464\" is not host:port"),
        c("[daemon]\nmetrics = \"127.0.0.1:70000\"\n" + feed, 2, "is not host:port"),
        c("[daemon]\nlog_level = \"verbose\"\n" + feed, 2, "\"verbose\" is not one of trace, debug"),
    ]

    @Test(arguments: errors)
    func errorsHaveLineAndSuggestion(_ c: Case) {
        let (accepted, diags) = Self.diagnostics(c.text)
        #expect(!accepted, "accepted: \(c.text)")
        let match = diags.first { $0.severity == .error && $0.message.contains(c.message) }
        #expect(match != nil, "no error containing \(c.message.debugDescription) in \(diags)")
        #expect(match?.line == c.line, "line of \(String(describing: match))")
        if let s = c.suggestion {
            #expect(match?.suggestion?.contains(s) == true, "suggestion of \(String(describing: match))")
        }
    }

    static let warnings: [Case] = [
        c("[daemon]\nmin_interval = \"5m\"\n" + feed + "interval = \"1m\"\n", 6, "interval (1m) of [[feed]] \"a\" is below min_interval (5m): it will be polled every 5m"),
        c(feed + "interval = \"2d\"\n", 4, "is above max_interval (1d): it will be polled every 1d"),
        c("[daemon]\ninterval = \"30s\"\n" + feed, 2, "interval (30s) in [daemon] is below min_interval (1m)"),
        c("[daemon]\ninterval = \"2d\"\n" + feed, 2, "interval (2d) in [daemon] is above max_interval (1d)"),
        c(feed + "enabled = false\n", 4, "[[feed]] \"a\" is disabled (enabled = false)"),
        c(feed + "tls_verify = false\n", 4, "does not verify TLS certificates"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\nmax_items = 0\n", 7, "has max_items = 0: it will always be empty"),
        c("[daemon]\nmax_items = 0\n" + feed, 2, "max_items = 0 in [daemon]: no item of any feed will be processed"),
        c("[daemon]\nbackfill = 600\n" + feed, 2, "backfill (600) in [daemon] is above max_items (500)"),
        c(feed + "backfill = 900\n", 4, "backfill (900) of [[feed]] \"a\" is above max_items (500)"),
        c("[daemon]\nmax_per_host = 8\nmax_in_flight = 4\n" + feed, 2, "max_per_host (8) in [daemon] is above max_in_flight (4)"),
        c("[daemon]\nconnect_timeout = \"1m\"\n" + feed, 2, "connect_timeout (1m) in [daemon] is longer than timeout (30s)"),
        c(feed + "timeout = \"5s\"\n", 4, "timeout (5s) of [[feed]] \"a\" is shorter than connect_timeout (10s)"),
        c(feed + "tags = [\"ukraine\"]\n[[output]]\nname = \"o\"\npath = \"/x\"\ntags = [\"ukriane\"]\n", 8, "`tags` in [[output]] \"o\" names \"ukriane\", which no feed has"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\ntags = [\"none\"]\n", 8, "`tags` in [[notify]] \"n\" names \"none\", which no feed has"),
        c(feed + "enabled = false\n[[output]]\nname = \"o\"\npath = \"/x\"\n", 5, "[[output]] \"o\" selects no enabled feed"),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\nevents = [\"new\"]\n", 7, "is only used by format = \"changes\""),
        c(feed + "[[output]]\nname = \"o\"\npath = \"/x\"\nmode = \"0600\"\n", 7, "other users (such as the web server) cannot read it"),
        c(feed + "[[notify]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.sh/x\"\nevents = []\n", 8, "it will never send anything"),
        c("[daemon]\nmetrics = \"0.0.0.0:9464\"\n" + feed, 2, "listens on 0.0.0.0, which other machines may reach"),
        c("[daemon]\n", 0, "no [[feed]] is configured"),
    ]

    @Test(arguments: warnings)
    func warningsKeepTheConfigValid(_ c: Case) {
        let (accepted, diags) = Self.diagnostics(c.text)
        #expect(accepted, "rejected: \(diags)")
        #expect(diags.allSatisfy { $0.severity == .warning })
        let match = diags.first { $0.message.contains(c.message) }
        #expect(match != nil, "no warning containing \(c.message.debugDescription) in \(diags)")
        #expect(match?.line == c.line, "line of \(String(describing: match))")
    }

    @Test func everyErrorIsCollectedNotJustTheFirst() {
        let text = """
        [daemon]
        intervall = "15m"
        max_body = "15M"
        [[feed]]
        name = "A"
        url = "https://a.example/"
        [[feed]]
        name = "b"
        url = "nope"
        [[output]]
        name = "o"
        path = "/x"
        feeds = ["zzz"]
        """
        let (accepted, diags) = Self.diagnostics(text)
        #expect(!accepted)
        #expect(diags.filter { $0.severity == .error }.map(\.line) == [2, 3, 5, 9, 13])
    }

    @Test func messagesAreFormattedWithFileAndLine() throws {
        do {
            _ = try ConfigLoader.parse(text: Self.feed + "intervall = \"5m\"\n", path: "/etc/feedwire/feeds.conf")
            Issue.record("accepted")
        } catch {
            #expect(error.file == "/etc/feedwire/feeds.conf")
            #expect(error.description == "/etc/feedwire/feeds.conf:4: error: unknown key `intervall` in [[feed]] \"a\"; did you mean `interval`?")
        }
    }

    @Test func unreadableFileIsMarkedSo() {
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/feedwire/feeds.conf")
            Issue.record("loaded")
        } catch {
            #expect(error.unreadable)
            #expect(error.description.contains("No such file or directory"))
        }
    }
}

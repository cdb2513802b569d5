/// The whole configuration as a value: parsed from `feeds.conf`
/// (`../shared/contracts/feeds-conf.md`), validated, then passed down. Never
/// global; a reload builds a new value and swaps it in whole.
public struct FeedwireConfig: Sendable, Equatable {
    public var daemon: DaemonSettings
    public var feeds: [FeedConfig]
    public var outputs: [OutputConfig]
    public var notifiers: [NotifierConfig]
    /// Absolute path of the file this was read from, when read from a file.
    public var path: String?

    public init(daemon: DaemonSettings = DaemonSettings(), feeds: [FeedConfig] = [], outputs: [OutputConfig] = [],
                notifiers: [NotifierConfig] = [], path: String? = nil) {
        self.daemon = daemon
        self.feeds = feeds
        self.outputs = outputs
        self.notifiers = notifiers
        self.path = path
    }

    public func feed(named name: String) -> FeedConfig? { feeds.first { $0.name == name } }
}

/// `[daemon]`. Durations are seconds; defaults come from the contract and
/// `../shared/design/defaults.md`.
public struct DaemonSettings: Sendable, Equatable {
    /// SQLite state database (absolute after resolution against the config file's directory).
    public var state: String = "/var/lib/feedwire/state.db"
    /// Default poll interval per feed.
    public var interval: Double = 15 * 60
    /// Floor for every computed interval.
    public var minInterval: Double = 60
    /// Ceiling for every computed interval, and the cap of failure backoff.
    public var maxInterval: Double = 24 * 3600
    /// Random spread added to each next-due time, as a fraction of the interval,
    /// so a thousand feeds configured together do not all fire in the same second.
    public var jitter: Double = 0.1
    /// Appended to the User-Agent so publishers know whom to ask.
    public var contact: String = ""
    /// CIDRs or host names exempt from the private-network block.
    public var allowNetworks: [String] = []
    /// CIDRs or host names always refused, even when allowed above.
    public var denyNetworks: [String] = []
    /// Proxy URL; empty means the usual environment variables (`https_proxy`, `no_proxy`, …).
    public var proxy: String = ""
    /// Concurrent transfers in total and to one host.
    public var maxInFlight: Int = 32
    public var maxPerHost: Int = 4
    /// Transfer limits for feeds.
    public var timeout: Double = 30
    public var connectTimeout: Double = 10
    public var lowSpeedLimit: Int = 100
    public var lowSpeedTime: Double = 10
    public var maxBody: Int = 15 * 1024 * 1024
    /// Newest items processed per fetch.
    public var maxItems: Int = 500
    /// Items announced on a feed's very first fetch (per-feed `backfill` overrides).
    public var backfill: Int = 0
    /// Revisions kept per item, and the age after which vanished items are pruned.
    public var keepRevisions: Int = 20
    public var keepItems: Double = 90 * 86_400
    /// Webhook delivery timeout (whole request).
    public var webhookTimeout: Double = 15
    /// How long SIGTERM waits for in-flight work.
    public var shutdownGrace: Double = 10
    /// JSON Lines change log; empty disables it.
    public var changelog: String = ""
    /// Rotate the change log when it passes this size; keep this many old files.
    public var changelogMaxSize: Int = 10 * 1024 * 1024
    public var changelogKeep: Int = 5
    /// `host:port` of the metrics and health endpoint; empty disables it.
    public var metrics: String = ""
    public var logLevel: String = "info"

    public init() {}

    /// Transfer limits for a feed, with its overrides.
    public func limits(for feed: FeedConfig) -> TransferLimits {
        var l = TransferLimits()
        l.connectTimeout = connectTimeout
        l.totalTimeout = feed.timeout ?? timeout
        l.lowSpeedBytesPerSecond = lowSpeedLimit
        l.lowSpeedSeconds = lowSpeedTime
        l.maxBodyBytes = feed.maxBody ?? maxBody
        return l
    }
}

/// `[[feed]]`.
public struct FeedConfig: Sendable, Equatable {
    /// `[a-z0-9-]+`, unique: the feed's identity. Its state follows the name,
    /// so the URL may change.
    public var name: String
    public var url: String
    /// Overrides `[daemon] interval`.
    public var interval: Double?
    public var tags: [String] = []
    /// Items announced on the very first fetch (nil: `[daemon] backfill`).
    public var backfill: Int?
    public var timeout: Double?
    public var maxBody: Int?
    /// TLS verification; only an explicit `tls_verify = false` turns it off.
    public var tlsVerify: Bool = true
    /// `enabled = false` keeps the feed's state but stops polling it.
    public var enabled: Bool = true
    /// Display name for outputs and messages (default: the feed's own title).
    public var title: String?
    /// Line in the config file where this table starts (for messages).
    public var line: Int = 0

    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }
}

public enum OutputFormat: String, Sendable, CaseIterable {
    case rss, atom, json, html
    /// The Atom "changes" feed: one entry per event, for people who want updates only.
    case changes
}

public enum OutputSort: String, Sendable, CaseIterable {
    /// By publication date (first seen when the source has none).
    case published
    /// By the last real change (edits move an item up).
    case changed
}

/// `[[output]]`.
public struct OutputConfig: Sendable, Equatable {
    public var name: String
    public var path: String
    public var format: OutputFormat = .rss
    public var title: String = "Feedwire"
    /// The channel's home page link.
    public var link: String = ""
    public var description: String = ""
    /// Feed names; empty means all feeds (unless `tags` selects).
    public var feeds: [String] = []
    /// Select feeds by tag (union with `feeds`).
    public var tags: [String] = []
    /// Case-insensitive regular expressions on title and text: keep an item
    /// only if some `include` matches (when any are given) and no `exclude` does.
    public var include: [String] = []
    public var exclude: [String] = []
    public var maxItems: Int = 200
    /// Drop items older than this (seconds); nil keeps any age.
    public var maxAge: Double?
    public var sort: OutputSort = .published
    /// strftime-like marker added to edited items' descriptions in RSS and
    /// HTML (`%H`, `%M`, `%d`, `%b`, `%Y` in UTC); empty disables it.
    public var updatedMarker: String = "Updated %H:%M UTC"
    /// File mode of the written file.
    public var mode: Int = 0o644
    /// For `changes`: which event kinds to include.
    public var events: [EventKind] = [.new, .updated]
    public var line: Int = 0

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}

public enum NotifierType: String, Sendable, CaseIterable {
    case slack, mattermost, discord, teams, gchat, matrix, telegram, ntfy, webhook
}

/// How an update is shown where a story was already announced.
public enum EditMode: String, Sendable, CaseIterable {
    /// In place where the service allows it, else a thread reply, else a new message.
    case auto
    /// Edit the original message (Discord, Telegram, Matrix).
    case inPlace = "in-place"
    /// Reply in the original's thread (Slack-style services, Google Chat).
    case thread
    /// Always a new message marked "Updated".
    case new
}

/// `[[notify]]`.
public struct NotifierConfig: Sendable, Equatable {
    public var name: String
    public var type: NotifierType
    /// Webhook URL, Matrix homeserver base URL, ntfy topic URL or Telegram Bot API base URL.
    public var url: Secret
    /// Matrix access token, Telegram bot token.
    public var token: Secret?
    /// Matrix room id (`!opaque:server`).
    public var room: String?
    /// Telegram chat id or `@channelusername`.
    public var chatID: String?
    /// Standard Webhooks signing secret (`whsec_…` or raw).
    public var secret: Secret?
    /// Also send GitHub's `X-Hub-Signature-256` (generic webhooks).
    public var hubSignature: Bool = false
    /// new | updated | gone | health.
    public var events: Set<String> = ["new", "updated"]
    public var feeds: [String] = []
    public var tags: [String] = []
    /// Case-insensitive regular expressions on title and text.
    public var include: [String] = []
    public var exclude: [String] = []
    /// `"22:00-07:00"` in UTC: messages wait and go out as a digest afterwards.
    public var quietHours: String?
    /// More than this many events waiting for this target become digest messages.
    public var digestThreshold: Int = 10
    public var editMode: EditMode = .auto
    /// Overrides the service's documented rate, e.g. `"5/2s"`.
    public var rate: String?
    public var line: Int = 0

    public init(name: String, type: NotifierType, url: Secret) {
        self.name = name
        self.type = type
        self.url = url
    }

    /// Whether this notifier wants an event kind.
    public func wants(_ kind: EventKind) -> Bool {
        kind.isHealth ? events.contains("health") : events.contains(kind.rawValue)
    }
}

/// Tuning of the daemon loop that is not in `feeds.conf` (tests change
/// these; the defaults are what `feedwire run` uses).
public struct DaemonOptions: Sendable {
    /// Refreshes started at most at once (fetch + parse + store). Nil:
    /// twice `[daemon] max_in_flight`, at least 8, so the transfer engine is
    /// kept busy while parsing and storing happen, yet a first sync of
    /// 10,000 feeds goes out in waves instead of all at once.
    public var maxRefreshesInFlight: Int?
    /// No refresh finishing for this long while some are in flight, or a
    /// feed overdue by this long with free slots, means the loop is stuck:
    /// the watchdog stops pinging and `/healthz` says 503. Nil: four transfer
    /// timeouts plus a minute, at least 3 min.
    public var stallLimit: Double?
    /// Housekeeping period: health beat, periodic `STATUS=`, progress logs.
    public var housekeepingPeriod: Double = 10
    /// `STATUS=` is re-sent at least this often (its "next poll in" ages).
    public var statusPeriod: Double = 30
    /// First-sync progress in the log every N feeds or seconds.
    public var progressEveryFeeds: Int = 50
    public var progressEverySeconds: Double = 10
    /// Each component gets this long to stop after the in-flight grace.
    public var componentGrace: Double = 5
    /// The scheduler timer re-checks at least this often, so a wall-clock
    /// step (due times are wall-clock) is noticed within this bound.
    public var maxTimerSleep: Double = 300
    /// Feeds added by a reload (or whose URL changed) are first polled
    /// within this many seconds, spread by jitter.
    public var addedFeedSpread: Double = 30
    /// Seed of the jitter generator; nil: from the clock.
    public var jitterSeed: UInt64?
    /// Install SIGHUP/SIGTERM/SIGINT sources in `start()`.
    public var handleSignals: Bool = true
    /// Show a progress line on stderr during a first sync; nil: when stderr
    /// is a terminal and not the journal.
    public var progressLine: Bool?
    /// Allow `[daemon] metrics` on a non-loopback address.
    public var allowNonLoopbackMetrics: Bool = false
    /// Apply `[daemon] log_level` from the file on start and reload (false
    /// when `--log-level` was given on the command line).
    public var followConfigLogLevel: Bool = true

    public init() {}

    func refreshCap(for settings: DaemonSettings) -> Int {
        max(1, maxRefreshesInFlight ?? max(8, settings.maxInFlight * 2))
    }

    func stall(for settings: DaemonSettings) -> Double {
        stallLimit ?? max(180, 4 * settings.timeout + 60)
    }
}

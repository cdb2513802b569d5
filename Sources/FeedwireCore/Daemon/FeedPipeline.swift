import Dispatch
import Logging
import Synchronization

/// One feed's refresh, end to end: conditional GET → classify → (parse) →
/// reconcile and store in one transaction, with the outbox rows the
/// notification router asks for. The daemon (`DaemonRunner`) and
/// `feedwire once` (`OnceRunner`) drive it through `FeedRefresher`.
///
/// Concurrency: the transport calls back on its completion queue; parsing
/// (pure, CPU-bound) runs on `parseQueue`, a concurrent queue, so several
/// documents parse at once on a multi-core machine; every store call runs
/// on `storeQueue`, a serial queue — the single writer of the state
/// database. Nothing here blocks the daemon's queue.
public final class FeedPipeline: FeedRefresher, DaemonComponent, @unchecked Sendable {
    /// What the pipeline needs from the configuration; replaced whole on reload.
    struct Settings: Sendable {
        var daemon: DaemonSettings
        var router: NotificationRouter
    }

    public let componentName = "refresher"
    let store: StateStore
    let transport: HTTPTransport
    let clock: Clock
    let logger: Logger
    let parse: @Sendable ([UInt8], FeedParseOptions) throws -> ParsedFeed
    let parseQueue = DispatchQueue(label: "feedwire.parse", qos: .utility, attributes: .concurrent)
    let storeQueue = DispatchQueue(label: "feedwire.store", qos: .utility)
    private let settings: Mutex<Settings>
    private let inFlight = Mutex(0)
    private let stopping = Mutex(false)
    /// The last store operation succeeded (feeds `/healthz` and the watchdog).
    private let storeOK = Atomic<Bool>(true)
    /// Scheduler decisions not yet written (`noteNextDue`), flushed in one
    /// transaction per wave rather than one per refresh.
    private let pendingDues = Mutex<[String: Timestamp?]>([:])

    /// - Parameters:
    ///   - parse: the feed parser (`FeedParser.parse`); injectable for tests.
    public init(store: StateStore, transport: HTTPTransport, config: FeedwireConfig, clock: Clock = SystemClock(),
                logger: Logger = Logger(label: "feedwire"),
                parse: @escaping @Sendable ([UInt8], FeedParseOptions) throws -> ParsedFeed = { bytes, options in
                    try FeedParser.parse(bytes, options: options)
                }) {
        self.store = store
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.parse = parse
        settings = Mutex(Settings(daemon: config.daemon, router: NotificationRouter(config: config)))
    }

    /// A reloaded configuration: new limits and notification routes apply to
    /// refreshes that start from now on.
    public func reconfigure(_ config: FeedwireConfig) {
        settings.withLock { $0 = Settings(daemon: config.daemon, router: NotificationRouter(config: config)) }
    }

    /// Whether the last store operation succeeded.
    public var storeHealthy: Bool { storeOK.load(ordering: .relaxed) }

    public func refresh(feed: FeedConfig, completion: @escaping @Sendable (RefreshReport) -> Void) {
        let current = settings.withLock { $0 }
        storeQueue.async { [self] in
            let state: FeedState?
            do {
                state = try store.feedState(named: feed.name)
                storeOK.store(true, ordering: .relaxed)
            } catch {
                storeOK.store(false, ordering: .relaxed)
                completion(.failed("cannot read its state from the database: \(error)"))
                return
            }
            let validators = Validators(etag: state?.etag, lastModified: state?.lastModified)
            let request = FeedRequest.make(url: feed.url, validators: validators, limits: current.daemon.limits(for: feed),
                                           verifyTLS: feed.tlsVerify, label: "feed \(feed.name)")
            inFlight.withLock { $0 += 1 }
            transport.send(request) { [self] result in
                parseQueue.async { [self] in
                    let report = handle(result, feed: feed, state: state, validators: validators, settings: current)
                    inFlight.withLock { $0 -= 1 }
                    completion(report)
                }
            }
        }
    }

    /// Classifies the answer, parses on this (concurrent) queue, then stores
    /// on the store queue and waits for it. Returns the daemon's report.
    private func handle(_ result: Result<HTTPResponse, TransportError>, feed: FeedConfig, state: FeedState?,
                        validators: Validators, settings: Settings) -> RefreshReport {
        let now = clock.timestamp
        let outcome = FetchOutcome.classify(result, subject: "feed \(feed.name)", previous: validators, now: now)
        if outcome.kind == .cancelled {
            // Shutting down: nothing happened to the feed, so nothing is recorded.
            return .failed(outcome.message)
        }
        CrashPoint.hit(CrashPoint.fetchBeforeStore)
        let route: (EventWithItem) -> [String] = { settings.router.targets(for: $0.event, entry: $0.entry) }
        var record = FetchRecord(outcome, at: now)
        guard outcome.hasContent else {
            return storeSync {
                _ = try store.recordFetch(feed: feed.name, record, route: route)
                return RefreshReport(fetch: outcome)
            } ?? .failed("feed \(feed.name): could not record the fetch in the state database")
        }

        let base = outcome.finalURL ?? feed.url
        let hash = Fingerprint.document(outcome.body, base: base)
        if let stored = state?.documentHash, stored == hash {
            record.outcome = .unchanged
            return storeSync {
                _ = try store.recordFetch(feed: feed.name, record, route: route)
                return RefreshReport(fetch: outcome)
            } ?? .failed("feed \(feed.name): could not record the fetch in the state database")
        }

        let document: ParsedFeed
        do {
            let charset = result.contentTypeCharset
            document = try parse(outcome.body, FeedParseOptions(baseURL: base, charset: charset))
        } catch {
            let message = "feed \(feed.name): the answer from \(base) is not a feed (\(error)); check the url in feeds.conf"
            record.outcome = .parseError
            record.error = message
            _ = storeSync { try store.recordFetch(feed: feed.name, record, route: route) }
            return .failed(message, status: outcome.status)
        }

        let policy = TrackPolicy(daemon: settings.daemon, feed: feed)
        let request = RefreshRequest(feed: feed.name, document: document, documentHash: hash, fetch: record,
                                     now: now, policy: policy)
        return storeSync {
            let stored = try store.refresh(request, route: route)
            for note in stored.notes {
                logger.notice("\(note)", metadata: ["feed": .string(feed.name)])
            }
            return RefreshReport(fetch: outcome, newItems: stored.newItems, updatedItems: stored.edits,
                                 hints: document.pollHints)
        } ?? .failed("feed \(feed.name): could not store the refresh in the state database")
    }

    /// Runs `body` on the store queue and waits for it (the caller is on the
    /// parse queue, never on the store queue). A thrown error is logged and
    /// marks the store unhealthy.
    private func storeSync<T>(_ body: () throws -> T) -> T? {
        storeQueue.sync {
            do {
                let value = try body()
                storeOK.store(true, ordering: .relaxed)
                return value
            } catch {
                storeOK.store(false, ordering: .relaxed)
                logger.error("state database error: \(error); the refresh is retried at the next poll")
                return nil
            }
        }
    }

    /// Remembers when `feed` is due next; `flushNextDue` writes it.
    public func noteNextDue(_ feed: String, at: Double?) {
        pendingDues.withLock { $0[feed] = at.map { Timestamp(unix: $0) } }
    }

    /// Writes the noted due times in one transaction, on the store queue.
    /// Called when a wave of refreshes has settled and at shutdown.
    public func flushNextDue() {
        storeQueue.async { [self] in
            let dues = pendingDues.withLock { dues in
                defer { dues = [:] }
                return dues
            }
            guard !dues.isEmpty else { return }
            do {
                try store.setNextDue(dues)
            } catch {
                logger.warning("could not record the next poll times in the state database: \(error); `feedwire status` shows older ones")
            }
        }
    }

    public func shutdown(deadline: Double, completion: @escaping @Sendable () -> Void) {
        stopping.withLock { $0 = true }
        flushNextDue()
        // In-flight refreshes finish on their own (the runner waited for
        // them up to the grace); drain the store queue so the last
        // transaction is committed before the store closes.
        storeQueue.async { completion() }
    }
}

extension Result where Success == HTTPResponse {
    /// The `charset` parameter of the answer's Content-Type, as the parser's
    /// `--charset` takes it (RFC 9110 §8.3.1).
    var contentTypeCharset: String? {
        guard case let .success(response) = self, let type = response.headers["Content-Type"] else { return nil }
        for parameter in type.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2,
                  pair[0].trimmed(of: " \t").lowercased() == "charset" else { continue }
            var value = pair[1].trimmed(of: " \t")
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }
}

extension Substring {
    func trimmed(of set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

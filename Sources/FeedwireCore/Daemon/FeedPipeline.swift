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
///
/// Quiet polls are batched: a poll that changed nothing but the feed's
/// fetch timestamps (a 304, or a 200 with the very bytes stored last time,
/// for a healthy feed whose validators and address stay the same) is held
/// on the store queue and written with other such polls in one transaction
/// — after `quietBatchLimit` of them, `quietFlushDelay` seconds after the
/// first, before any other store write of the pipeline, on `flush()` and on
/// shutdown. Why: with `synchronous=FULL` every commit is an fsync; one per
/// 304 cost ~120 µs of CPU and ~3 ms of store-queue time here, more than
/// the fetch itself (bench-load). What a crash can lose is at most
/// `quietFlushDelay` seconds of "last fetched at" times — never an item, an
/// event or a notification — and a restart then merely polls those feeds
/// a little early.
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
    /// Quiet polls waiting for their batched write (0 delay: written at once).
    let quietFlushDelay: Double
    let quietBatchLimit: Int
    /// Quiet polls waiting for the batched write, and whether a timer for
    /// it was asked for (appended from any thread, taken on the store queue).
    private let quiet = Mutex<(pending: [(feed: String, record: FetchRecord)], timerRequested: Bool)>(([], false))
    /// Each feed's state as the store has it (see `FeedStateCache`).
    let states = FeedStateCache()
    // Confined to `storeQueue`.
    private var quietTimer: DispatchSourceTimer?
    /// Scheduler decisions not yet written (`noteNextDue`), flushed in one
    /// transaction per wave rather than one per refresh.
    private let pendingDues = Mutex<[String: Timestamp?]>([:])

    /// - Parameters:
    ///   - parse: the feed parser (`FeedParser.parse`); injectable for tests.
    ///   - quietFlushDelay: longest time (seconds) a quiet poll's record waits
    ///     for its batched write; 0 writes every poll at once.
    ///   - quietBatchLimit: quiet polls written together at most.
    public init(store: StateStore, transport: HTTPTransport, config: FeedwireConfig, clock: Clock = SystemClock(),
                logger: Logger = Logger(label: "feedwire"),
                quietFlushDelay: Double = 1, quietBatchLimit: Int = 512,
                parse: @escaping @Sendable ([UInt8], FeedParseOptions) throws -> ParsedFeed = { bytes, options in
                    try FeedParser.parse(bytes, options: options)
                }) {
        self.quietFlushDelay = max(0, quietFlushDelay)
        self.quietBatchLimit = max(1, quietBatchLimit)
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
        // The caller synced the feed table first (a changed URL drops the validators).
        states.invalidateAll()
    }

    /// Whether the last store operation succeeded.
    public var storeHealthy: Bool { storeOK.load(ordering: .relaxed) }

    public func refresh(feed: FeedConfig, completion: @escaping @Sendable (RefreshReport) -> Void) {
        let current = settings.withLock { $0 }
        if let state = states.cached(feed.name, url: feed.url) {
            // The usual poll: validators from memory, no store-queue hop, no SELECT.
            send(feed: feed, state: state, settings: current, completion: completion)
            return
        }
        let generation = states.generation
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
            if let state { states.put(state, loadedIn: generation) }
            send(feed: feed, state: state, settings: current, completion: completion)
        }
    }

    /// Sends the conditional GET. A quiet 304 is finished on the transport's
    /// completion thread (nothing to parse, its record joins the batched
    /// write without waiting); anything else goes to the parse queue.
    private func send(feed: FeedConfig, state: FeedState?, settings current: Settings,
                      completion: @escaping @Sendable (RefreshReport) -> Void) {
        let validators = Validators(etag: state?.etag, lastModified: state?.lastModified)
        let request = FeedRequest.make(url: feed.url, validators: validators, limits: current.daemon.limits(for: feed),
                                       verifyTLS: feed.tlsVerify, label: "feed \(feed.name)")
        inFlight.withLock { $0 += 1 }
        transport.send(request) { [self] result in
            if case let .success(response) = result, response.status == 304,
               let report = handleQuietNotModified(result, feed: feed, state: state, validators: validators,
                                                   settings: current) {
                inFlight.withLock { $0 -= 1 }
                completion(report)
                return
            }
            parseQueue.async { [self] in
                let report = handle(result, feed: feed, state: state, validators: validators, settings: current)
                inFlight.withLock { $0 -= 1 }
                completion(report)
            }
        }
    }

    /// A 304 that changes nothing but the fetch times (`isQuiet`): recorded
    /// in the batch and reported. Nil for any other 304 (new validators, a
    /// recovering feed …), which `handle` stores at once.
    private func handleQuietNotModified(_ result: Result<HTTPResponse, TransportError>, feed: FeedConfig,
                                        state: FeedState?, validators: Validators, settings: Settings) -> RefreshReport? {
        guard quietFlushDelay > 0, let state else { return nil }
        let now = clock.timestamp
        let outcome = FetchOutcome.classify(result, subject: "feed \(feed.name)", previous: validators, now: now)
        guard !outcome.hasContent, outcome.kind != .cancelled else { return nil }
        let record = FetchRecord(outcome, at: now)
        guard FeedPipeline.isQuiet(record, state: state) else { return nil }
        CrashPoint.hit(CrashPoint.fetchBeforeStore)
        let route: (EventWithItem) -> [String] = { settings.router.targets(for: $0.event, entry: $0.entry) }
        recordQuiet(feed: feed.name, record, route: route)
        return RefreshReport(fetch: outcome)
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
            if FeedPipeline.isQuiet(record, state: state) {
                recordQuiet(feed: feed.name, record, route: route)
                return RefreshReport(fetch: outcome)
            }
            return storeSync(feed: feed.name) {
                _ = try store.recordFetch(feed: feed.name, record, route: route)
                return RefreshReport(fetch: outcome)
            } ?? .failed("feed \(feed.name): could not record the fetch in the state database")
        }

        let base = outcome.finalURL ?? feed.url
        let hash = Fingerprint.document(outcome.body, base: base)
        if let stored = state?.documentHash, stored == hash {
            record.outcome = .unchanged
            if FeedPipeline.isQuiet(record, state: state) {
                recordQuiet(feed: feed.name, record, route: route)
                return RefreshReport(fetch: outcome)
            }
            return storeSync(feed: feed.name) {
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
            _ = storeSync(feed: feed.name) { try store.recordFetch(feed: feed.name, record, route: route) }
            return .failed(message, status: outcome.status)
        }

        let policy = TrackPolicy(daemon: settings.daemon, feed: feed)
        let request = RefreshRequest(feed: feed.name, document: document, documentHash: hash, fetch: record,
                                     now: now, policy: policy)
        return storeSync(feed: feed.name) {
            let stored = try store.refresh(request, route: route)
            for note in stored.notes {
                logger.notice("\(note)", metadata: ["feed": .string(feed.name)])
            }
            return RefreshReport(fetch: outcome, newItems: stored.newItems, updatedItems: stored.edits,
                                 hints: document.pollHints)
        } ?? .failed("feed \(feed.name): could not store the refresh in the state database")
    }

    /// Whether recording this fetch changes nothing but the feed's fetch
    /// times and status (no event, no new validators, no move), so it may
    /// wait for a batched write: a success (304, or unchanged bytes) of a
    /// known, enabled feed that was not failing.
    static func isQuiet(_ record: FetchRecord, state: FeedState?) -> Bool {
        guard let state, !state.disabled, state.consecutiveErrors == 0,
              record.outcome == .notModified || record.outcome == .unchanged,
              record.error == nil, record.nextDue == nil else { return false }
        if let moved = record.movedTo, moved != state.url { return false }
        if let validators = record.validators,
           validators.etag != state.etag || validators.lastModified != state.lastModified { return false }
        return true
    }

    /// Queues a quiet poll's record for the next batched write (see the type doc).
    private func recordQuiet(feed: String, _ record: FetchRecord, route: (EventWithItem) -> [String]) {
        guard quietFlushDelay > 0 else {
            _ = storeSync(feed: feed) { try store.recordFetch(feed: feed, record, route: route) }
            return
        }
        let action = quiet.withLock { q -> QuietAction in
            q.pending.append((feed, record))
            if q.pending.count >= quietBatchLimit { return .flush }
            if q.timerRequested { return .none }
            q.timerRequested = true
            return .armTimer
        }
        switch action {
        case .none: break
        case .armTimer: storeQueue.async { [self] in armQuietTimer() }
        // Rare (once per `quietBatchLimit` polls); waiting keeps the batch bounded.
        case .flush: storeQueue.sync { flushQuiet() }
        }
    }

    private enum QuietAction { case none, armTimer, flush }

    /// Asks for the batched write within `quietFlushDelay`: one store-queue
    /// hop per batch, not one per poll.
    private func requestBatchedWrite() {
        let needed = quiet.withLock { q -> Bool in
            if q.timerRequested { return false }
            q.timerRequested = true
            return true
        }
        if needed { storeQueue.async { [self] in armQuietTimer() } }
    }

    /// Makes sure a batched write happens within `quietFlushDelay`. On the store queue.
    private func armQuietTimer() {
        guard quietTimer == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: storeQueue)
        timer.setEventHandler { [weak self] in self?.flushQuiet() }
        timer.schedule(deadline: .now() + quietFlushDelay)
        timer.resume()
        quietTimer = timer
    }

    /// Writes the waiting quiet polls in one transaction, and the noted due
    /// times. On the store queue.
    private func flushQuiet() {
        dispatchPrecondition(condition: .onQueue(storeQueue))
        quietTimer?.cancel()
        quietTimer = nil
        let batch = quiet.withLock { q -> [(feed: String, record: FetchRecord)] in
            q.timerRequested = false
            defer { q.pending.removeAll(keepingCapacity: true) }
            return q.pending
        }
        writeNextDue()
        guard !batch.isEmpty else { return }
        let route = settings.withLock { $0.router }
        do {
            try store.recordFetches(batch, route: { route.targets(for: $0.event, entry: $0.entry) })
            storeOK.store(true, ordering: .relaxed)
        } catch {
            storeOK.store(false, ordering: .relaxed)
            logger.error("state database error: \(error); the fetch times of \(batch.count) unchanged feeds were not recorded (their items are safe)")
        }
    }

    /// Writes every waiting quiet poll now (`feedwire once` before it
    /// exits; tests). Not from the store queue.
    public func flush() {
        storeQueue.sync { flushQuiet() }
    }

    /// Runs `body` on the store queue and waits for it (the caller is on the
    /// parse queue, never on the store queue), after the waiting quiet polls
    /// (so the store sees every feed's fetches in order). A thrown error is
    /// logged and marks the store unhealthy.
    /// Afterwards the feed's cached state is read again from the store
    /// (the write may have changed its validators, address, hash, errors).
    private func storeSync<T>(feed: String, _ body: () throws -> T) -> T? {
        storeQueue.sync {
            flushQuiet()
            let generation = states.generation
            states.forget(feed)
            do {
                let value = try body()
                storeOK.store(true, ordering: .relaxed)
                if let state = try? store.feedState(named: feed) { states.put(state, loadedIn: generation) }
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
    /// Called when a wave of refreshes has settled and at shutdown. With
    /// quiet-poll batching on, the write joins the next batched write (at
    /// most `quietFlushDelay` later): once 10,000 feeds' polls spread out, a
    /// wave settles after nearly every refresh, and a transaction (an
    /// fsync) each time cost as much as the 304s did.
    public func flushNextDue() {
        if quietFlushDelay > 0 {
            requestBatchedWrite()
        } else {
            storeQueue.async { [self] in writeNextDue() }
        }
    }

    /// Writes the noted due times now. On the store queue.
    private func writeNextDue() {
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

    public func shutdown(deadline: Double, completion: @escaping @Sendable () -> Void) {
        stopping.withLock { $0 = true }
        flushNextDue()
        // In-flight refreshes finish on their own (the runner waited for
        // them up to the grace); drain the store queue so the last
        // transaction — and the waiting quiet polls — are committed before
        // the store closes.
        storeQueue.async { [self] in
            flushQuiet()
            completion()
        }
    }
}

extension Result where Success == HTTPResponse {
    /// The `charset` parameter of the answer's Content-Type, as the parser's
    /// `--charset` takes it (RFC 9110 §8.3.1).
    var contentTypeCharset: String? {
        guard case let .success(response) = self, let type = response.header("Content-Type") else { return nil }
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

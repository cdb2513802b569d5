import Dispatch
import Logging
import Synchronization

/// The daemon's side of publishing: writes every `[[output]]` and appends
/// the change log, on its own serial queue so file I/O never blocks the
/// daemon's queue (`DaemonHooks`: "hop to your own queue").
///
/// Wiring (`feedwire run`): `settled: { worker.publishIfDirty() }`,
/// `reloaded: { _, new in worker.reload(new) }`, and the worker among the
/// daemon's components before the store (it reads the store until it
/// stops). `feedwire once` calls `publishNow()` after the refreshes.
///
/// Quiet by construction: `OutputPublisher` skips outputs whose store
/// content has not moved and leaves identical files untouched. A failing
/// output (say, a read-only directory) is logged when it starts failing and
/// when its message changes, not on every wave, and logged again when it
/// recovers; the other outputs are published regardless.
public final class PublishWorker: DaemonComponent, @unchecked Sendable {
    // @unchecked Sendable: every mutable property is confined to `queue`.
    public let componentName = "publisher"
    private let queue = DispatchQueue(label: "feedwire.publish")
    private let reader: any StoryReader
    private let clock: any Clock
    private let logger: Logger
    private let publisher = OutputPublisher()

    private var config: FeedwireConfig
    private var changeLog: ChangeLogWriter?
    /// The last error message per output (and "changelog"), to log changes only.
    private var failing: [String: String] = [:]
    private var queued = false
    /// A pass is requested and has not started yet (`queued`, or the hop to
    /// set it pending). Readable from any thread: `publishIfDirty` returns
    /// without a queue hop while set (the daemon asks after nearly every
    /// poll). Cleared just before a pass reads the store, so a request
    /// that finds it set is covered by that pass.
    private let requested = Atomic<Bool>(false)
    private var stopped = false
    /// Least time (seconds) from one `publishIfDirty` pass to the next.
    private let minimumSpacing: Double
    /// When the last such pass started (`clock`).
    private var lastPassAt = -Double.infinity

    /// - Parameter minimumSpacing: least time between two passes that
    ///   `publishIfDirty` starts; requests in between wait and are
    ///   coalesced. The daemon's "settled" moments come after nearly every
    ///   refresh once polls spread out (10,000 feeds: a few per second), and
    ///   each pass reads and renders the outputs: spacing them a couple of
    ///   seconds keeps "published within one poll interval" at a fraction of
    ///   the cost (bench-load). 0: every request runs at once.
    public init(config: FeedwireConfig, reader: any StoryReader, clock: any Clock = SystemClock(),
                logger: Logger = Logger(label: "feedwire"), minimumSpacing: Double = 0) {
        self.config = config
        self.reader = reader
        self.clock = clock
        self.logger = logger
        self.minimumSpacing = max(0, minimumSpacing)
    }

    /// Asks for a publishing pass; returns at once. Calls while a pass is
    /// queued and not yet started are coalesced into it; the pass starts
    /// `minimumSpacing` after the previous one at the earliest.
    public func publishIfDirty() {
        guard !requested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { [self] in
            guard !queued, !stopped else { return }
            queued = true
            let run: @Sendable () -> Void = { [self] in
                guard queued else { return }  // shutdown ran it already
                queued = false
                requested.store(false, ordering: .sequentiallyConsistent)
                guard !stopped else { return }
                lastPassAt = clock.now()
                _ = pass()
            }
            let wait = lastPassAt + minimumSpacing - clock.now()
            if wait > 0 {
                queue.asyncAfter(deadline: .now() + wait, execute: run)
            } else {
                queue.async(execute: run)
            }
        }
    }

    /// Publishes every output and catches the change log up now, on the
    /// calling thread (waits for a pass in progress). Returns what each output did.
    @discardableResult
    public func publishNow() -> [PublishResult] {
        queue.sync {
            guard !stopped else { return [] }
            lastPassAt = clock.now()
            return pass()
        }
    }

    /// Whether a `publishIfDirty` pass is waiting (for its spacing, or its turn).
    public var passWaiting: Bool { queue.sync { queued } }

    /// A new configuration (SIGHUP): outputs are compared with what was
    /// published (a changed output renders again), the change log reopens
    /// when its path or rotation settings changed.
    public func reload(_ new: FeedwireConfig) {
        queue.async { [self] in
            let old = config.daemon
            config = new
            if old.changelog != new.daemon.changelog || old.changelogMaxSize != new.daemon.changelogMaxSize
                || old.changelogKeep != new.daemon.changelogKeep {
                changeLog?.close()
                changeLog = nil
            }
            let names = Set(new.outputs.map(\.name))
            failing = failing.filter { names.contains($0.key) || $0.key == "changelog" }
        }
    }

    /// Waits for the pass in progress, closes the change log and stops.
    public func shutdown(deadline: Double, completion: @escaping @Sendable () -> Void) {
        queue.async { [self] in
            if queued, !stopped {
                // A pass waiting for its spacing: the outputs should show everything stored before the stop.
                queued = false
                requested.store(false, ordering: .sequentiallyConsistent)
                _ = pass()
            }
            stopped = true
            changeLog?.close()
            changeLog = nil
            completion()
        }
    }

    // MARK: On `queue`

    private func pass() -> [PublishResult] {
        var results: [PublishResult] = []
        let now = clock.timestamp
        for output in config.outputs {
            do {
                let result = try publisher.publish(output, config: config, reader: reader, now: now)
                results.append(result)
                recovered(output.name, what: "output \"\(output.name)\" (\(output.path))")
                if result.changed {
                    logger.debug("wrote \(output.path) (\(result.count) \(output.format == .changes ? "events" : "stories"))",
                                 metadata: ["output": .string(output.name)])
                }
            } catch {
                failed(output.name, "output \"\(output.name)\" was not published: \(error)")
            }
        }
        appendChangeLog()
        return results
    }

    private func appendChangeLog() {
        let settings = config.daemon
        guard !settings.changelog.isEmpty else { return }
        do {
            if changeLog == nil {
                changeLog = try ChangeLogWriter(path: settings.changelog, maxSize: settings.changelogMaxSize,
                                                keep: settings.changelogKeep)
            }
            try changeLog?.catchUp(from: reader)
            recovered("changelog", what: "change log \(settings.changelog)")
        } catch {
            changeLog?.close()
            changeLog = nil
            failed("changelog", "the change log \(settings.changelog) was not written (it catches up on the next pass): \(error)")
        }
    }

    private func failed(_ key: String, _ message: String) {
        guard failing[key] != message else { return }
        failing[key] = message
        logger.error("\(message)")
    }

    private func recovered(_ key: String, what: String) {
        guard failing.removeValue(forKey: key) != nil else { return }
        logger.notice("\(what) is written again")
    }
}

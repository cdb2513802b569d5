import Glibc
import Synchronization

/// What one publish did.
public struct PublishResult: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        /// The file was (re)written.
        case written
        /// Rendered, but the file already held these bytes (left untouched).
        case unchanged
        /// Not rendered: the store had not changed since the last write.
        case skipped
    }

    public var output: String
    public var path: String
    public var status: Status
    /// Stories (or events, for `changes`) in the document; 0 when skipped.
    public var count: Int
    /// Time spent in the store query, rendering and writing (nanoseconds), for benchmarks and metrics.
    public var queryNanos: UInt64 = 0
    public var renderNanos: UInt64 = 0
    public var writeNanos: UInt64 = 0

    /// True when the file on disk changed.
    public var changed: Bool { status == .written }
}

/// Renders `[[output]]`s from the store and writes them atomically.
///
/// The daemon calls `publish` for every output after every refresh. To keep
/// that cheap, each output remembers the store's `contentVersion()` at its
/// last successful publish (in memory) and is skipped while it has not
/// moved and the output's settings are the same — unless `max_age` is due to
/// drop a story, in which case it is rendered again at that time. A
/// rendered document identical to the file on disk is not rewritten
/// (`AtomicFileWriter`), so feed dates and mtimes only move with the items.
///
/// Thread-safe: the memo is behind a mutex; publishing the same output from
/// two threads at once is not supported (one daemon queue publishes).
public final class OutputPublisher: Sendable {
    private struct Memo: Sendable {
        var output: OutputConfig
        var feeds: [String]?
        var path: String
        var version: Int64
        /// Render again at or after this time (a story ages out), when set.
        var expiry: Timestamp?
    }

    private let memo = Mutex<[String: Memo]>([:])
    /// Compiled selections (keyword patterns are compiled once per output configuration).
    private let selectors = Mutex<[String: StorySelector]>([:])
    public let generatorVersion: String

    public init(generatorVersion: String = FeedwireVersion.current) {
        self.generatorVersion = generatorVersion
    }

    /// Forgets what was published (e.g. after a reload), so every output is rendered next time.
    public func reset() {
        memo.withLock { $0.removeAll() }
        selectors.withLock { $0.removeAll() }
    }

    /// The output's selector, reused while its settings and the feeds it selects stay the same.
    func cachedSelector(for output: OutputConfig, config: FeedwireConfig) throws -> StorySelector {
        let feeds = StorySelector.feedNames(output: output, config: config)
        if let cached = selectors.withLock({ $0[output.name] }), cached.output == output, cached.feeds == feeds {
            return cached
        }
        let selector = try StorySelector(output: output, config: config)
        selectors.withLock { $0[output.name] = selector }
        return selector
    }

    /// Renders and writes one output.
    /// - Parameters:
    ///   - config: the whole configuration (tags select feeds through it).
    ///   - path: write here instead of `output.path` (`feedwire render -o`).
    ///   - force: render even if the store has not changed.
    @discardableResult
    public func publish(_ output: OutputConfig, config: FeedwireConfig, reader: any StoryReader,
                        now: Timestamp, path: String? = nil, force: Bool = false) throws -> PublishResult {
        let target = path ?? output.path
        let selector = try cachedSelector(for: output, config: config)
        let start = monotonicNanos()
        let version = try reader.contentVersion()
        if !force {
            let previous = memo.withLock { $0[output.name] }
            if let previous, previous.version == version, previous.output == output, previous.feeds == selector.feeds,
               previous.path == target, previous.expiry.map({ now < $0 }) ?? true,
               access(target, F_OK) == 0 {
                return PublishResult(output: output.name, path: target, status: .skipped, count: 0)
            }
        }

        let context = RenderContext(output: output, generatorVersion: generatorVersion)
        var bytes: [UInt8]
        var count: Int
        var expiry: Timestamp?
        var queried: UInt64
        if output.format == .changes {
            var events = try reader.recentEvents(kinds: output.events, feeds: selector.feeds, limit: max(0, output.maxItems))
            queried = monotonicNanos()
            if selector.hasKeywordFilters {
                events = events.filter { e in e.entry.map(selector.matches) ?? true }
            }
            bytes = OutputRenderer.renderChanges(events, context: context)
            count = events.count
        } else {
            let stories = try selector.stories(from: reader, now: now)
            queried = monotonicNanos()
            bytes = OutputRenderer.render(stories, context: context)
            count = stories.count
            expiry = selector.expiry(of: stories)
        }
        let rendered = monotonicNanos()
        let writer = AtomicFileWriter(mode: output.mode)
        let wrote = try writer.write(bytes, to: target)
        let finished = monotonicNanos()
        bytes = []

        memo.withLock {
            $0[output.name] = Memo(output: output, feeds: selector.feeds, path: target, version: version, expiry: expiry)
        }
        var result = PublishResult(output: output.name, path: target, status: wrote ? .written : .unchanged, count: count)
        result.queryNanos = queried - start
        result.renderNanos = rendered - queried
        result.writeNanos = finished - rendered
        return result
    }

    private func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

import FeedwireCore
import Foundation

/// An in-memory `StoryReader` for publisher tests and previews: stories and
/// events held in arrays, queried the way the SQLite store answers
/// (`StoryReader`'s contract). `contentVersion` counts mutations.
public final class MemoryStoryReader: StoryReader, @unchecked Sendable {  // state behind `lock`
    private let lock = NSLock()
    private var _stories: [StoryEntry]
    private var _events: [EventWithItem]
    private var version: Int64 = 1
    /// How many `stories(_:)` queries were made (tests check over-fetching and skipping).
    public private(set) var storyQueries: [StoryQuery] = []

    public init(stories: [StoryEntry] = [], events: [EventWithItem] = []) {
        _stories = stories
        _events = events
    }

    public var stories: [StoryEntry] {
        get { lock.withLock { _stories } }
        set { lock.withLock { _stories = newValue; version += 1 } }
    }

    public var events: [EventWithItem] {
        get { lock.withLock { _events } }
        set { lock.withLock { _events = newValue; version += 1 } }
    }

    /// Marks the content as changed without changing it.
    public func touch() { lock.withLock { version += 1 } }

    public func stories(_ query: StoryQuery) throws -> [StoryEntry] {
        lock.withLock {
            storyQueries.append(query)
            let date: (StoryEntry) -> Timestamp = { query.sort == .changed ? $0.item.lastChanged : $0.item.displayDate }
            var selected: [StoryEntry] = []
            for var e in _stories where e.item.present {
                if let feeds = query.feeds {
                    e.sources = e.sources.filter { feeds.contains($0.feed) }
                    guard !e.sources.isEmpty || feeds.contains(e.item.feed) else { continue }
                }
                if let nb = query.notBefore, date(e) < nb { continue }
                selected.append(e)
            }
            selected.sort { date($0) != date($1) ? date($0) > date($1) : $0.item.storyID > $1.item.storyID }
            return Array(selected.prefix(query.limit))
        }
    }

    public func events(afterID: Int64, limit: Int) throws -> [EventWithItem] {
        lock.withLock {
            Array(_events.filter { $0.event.id > afterID }.sorted { $0.event.id < $1.event.id }.prefix(limit))
        }
    }

    public func recentEvents(kinds: [EventKind], feeds: [String]?, limit: Int) throws -> [EventWithItem] {
        lock.withLock {
            Array(_events.filter { e in
                (kinds.isEmpty || kinds.contains(e.event.kind)) && (feeds.map { $0.contains(e.event.feed) } ?? true)
            }.sorted { $0.event.id > $1.event.id }.prefix(limit))
        }
    }

    public func contentVersion() throws -> Int64 { lock.withLock { version } }
}

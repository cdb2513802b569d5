import Synchronization

/// `FeedPipeline`'s copy of each feed's stored state (validators, address,
/// document hash, error count — what a poll needs before and after the
/// request), so an unchanged poll needs no store-queue hop and no SELECT.
/// bench-load: the hop and the query were a large part of a 304's cost.
///
/// The store stays the source of truth: an entry is loaded from it, dropped
/// before the pipeline writes the feed and read back after the write;
/// quiet polls (`FeedPipeline.isQuiet`) change none of the fields used, so
/// they keep it. A reload drops everything (the feed table was re-synced:
/// a changed URL drops its validators) and bumps `generation`, so a state
/// read before the reload cannot be put back afterwards. An entry is used
/// only for the address it was stored for: a feed whose URL changed is
/// read from the store again. Thread-safe.
final class FeedStateCache: Sendable {
    private struct Contents {
        var states: [String: FeedState] = [:]
        var generation = 0
    }

    private let contents = Mutex(Contents())

    /// Bumped by `invalidateAll`; pass the value read before loading a state to `put`.
    var generation: Int { contents.withLock { $0.generation } }

    /// The cached state of `feed` if it is for `url` (the address about to be fetched).
    func cached(_ feed: String, url: String) -> FeedState? {
        contents.withLock { c in
            guard let state = c.states[feed], state.url == url else { return nil }
            return state
        }
    }

    /// Caches `state` unless everything was invalidated since `generation` was read.
    func put(_ state: FeedState, loadedIn generation: Int) {
        contents.withLock { c in
            guard c.generation == generation else { return }
            c.states[state.name] = state
        }
    }

    func forget(_ feed: String) {
        _ = contents.withLock { $0.states.removeValue(forKey: feed) }
    }

    func invalidateAll() {
        contents.withLock { c in
            c.states.removeAll()
            c.generation &+= 1
        }
    }

    var count: Int { contents.withLock { $0.states.count } }
}

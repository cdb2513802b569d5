import FeedwireCore
import Synchronization

/// A `FeedRefresher` driven by the test: answers at once from `responder`,
/// or holds the refresh (responder returns nil) until `complete` is called.
/// Records every call and any overlap (a feed refreshed while its previous
/// refresh was still pending), which must never happen.
public final class FakeRefresher: FeedRefresher, @unchecked Sendable {
    public typealias Responder = @Sendable (FeedConfig) -> RefreshReport?

    public struct Call: Sendable, Equatable {
        public var feed: String
        public var url: String
        public var at: Double
    }

    private struct State {
        var responder: Responder
        var calls: [Call] = []
        var pending: [String: [@Sendable (RefreshReport) -> Void]] = [:]
        var overlaps: [String] = []
        var maxPending = 0
    }

    private let state: Mutex<State>
    private let clock: any Clock

    /// Default: every refresh answers 304 at once.
    public init(clock: any Clock, responder: @escaping Responder = { _ in .notModified() }) {
        self.clock = clock
        state = Mutex(State(responder: responder))
    }

    public func setResponder(_ responder: @escaping Responder) { state.withLock { $0.responder = responder } }

    public func refresh(feed: FeedConfig, completion: @escaping @Sendable (RefreshReport) -> Void) {
        let now = clock.now()
        let answer: RefreshReport? = state.withLock { s in
            s.calls.append(Call(feed: feed.name, url: feed.url, at: now))
            if !(s.pending[feed.name] ?? []).isEmpty { s.overlaps.append(feed.name) }
            let r = s.responder(feed)
            if r == nil {
                s.pending[feed.name, default: []].append(completion)
                s.maxPending = max(s.maxPending, s.pending.values.reduce(0) { $0 + $1.count })
            }
            return r
        }
        if let answer { completion(answer) }
    }

    /// Completes the oldest held refresh of `feed`. Returns false if none is held.
    @discardableResult
    public func complete(_ feed: String, with report: RefreshReport) -> Bool {
        let completion = state.withLock { s -> (@Sendable (RefreshReport) -> Void)? in
            guard var list = s.pending[feed], !list.isEmpty else { return nil }
            let first = list.removeFirst()
            s.pending[feed] = list.isEmpty ? nil : list
            return first
        }
        guard let completion else { return false }
        completion(report)
        return true
    }

    /// Completes every held refresh with the same report; returns how many.
    @discardableResult
    public func completeAll(with report: RefreshReport) -> Int {
        var n = 0
        for name in pendingFeeds { while complete(name, with: report) { n += 1 } }
        return n
    }

    public var calls: [Call] { state.withLock { $0.calls } }
    public func calls(for feed: String) -> [Call] { calls.filter { $0.feed == feed } }
    public func callCount(_ feed: String) -> Int { calls(for: feed).count }
    /// Feeds with a held refresh.
    public var pendingFeeds: [String] { state.withLock { $0.pending.keys.sorted() } }
    public var pendingCount: Int { state.withLock { $0.pending.values.reduce(0) { $0 + $1.count } } }
    /// The most refreshes held at once.
    public var maxPending: Int { state.withLock { $0.maxPending } }
    /// Feeds that were refreshed while a previous refresh was pending.
    public var overlaps: [String] { state.withLock { $0.overlaps } }
}

/// A `DaemonComponent` that records its shutdown and completes at once,
/// or never (`hangs`).
public final class FakeComponent: DaemonComponent, @unchecked Sendable {
    public let componentName: String
    private let hangs: Bool
    private let order: ShutdownOrder?
    private let calls = Mutex<[Double]>([])

    /// `order`: shared by several components to check the order they were stopped in.
    public init(name: String, hangs: Bool = false, order: ShutdownOrder? = nil) {
        componentName = name
        self.hangs = hangs
        self.order = order
    }

    public func shutdown(deadline: Double, completion: @escaping @Sendable () -> Void) {
        calls.withLock { $0.append(deadline) }
        order?.record(componentName)
        if !hangs { completion() }
    }

    /// Deadlines it was given, one per shutdown call.
    public var shutdownDeadlines: [Double] { calls.withLock { $0 } }
}

/// Records the order in which components were stopped.
public final class ShutdownOrder: Sendable {
    private let names = Mutex<[String]>([])
    public init() {}
    public func record(_ name: String) { names.withLock { $0.append(name) } }
    public var order: [String] { names.withLock { $0 } }
}

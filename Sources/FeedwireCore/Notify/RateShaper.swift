/// "N requests per T seconds": a service's documented or configured rate.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public var count: Int
    public var seconds: Double

    public init(_ count: Int, per seconds: Double) {
        self.count = max(1, count)
        self.seconds = max(0.001, seconds)
    }

    /// `"5/2s"`, `"1/s"`, `"30/min"`, `"30/1m"`, `"100/h"`; nil if malformed.
    public init?(parsing text: String) {
        let parts = text.trimmingASCIIWhitespace.lowercased().split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let n = Int(parts[0].trimmingASCIIWhitespace), n > 0 else { return nil }
        var unit = String(parts[1].trimmingASCIIWhitespace)
        var factor = 1.0
        for (suffix, f) in [("ms", 0.001), ("sec", 1), ("s", 1), ("min", 60), ("m", 60), ("h", 3600)] where unit.hasSuffix(suffix) {
            factor = f
            unit.removeLast(suffix.count)
            break
        }
        let amount = unit.isEmpty ? 1 : Double(unit)
        guard let amount, amount > 0 else { return nil }
        self.init(n, per: amount * factor)
    }

    public var description: String { "\(count)/\(seconds)s" }

    /// Documented (or, where nothing is documented, conservative) rates per
    /// service, from `../shared/design/chat-services.md`:
    /// - Discord: 5 per 2 s per webhook (observed bucket), 30 per minute per channel.
    /// - Slack: about 1 message per second.
    /// - Telegram: 1 per second per chat, 20 per minute to a group or channel (negative ids, `@channel`).
    /// - Teams: more than 4 requests per second are throttled.
    /// - Google Chat: 60 writes per minute per space, webhooks included.
    /// - Mattermost: the server default (10 per second).
    /// - Matrix: servers rate-limit per user; 10 per 10 s with 429 honoured beyond.
    /// - ntfy: ntfy.sh allows a burst then 1 per 5 s: 12 per minute.
    /// - Generic webhooks: 10 per second.
    public static func defaults(for type: NotifierType, chatID: String? = nil) -> [RateLimit] {
        switch type {
        case .discord: return [RateLimit(5, per: 2), RateLimit(30, per: 60)]
        case .slack: return [RateLimit(1, per: 1)]
        case .telegram:
            let chat = chatID?.trimmingASCIIWhitespace ?? ""
            let group = chat.hasPrefix("-") || chat.hasPrefix("@")
            return group ? [RateLimit(1, per: 1), RateLimit(20, per: 60)] : [RateLimit(1, per: 1)]
        case .teams: return [RateLimit(4, per: 1)]
        case .gchat: return [RateLimit(60, per: 60)]
        case .mattermost: return [RateLimit(10, per: 1)]
        case .matrix: return [RateLimit(10, per: 10)]
        case .ntfy: return [RateLimit(12, per: 60)]
        case .webhook: return [RateLimit(10, per: 1)]
        }
    }
}

/// A token bucket whose tokens return one window after the answer to the
/// request that spent them.
///
/// Services count requests in sliding windows (Discord's buckets, Slack's
/// per-second limit, chat_sink's `--rate-limit N:S`). A classic bucket that
/// refills continuously lets N requests through at the end of one window
/// and more at the start of the next, which such a service answers with
/// 429. Returning each token a full window after the service *answered* (so
/// after it counted the request, whatever the network delay) keeps every
/// window of the service's clock at N or fewer. Time is passed in.
public struct TokenBucket: Sendable, Equatable {
    public var capacity: Int
    public var window: Double
    /// When spent tokens come back; `.infinity` while their request is in flight.
    public private(set) var returns: [Double] = []
    /// Added to each window against clock granularity.
    public static let margin = 0.02

    public init(_ limit: RateLimit) {
        capacity = limit.count
        window = limit.seconds
    }

    /// The earliest time a token is free (≤ `now` when one is free now).
    public func availableAt(_ now: Double) -> Double {
        let pending = returns.filter { $0 > now }
        if pending.count < capacity { return now }
        // The (pending.count - capacity + 1)-th earliest return frees enough.
        let sorted = pending.sorted()
        return sorted[pending.count - capacity]
    }

    /// Spends a token for a request sent at `now`.
    public mutating func take(at now: Double) {
        returns.removeAll { $0 <= now }
        returns.append(.infinity)
    }

    /// The request that spent the oldest in-flight token was answered at `now`.
    public mutating func answered(at now: Double) {
        if let i = returns.firstIndex(of: .infinity) { returns[i] = now + window + TokenBucket.margin }
    }
}

/// When a target may send next: its buckets, and any window the service
/// imposed (Retry-After, X-RateLimit-Reset-After) or a pause after repeated
/// failures.
public struct RateShaper: Sendable, Equatable {
    public var buckets: [TokenBucket]
    /// No request before this time (a 429's Retry-After, a pause).
    public var blockedUntil: Double = 0
    public var blockReason: String?

    public init(limits: [RateLimit]) {
        buckets = limits.map(TokenBucket.init)
    }

    public func readyAt(_ now: Double) -> Double {
        var t = max(now, blockedUntil)
        for b in buckets { t = max(t, b.availableAt(t)) }
        return t
    }

    public mutating func sent(at now: Double) {
        for i in buckets.indices { buckets[i].take(at: now) }
    }

    public mutating func answered(at now: Double) {
        for i in buckets.indices { buckets[i].answered(at: now) }
    }

    public mutating func block(until time: Double, reason: String) {
        if time > blockedUntil {
            blockedUntil = time
            blockReason = reason
        }
    }

    /// Corrects the shaping from `X-RateLimit-*`: a smaller limit than
    /// assumed shrinks the first bucket; "0 remaining" waits for the reset.
    public mutating func apply(_ hint: RateHint, now: Double) {
        if let limit = hint.limit, limit > 0, let first = buckets.first, limit < first.capacity {
            buckets[0].capacity = limit
        }
        if let remaining = hint.remaining, remaining <= 0, let reset = hint.resetAfter {
            let until = now + min(reset, RetryPolicy.maxRetryAfter) + TokenBucket.margin
            block(until: until, reason: "rate-limit window (X-RateLimit-Remaining: 0)")
        }
    }
}

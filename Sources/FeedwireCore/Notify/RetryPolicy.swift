/// Retries, backoff and pauses for webhook delivery (`../shared/design/defaults.md`:
/// "now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±20 % jitter), then
/// dead-letter" after Svix; 4 consecutive 5xx/timeouts pause the target
/// 1 min doubling to 24 h after GitLab; Retry-After clamped to [1 s, 1 h]).
public enum RetryPolicy {
    /// Delays before attempts 2…8, in seconds.
    public static let schedule: [Double] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]
    /// Attempts in all (the first one plus one per schedule step).
    public static var maxAttempts: Int { schedule.count + 1 }
    public static let jitter = 0.2
    public static let minRetryAfter = 1.0
    public static let maxRetryAfter = 3_600.0
    /// Consecutive 5xx/timeouts after which a target pauses.
    public static let failuresBeforePause = 4
    public static let firstPause = 60.0
    public static let maxPause = 86_400.0

    /// Delay before the next attempt after `attempts` failed ones, or nil
    /// when the schedule is exhausted. `random` is uniform in [0, 1).
    public static func delay(afterAttempts attempts: Int, random: Double, schedule: [Double] = schedule) -> Double? {
        guard attempts >= 1, attempts <= schedule.count else { return nil }
        let base = schedule[attempts - 1]
        return base * (1 + jitter * (2 * random - 1))
    }

    /// A service's Retry-After, clamped to [1 s, 1 h].
    public static func clampRetryAfter(_ seconds: Double) -> Double {
        guard seconds.isFinite else { return maxRetryAfter }
        return min(max(seconds, minRetryAfter), maxRetryAfter)
    }

    /// Wait after a 429 without a hint (Google Chat, ntfy): 2 s doubling per consecutive 429, within the clamp.
    public static func unhintedRateLimitWait(consecutive: Int) -> Double {
        clampRetryAfter(2 * Double(1 << min(max(consecutive - 1, 0), 16)))
    }

    /// Pause after `failures` consecutive 5xx/timeouts, or nil below the threshold.
    public static func pause(afterFailures failures: Int, first: Double = firstPause, max limit: Double = maxPause) -> Double? {
        guard failures >= failuresBeforePause else { return nil }
        let doublings = min(failures - failuresBeforePause, 20)
        return min(first * Double(1 << doublings), limit)
    }
}

/// `quiet_hours = "22:00-07:00"` in UTC: messages wait and are released
/// afterwards (as a digest when many are waiting). A window may wrap midnight.
public struct QuietHours: Sendable, Equatable {
    /// Minutes after midnight UTC.
    public var start: Int
    public var end: Int

    public init?(parsing text: String) {
        let parts = text.trimmingASCIIWhitespace.split(separator: "-")
        guard parts.count == 2, let a = QuietHours.minutes(parts[0]), let b = QuietHours.minutes(parts[1]), a != b else { return nil }
        start = a
        end = b
    }

    static func minutes(_ s: Substring) -> Int? {
        let hm = s.trimmingCharacters(in: " ").split(separator: ":")
        guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
        return (h * 60 + m) % 1440
    }

    public func contains(_ t: Timestamp) -> Bool {
        let minute = Int(((t.seconds % 86_400) + 86_400) % 86_400) / 60
        return start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
    }

    /// When the quiet window containing `t` ends (t itself when outside it).
    public func end(after t: Timestamp) -> Timestamp {
        guard contains(t) else { return t }
        let day = t.seconds - ((t.seconds % 86_400) + 86_400) % 86_400
        var candidate = day + Int64(end) * 60
        if candidate <= t.seconds { candidate += 86_400 }
        return Timestamp(seconds: candidate)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return s
    }
}

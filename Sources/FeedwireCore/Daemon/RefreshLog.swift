import Logging

/// What one finished refresh says in the log — the same words from
/// `feedwire run` and `feedwire once`, so an operator who learnt one reads
/// the other. Pure: the caller logs the lines with the feed as metadata
/// (`FeedwireLogHandler` prints it as the `name: ` prefix).
///
/// Levels: a failure is a warning (the daemon passes `quietRepeat` for
/// the 3rd, 5th … failure in a row, logged at debug so a feed down for days
/// does not flood the log); a 410 is an error (the feed is disabled); a
/// permanent redirect is a warning (feeds.conf should be updated); new or
/// updated items are info; "not modified" and "no changes" are debug.
public enum RefreshLog {
    public struct Line: Sendable, Equatable {
        public var level: Logger.Level
        public var message: String

        public init(_ level: Logger.Level, _ message: String) {
            self.level = level
            self.message = message
        }
    }

    /// - Parameters:
    ///   - feed: the feed as configured (its `line` in feeds.conf is cited).
    ///   - state: the feed's poll state after the refresh was recorded.
    ///   - previousFailures: failures in a row before this refresh.
    ///   - previousMove: the redirect target known before this refresh.
    ///   - schedule: what happens next ("next poll in 40 s (backoff)"); nil
    ///     for `once`.
    ///   - quietRepeat: log this failure at debug (the daemon's 3rd, 5th … in a row).
    public static func lines(feed: FeedConfig, report: RefreshReport, state: FeedPollState, previousFailures: Int,
                             previousMove: String?, schedule: String?, quietRepeat: Bool = false) -> [Line] {
        var out: [Line] = []
        let then = schedule.map { "; " + $0 } ?? ""
        if let target = report.movedTo, target != previousMove, state.movedTo == target {
            out.append(Line(.warning, "moved permanently to \(target); fetching that address from now on. Update url in feeds.conf (line \(feed.line)) to \(target)"))
        }
        switch report.outcome {
        case .changed, .notModified:
            if previousFailures > 0 {
                out.append(Line(.info, "recovered after \(previousFailures) failed \(previousFailures == 1 ? "attempt" : "attempts")\(then)"))
            }
            if report.newItems > 0 || report.updatedItems > 0 {
                out.append(Line(.info, "\(report.newItems) new, \(report.updatedItems) updated\(then)"))
            } else {
                let what = report.outcome == .notModified ? "not modified" : "no changes"
                let status = report.httpStatus.map { " (HTTP \($0))" } ?? ""
                out.append(Line(.debug, "\(what)\(status)\(then)"))
            }
        case .failed:
            let n = state.consecutiveFailures
            let message = report.failure.map { withoutSubject($0, feed: feed.name) } ?? "refresh failed"
            let count = n > 0 ? " (failure \(n) in a row)" : ""
            out.append(Line(quietRepeat ? .debug : .warning, "\(message)\(count)\(then)"))
        case .gone:
            let url = state.goneURL ?? feed.url
            out.append(Line(.error, "\(url) answered \(report.httpStatus ?? 410) Gone: the publisher removed this feed. "
                + "The feed is disabled and no longer polled; remove it from feeds.conf (line \(feed.line)), or change its url to poll it again"))
        }
        return out
    }

    /// Whether `lines` gives a single debug line ("not modified", "no
    /// changes") for this refresh: the daemon skips building it when debug
    /// is off.
    public static func onlyDebug(report: RefreshReport, previousFailures: Int, previousMove: String?) -> Bool {
        guard report.outcome == .changed || report.outcome == .notModified else { return false }
        if let target = report.movedTo, target != previousMove { return false }
        return previousFailures == 0 && report.newItems == 0 && report.updatedItems == 0
    }

    /// Failure messages start with "feed NAME: " (they are stored and shown
    /// by `feedwire status` too); in the log the name is already the prefix.
    static func withoutSubject(_ message: String, feed: String) -> String {
        let subject = "feed \(feed): "
        return message.hasPrefix(subject) ? String(message.dropFirst(subject.count)) : message
    }
}

import Glibc
import Logging

/// `feedwire once`'s delivery step: sends what the outbox holds for the
/// configured targets, waiting through short pauses (rate shaping, a 429's
/// Retry-After, the first 5 s retry) but not through long ones — rows that
/// are not due within `maxWait` stay in the outbox for the next run, which
/// sends them with the same idempotency keys.
public enum OutboxDrain {
    public struct Result: Sendable, Equatable {
        /// Requests sent.
        public var sent: Int
        /// Rows still pending for configured, enabled targets.
        public var left: Int
    }

    /// - Parameters:
    ///   - worker: a worker in `.manual` mode over `outbox`.
    ///   - maxWait: the longest single pause waited for.
    ///   - deadline: overall bound (Unix seconds), so `once` always ends.
    public static func run(worker: DeliveryWorker, outbox: DeliveryQueue, targets: [String], clock: Clock,
                           maxWait: Double = 60, deadline: Double, logger: Logger) -> Result {
        var sent = 0
        let configured = Set(targets)
        while clock.now() < deadline {
            let n = worker.step()
            sent += n
            if n > 0 { continue }
            // Nothing could go out just now: is anything due soon?
            let waiting: [String: Int]
            do {
                waiting = try outbox.pendingCounts().filter { configured.contains($0.key) }
            } catch {
                logger.error("notification outbox: cannot read pending messages (\(error))")
                break
            }
            let status = Dictionary(worker.status().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            var next = Double.infinity
            for (target, _) in waiting {
                guard let s = status[target], s.disabledReason == nil, s.configurationError == nil else { continue }
                let due = (try? outbox.nextDue(target: target)).flatMap { $0 }.map { Double($0.seconds) } ?? clock.now()
                next = min(next, max(due, s.blockedUntil))
            }
            let now = clock.now()
            guard next.isFinite, next - now <= maxWait, next < deadline else { break }
            let pause = max(0.05, next - now)
            usleep(UInt32(min(pause, maxWait) * 1_000_000))
        }
        let left = ((try? outbox.pendingCounts()) ?? [:]).filter { configured.contains($0.key) }.values.reduce(0, +)
        return Result(sent: sent, left: left)
    }
}

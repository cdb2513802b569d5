import Logging
import Synchronization

/// A swift-log handler that keeps every message, for tests that check
/// what an operator is told.
public final class LogCapture: Sendable {
    public struct Entry: Sendable, Equatable {
        public var level: Logger.Level
        public var message: String
        /// `.error` or worse (tests need not import Logging to ask).
        public var isError: Bool { level >= .error }
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    public var messages: [Entry] { entries.withLock { $0 } }

    public func append(_ e: Entry) { entries.withLock { $0.append(e) } }

    /// A logger writing here (at `.trace`, so nothing is filtered).
    public func logger(label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append(Entry(level: event.level, message: event.message.description))
        }
    }
}

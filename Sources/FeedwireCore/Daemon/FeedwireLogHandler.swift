import Glibc
import Logging
import Synchronization

/// The swift-log handler for every Feedwire command: one line per event.
///
/// - Under journald (stderr is the stream named by `JOURNAL_STREAM`), each
///   line starts with a `<N>` syslog priority, which journald strips and
///   stores as the entry's priority (sd-daemon(3)), and has no timestamp:
///   the journal adds its own.
/// - Elsewhere, lines start with an ISO 8601 UTC timestamp and the level.
///
/// The subject comes first: `feed` (or `target`) metadata is printed as a
/// `name: ` prefix, so `journalctl -u feedwire | grep kyiv-independent`
/// finds every line about that feed; other metadata follows as `key=value`.
/// Secrets must never be passed as metadata or message.
public struct FeedwireLogHandler: LogHandler {
    public enum Format: Sendable, Equatable {
        case journald
        case plain
    }

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    public let format: Format
    private let sink: LogSink
    private let level: LogLevelSetting
    private var levelOverride: Logger.Level?

    public init(label: String, format: Format, sink: LogSink = .standardError,
                level: LogLevelSetting = FeedwireLogging.level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.format = format
        self.sink = sink
        self.level = level
        self.metadataProvider = metadataProvider
    }

    /// Follows the shared setting (so a reload can change it) unless this
    /// logger set its own.
    public var logLevel: Logger.Level {
        get { levelOverride ?? level.value }
        set { levelOverride = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = FeedwireLogHandler.render(level: event.level, message: event.message.description, metadata: merged,
                                             format: format, time: SystemClock().now())
        sink.writeLine(line)
    }

    /// One rendered line, without the newline (pure; tested).
    public static func render(level: Logger.Level, message: String, metadata: Logger.Metadata, format: Format,
                              time: Double) -> String {
        var line: String
        switch format {
        case .journald:
            line = "<\(syslogPriority(level))>"
        case .plain:
            line = isoTimestamp(time) + " " + level.rawValue + " "
        }
        var rest = metadata
        let feed = rest.removeValue(forKey: "feed")
        let target = rest.removeValue(forKey: "target")
        switch (feed, target) {
        case let (f?, t?): line += "\(sanitize("\(f)")) → \(sanitize("\(t)")): "
        case let (f?, nil): line += sanitize("\(f)") + ": "
        case let (nil, t?): line += sanitize("\(t)") + ": "
        case (nil, nil): break
        }
        line += sanitize(message)
        for key in rest.keys.sorted() {
            line += " " + key + "=" + quoted(sanitize(render(rest[key]!)))
        }
        return line
    }

    /// sd-daemon(3) priorities: `<3>` error, `<4>` warning, `<5>` notice, `<6>` info, `<7>` debug.
    public static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// `2025-11-25T12:00:00.123Z`.
    public static func isoTimestamp(_ time: Double) -> String {
        let ts = Timestamp(unix: time)
        let millis = Int(((time - Double(ts.seconds)) * 1000).rounded(.down))
        let base = ts.rfc3339.dropLast()  // "…:00Z" → "…:00"
        let m = String(min(max(millis, 0), 999))
        return base + "." + String(repeating: "0", count: 3 - m.count) + m + "Z"
    }

    private static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return "[" + a.map { render($0) }.joined(separator: ",") + "]"
        case .dictionary(let d): return "{" + d.keys.sorted().map { "\($0)=\(render(d[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// One event, one line: control characters would split it (a newline
    /// becomes a second, priority-less journal entry).
    static func sanitize(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u {
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(" ")
            default: out.append(u.value < 0x20 || u.value == 0x7F ? "?" : u)
            }
        }
        return String(out)
    }

    private static func quoted(_ s: String) -> String {
        let needs = s.isEmpty || s.contains { $0 == " " || $0 == "\"" || $0 == "=" }
        guard needs else { return s }
        return "\"" + s.replacingAll("\\", "\\\\").replacingAll("\"", "\\\"") + "\""
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

/// The log level all Feedwire handlers follow, changeable at run time
/// (`--log-level`, `log_level` on reload).
public final class LogLevelSetting: Sendable {
    private let current: Mutex<Logger.Level>

    public init(_ level: Logger.Level) { current = Mutex(level) }

    public var value: Logger.Level {
        get { current.withLock { $0 } }
    }

    public func set(_ level: Logger.Level) { current.withLock { $0 = level } }
}

/// Setting up logging once per process.
public enum FeedwireLogging {
    /// The shared level. A global because swift-log's bootstrap is global;
    /// configuration itself stays a value.
    public static let level = LogLevelSetting(.info)
    private static let bootstrapped = Mutex(false)

    /// Parses `--log-level` / `log_level`: trace, debug, info, notice,
    /// warning (warn), error, critical.
    public static func parseLevel(_ text: String) -> Logger.Level? {
        switch text.lowercased() {
        case "warn": return .warning
        case "err": return .error
        default: return Logger.Level(rawValue: text.lowercased())
        }
    }

    /// True when stderr is the journal stream systemd connected us to:
    /// `JOURNAL_STREAM` is `device:inode` of that stream, and a child whose
    /// stderr was redirected elsewhere still inherits the variable, so the
    /// device and inode must match (systemd.exec(5)).
    public static func stderrIsJournal(journalStream: String?, fd: Int32 = 2) -> Bool {
        guard let journalStream, !journalStream.isEmpty else { return false }
        let parts = journalStream.split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return false }
        return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino
    }

    /// The format for stderr in this environment.
    public static func format(environment: DaemonEnvironment) -> FeedwireLogHandler.Format {
        stderrIsJournal(journalStream: environment.journalStream) ? .journald : .plain
    }

    /// Installs the handler for the whole process (once; later calls only
    /// change the level). Call it first thing in a command's `run()`.
    public static func bootstrap(level: Logger.Level, environment: DaemonEnvironment = .current(),
                                 sink: LogSink = .standardError) {
        self.level.set(level)
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let format = format(environment: environment)
        LoggingSystem.bootstrap { label in
            FeedwireLogHandler(label: label, format: format, sink: sink, level: FeedwireLogging.level)
        }
    }
}

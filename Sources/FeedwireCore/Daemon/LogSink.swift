import Glibc
import Synchronization

/// Where log lines go. Each line is written with a single `write(2)` while
/// holding a lock, so lines from different threads never interleave, even
/// past `PIPE_BUF` or when a write is partial.
///
/// On a terminal it can also keep a progress line ("first sync: 120/480
/// feeds") at the bottom: a log line clears it, prints, and redraws it, all
/// in the same write.
public final class LogSink: Sendable {
    private enum Target {
        case fd(Int32)
        case memory
    }

    private struct State {
        var progress: String?
        var captured: [String] = []
    }

    private let target: Target
    private let state = Mutex(State())

    /// Standard error (fd 2), shared by every handler.
    public static let standardError = LogSink(fd: 2)

    public init(fd: Int32) { target = .fd(fd) }

    private init(memory: Void) { target = .memory }

    /// A sink that keeps lines in memory (tests).
    public static func memory() -> LogSink { LogSink(memory: ()) }

    /// Lines written to a memory sink, without the trailing newline.
    public var lines: [String] { state.withLock { $0.captured } }

    /// Writes one line (a trailing newline is added).
    public func writeLine(_ line: String) {
        state.withLock { s in
            switch target {
            case .memory:
                s.captured.append(line)
            case .fd(let fd):
                var out = ""
                if s.progress != nil { out += "\r\u{1B}[K" }
                out += line
                out += "\n"
                if let p = s.progress { out += p }
                LogSink.writeAll(fd, out)
            }
        }
    }

    /// Shows (or with nil, clears) a progress line below the log. Only
    /// meaningful on a terminal; callers check `isatty` first.
    public func setProgress(_ text: String?) {
        state.withLock { s in
            guard case .fd(let fd) = target else {
                s.progress = text
                return
            }
            var out = "\r\u{1B}[K"
            if let text { out += text }
            s.progress = text
            LogSink.writeAll(fd, out)
        }
    }

    private static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // EPIPE, EAGAIN …: dropping a log line beats blocking the daemon
                }
                offset += n
            }
        }
    }
}

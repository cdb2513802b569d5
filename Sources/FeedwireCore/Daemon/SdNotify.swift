import Glibc

/// `sd_notify(3)` without libsystemd: datagrams to `$NOTIFY_SOCKET`.
///
/// The protocol (sd_notify(3), systemd's `sd-daemon.c`): newline-separated
/// `KEY=VALUE` assignments in one `AF_UNIX`/`SOCK_DGRAM` datagram. A leading
/// `@` names a Linux abstract socket: it becomes a NUL byte and the address
/// length is exact (`offsetof(sun_path) + length`, no trailing NUL), because
/// for abstract names every byte of the length is part of the name.
/// `MSG_NOSIGNAL` keeps a vanished manager from killing us with SIGPIPE.
/// `MSG_DONTWAIT`: a manager that stops reading fills the socket's queue
/// (`net.unix.max_dgram_qlen`, 10 datagrams by default) and a blocking send
/// would then freeze the daemon loop; a status line dropped instead is
/// harmless, and the next watchdog ping comes half an interval later.
///
/// Thread-safe: the socket and address never change after `init`, and
/// `sendto` on a datagram socket is atomic.
public final class SdNotify: @unchecked Sendable {
    /// `$NOTIFY_SOCKET` as given.
    public let address: String
    private let fd: Int32
    private var socketAddress = sockaddr_un()
    private let addressLength: socklen_t

    /// Nil when `address` is empty, too long, not a path or abstract name,
    /// or no socket could be made.
    public init?(address: String?) {
        guard let address, !address.isEmpty else { return nil }
        var bytes = Array(address.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        guard abstract || bytes.first == UInt8(ascii: "/") else { return nil }
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        // Path names keep a terminating NUL inside sun_path; abstract names use every byte.
        guard bytes.count <= capacity - (abstract ? 0 : 1), bytes.count > (abstract ? 1 : 0) else { return nil }
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        addressLength = socklen_t(offset + bytes.count + (abstract ? 0 : 1))
        let s = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { return nil }
        fd = s
        self.address = address
    }

    deinit { close(fd) }

    /// Sends one message, e.g. `"READY=1\nSTATUS=32 feeds"`. Returns false
    /// when the datagram could not be sent (the manager went away or is not
    /// reading).
    @discardableResult
    public func send(_ message: String) -> Bool {
        var bytes = Array(message.utf8)
        var addr = socketAddress
        let length = addressLength
        let sent = bytes.withUnsafeMutableBytes { raw in
            withUnsafePointer(to: &addr) { ptr in
                ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    var n: Int
                    repeat {
                        n = sendto(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), sa, length)
                    } while n < 0 && errno == EINTR
                    return n
                }
            }
        }
        return sent == bytes.count
    }

    /// The watchdog ping interval: half of `WATCHDOG_USEC`, as
    /// sd_watchdog_enabled(3) recommends; nil when the watchdog is off or
    /// `WATCHDOG_PID` names another process (the variables were inherited).
    public static func watchdogInterval(usec: String?, pid: String?, ourPID: Int32 = getpid()) -> Double? {
        guard let usec, let micros = UInt64(usec), micros > 0 else { return nil }
        if let pid, !pid.isEmpty {
            guard let p = Int32(pid), p == ourPID else { return nil }
        }
        return Double(micros) / 1e6 / 2
    }

    /// `STATUS=` must stay on one line: newlines would start new assignments.
    public static func statusLine(_ text: String) -> String {
        // Scalars, not Characters: "\r\n" is a single Character and would slip through.
        var line = String.UnicodeScalarView()
        for u in text.unicodeScalars { line.append(u == "\n" || u == "\r" ? " " : u) }
        return "STATUS=" + String(line)
    }
}

/// The environment variables the daemon reads, captured once at start so
/// tests can pass their own.
public struct DaemonEnvironment: Sendable, Equatable {
    public var notifySocket: String?
    public var watchdogUsec: String?
    public var watchdogPID: String?
    public var journalStream: String?

    public init(notifySocket: String? = nil, watchdogUsec: String? = nil, watchdogPID: String? = nil,
                journalStream: String? = nil) {
        self.notifySocket = notifySocket
        self.watchdogUsec = watchdogUsec
        self.watchdogPID = watchdogPID
        self.journalStream = journalStream
    }

    /// The process's own environment.
    public static func current() -> DaemonEnvironment {
        func get(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        return DaemonEnvironment(notifySocket: get("NOTIFY_SOCKET"), watchdogUsec: get("WATCHDOG_USEC"),
                                 watchdogPID: get("WATCHDOG_PID"), journalStream: get("JOURNAL_STREAM"))
    }
}

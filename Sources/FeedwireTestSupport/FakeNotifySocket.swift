import Foundation

/// A fake systemd manager: a datagram socket bound at a path or an abstract
/// name, receiving what `SdNotify` sends to `$NOTIFY_SOCKET`.
public final class FakeNotifySocket: @unchecked Sendable {
    /// The value to put in `NOTIFY_SOCKET` (`/path` or `@name`).
    public let address: String
    private let fd: Int32

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// `abstract`: bind a Linux abstract name instead of a file under `directory`.
    public init(directory: String, abstract: Bool = false) throws {
        let s = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes: [UInt8]
        let name: String
        if abstract {
            name = "@feedwire-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            bytes = Array(name.utf8)
            bytes[0] = 0
        } else {
            name = directory + "/notify.sock"
            bytes = Array(name.utf8)
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let length = socklen_t(2 + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, length) } }
        guard rc == 0 else {
            close(s)
            throw Failure(description: "bind \(name): \(String(cString: strerror(errno)))")
        }
        fd = s
        address = name
    }

    deinit { close(fd) }

    /// The next datagram, waiting up to `timeout` seconds (nil when none came).
    public func receive(timeout: Double = 5) -> String? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    /// Every datagram already queued, without waiting.
    public func drain() -> [String] {
        var out: [String] = []
        while let m = receive(timeout: 0) { out.append(m) }
        return out
    }
}

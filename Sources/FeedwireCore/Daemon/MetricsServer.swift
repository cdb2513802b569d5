import Dispatch
import Glibc

/// The `/metrics` and `/healthz` endpoint: a tiny HTTP/1.1 server on
/// Dispatch, no dependency (DEVELOPERS.md).
///
/// One listening socket with a `DispatchSourceRead` for accept; per
/// connection a read source, a write source when the answer does not fit the
/// socket buffer, and a deadline. One request per connection
/// (`Connection: close`). Bounded everywhere, so a slow or hostile client
/// costs little: the request head must arrive within `requestTimeout`
/// (slowloris), be at most `maxHeadBytes`, the answer must be taken within
/// `writeTimeout`, and at most `maxConnections` are open (more are closed
/// at once).
///
/// Confined to its own serial queue, not the daemon's: a stuck daemon loop
/// must still be able to answer `/healthz` with 503.
public final class MetricsServer: @unchecked Sendable {
    public struct Limits: Sendable {
        public var maxHeadBytes = 8_192
        public var requestTimeout: Double = 5
        public var writeTimeout: Double = 30
        public var maxConnections = 32

        public init() {}
    }

    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: UInt16
        public var isIPv6: Bool

        public var isLoopback: Bool { isIPv6 ? host == "::1" : host.hasPrefix("127.") }
        public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `127.0.0.1:9464`, `[::1]:9464` or `localhost:9464` (read as 127.0.0.1).
    public static func parseAddress(_ text: String) throws(Failure) -> Address {
        let bad = Failure(description: "metrics address `\(text)` is not host:port; write e.g. \"127.0.0.1:9464\"")
        var host: Substring
        var portText: Substring
        var v6 = false
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw bad }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw bad }
            portText = rest.dropFirst()
            v6 = true
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw bad }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText) else { throw bad }
        if host == "localhost" { host = "127.0.0.1" }
        var probe4 = in_addr()
        var probe6 = in6_addr()
        let hostString = String(host)
        if v6 {
            guard inet_pton(AF_INET6, hostString, &probe6) == 1 else { throw bad }
            return Address(host: hostString == "0:0:0:0:0:0:0:1" ? "::1" : hostString, port: port, isIPv6: true)
        }
        guard inet_pton(AF_INET, hostString, &probe4) == 1 else { throw bad }
        return Address(host: hostString, port: port, isIPv6: false)
    }

    public typealias Handler = @Sendable (HTTPRequestHead) -> HTTPReply

    /// The address actually bound (with the real port when 0 was asked for).
    public let address: Address
    private let limits: Limits
    private let handler: Handler
    private let timers: any WakeTimerFactory
    public let queue: DispatchQueue

    // Confined to `queue`.
    private let listenFD: Int32
    private var acceptSource: DispatchSourceRead?
    private var connections: [Int: Connection] = [:]
    private var nextID = 0
    private var stopped = false

    /// Binds and listens right away, so a bad or busy address fails at start.
    /// A non-loopback address is refused unless `allowNonLoopback`: the
    /// endpoint has no authentication and names every feed and its errors.
    public init(address text: String, allowNonLoopback: Bool = false, limits: Limits = Limits(),
                timers: any WakeTimerFactory = DispatchWakeTimerFactory(),
                queue: DispatchQueue = DispatchQueue(label: "feedwire.metrics"),
                handler: @escaping Handler) throws(Failure) {
        var address = try MetricsServer.parseAddress(text)
        guard address.isLoopback || allowNonLoopback else {
            throw Failure(description: "metrics address \(address) is not a loopback address; the endpoint has no "
                + "authentication, so it only listens on 127.0.0.1 or [::1]. Use e.g. \"127.0.0.1:9464\" and a "
                + "reverse proxy with authentication for remote scraping.")
        }
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "metrics endpoint: socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var rc: Int32
        if address.isIPv6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = address.port.bigEndian
            inet_pton(AF_INET6, address.host, &sa.sin6_addr)
            rc = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = address.port.bigEndian
            inet_pton(AF_INET, address.host, &sa.sin_addr)
            rc = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard rc == 0, listen(fd, 64) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "metrics endpoint: cannot listen on \(address): \(message); "
                + "choose a free port for `metrics` in [daemon]")
        }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        address.port = withUnsafePointer(to: &bound) { p -> UInt16 in
            address.isIPv6
                ? p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
                : p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        self.address = address
        self.listenFD = fd
        self.limits = limits
        self.timers = timers
        self.queue = queue
        self.handler = handler
    }

    /// Starts accepting connections.
    public func start() {
        queue.async { [self] in
            guard !stopped, acceptSource == nil else { return }
            let source = DispatchSource.makeReadSource(fileDescriptor: listenFD, queue: queue)
            // Handlers run on `queue` (Linux Dispatch does not check their Sendability; confinement is by queue).
            source.setEventHandler { [unowned self] in acceptPending() }
            let fd = listenFD
            source.setCancelHandler { close(fd) }
            acceptSource = source
            source.activate()
        }
    }

    /// Stops listening and drops open connections. Safe from any thread
    /// except `queue` itself when `wait` is true.
    public func stop(wait: Bool = false) {
        let work: @Sendable () -> Void = { [self] in
            guard !stopped else { return }
            stopped = true
            if let source = acceptSource { source.cancel() } else { close(listenFD) }
            acceptSource = nil
            for connection in connections.values { connection.close() }
            connections.removeAll()
        }
        if wait { queue.sync(execute: work) } else { queue.async(execute: work) }
    }

    /// Open connections (tests).
    public var connectionCount: Int { queue.sync { connections.count } }

    private func acceptPending() {
        while true {
            // accept4 is not visible through Swift's Glibc module; set the flags right after.
            let fd = accept(listenFD, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return  // EAGAIN: drained; EMFILE and friends: try again on the next event
            }
            guard connections.count < limits.maxConnections, !stopped else {
                close(fd)
                continue
            }
            nextID += 1
            let id = nextID
            let connection = Connection(id: id, fd: fd, server: self)
            connections[id] = connection
            connection.begin()
        }
    }

    fileprivate func finished(_ id: Int) { connections[id] = nil }

    /// One client, confined to the server's queue.
    private final class Connection {
        let id: Int
        let fd: Int32
        unowned let server: MetricsServer
        var readSource: DispatchSourceRead?
        var writeSource: DispatchSourceWrite?
        var timer: WakeTimer?
        var input: [UInt8] = []
        var output: [UInt8] = []
        var written = 0
        var liveSources = 0
        var closed = false
        var answering = false

        init(id: Int, fd: Int32, server: MetricsServer) {
            self.id = id
            self.fd = fd
            self.server = server
        }

        func begin() {
            let timer = server.timers.makeTimer(name: "metrics-connection-\(id)", queue: server.queue) { [weak self] in
                self?.timedOut()
            }
            timer.arm(after: server.limits.requestTimeout)
            self.timer = timer
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: server.queue)
            source.setEventHandler { [weak self] in self?.readable() }
            source.setCancelHandler { [self] in sourceCancelled() }
            liveSources += 1
            readSource = source
            source.activate()
        }

        private func readable() {
            guard !closed, !answering else { return }
            var chunk = [UInt8](repeating: 0, count: 4_096)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    input.append(contentsOf: chunk[0..<n])
                    if input.count > server.limits.maxHeadBytes + 4_096 { break }
                    continue
                }
                if n == 0 {
                    // The client closed before a complete request: nothing to answer.
                    if case .complete = HTTPRequestHead.parse(input, maxHeadBytes: server.limits.maxHeadBytes) {
                        break
                    }
                    close()
                    return
                }
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                close()
                return
            }
            switch HTTPRequestHead.parse(input, maxHeadBytes: server.limits.maxHeadBytes) {
            case .incomplete:
                return
            case .invalid(let status, let reason):
                answer(HTTPReply(status: status, body: reason + "\n"), headOnly: false)
            case .complete(let head):
                answer(server.route(head), headOnly: head.method == "HEAD")
            }
        }

        private func answer(_ reply: HTTPReply, headOnly: Bool) {
            answering = true
            readSource?.cancel()
            readSource = nil
            output = reply.serialized(headOnly: headOnly)
            timer?.arm(after: server.limits.writeTimeout)
            flush()
        }

        private func flush() {
            while written < output.count {
                let n = output.withUnsafeBytes { raw in
                    send(fd, raw.baseAddress! + written, raw.count - written, Int32(MSG_NOSIGNAL))
                }
                if n > 0 {
                    written += n
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    if writeSource == nil {
                        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: server.queue)
                        source.setEventHandler { [weak self] in self?.flush() }
                        source.setCancelHandler { [self] in sourceCancelled() }
                        liveSources += 1
                        writeSource = source
                        source.activate()
                    }
                    return
                }
                close()
                return
            }
            shutdown(fd, Int32(SHUT_WR))
            close()
        }

        private func timedOut() {
            guard !closed else { return }
            if !answering {
                // Best effort: tell a slow client why, without waiting for it.
                let reply = HTTPReply(status: 408, body: "request timeout\n").serialized()
                _ = reply.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            }
            close()
        }

        func close() {
            guard !closed else { return }
            closed = true
            timer?.cancel()
            timer = nil
            readSource?.cancel()
            writeSource?.cancel()
            readSource = nil
            writeSource = nil
            // Dispatch's rule: never close an fd under a registered source; the last cancel handler closes it.
            if liveSources == 0 { Glibc.close(fd) }
            server.finished(id)
        }

        private func sourceCancelled() {
            liveSources -= 1
            if liveSources == 0 && closed { Glibc.close(fd) }
        }
    }

    private func route(_ head: HTTPRequestHead) -> HTTPReply {
        guard head.method == "GET" || head.method == "HEAD" else {
            return HTTPReply(status: 405, body: "only GET and HEAD\n", headers: [("Allow", "GET, HEAD")])
        }
        return handler(head)
    }
}

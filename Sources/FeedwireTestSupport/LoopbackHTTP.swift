import FeedwireCore
import Foundation

/// A minimal blocking HTTP/1.1 client for talking to test servers on
/// 127.0.0.1 (control endpoints of newsroom.py and chat_sink.py). Tests of
/// Feedwire's own HTTP engine use the engine; this only drives the fixtures.
public enum LoopbackHTTP {
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public func json() throws -> JSONValue { try JSONValue.parse(body) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func request(port: Int, method: String, path: String, body: [UInt8] = [],
                               headers: [String: String] = [:], timeout: Int = 60) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw Failure(description: "connect 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        let out = Array(head.utf8) + body
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else {
                if errno == EINTR { continue }
                throw Failure(description: "recv from 127.0.0.1:\(port)\(path): \(String(cString: strerror(errno)))")
            }
            data.append(contentsOf: chunk[0..<n])
        }
        return try parse(data)
    }

    static func parse(_ data: [UInt8]) throws -> Response {
        guard let split = find(data, [13, 10, 13, 10]) else { throw Failure(description: "no header end in answer") }
        let headText = String(decoding: data[0..<split], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure(description: "bad status line") }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Array(data[(split + 4)...])
        if headers["Transfer-Encoding"]?.lowercased().contains("chunked") == true { body = try dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    static func find(_ data: [UInt8], _ needle: [UInt8], from: Int = 0) -> Int? {
        guard data.count >= needle.count else { return nil }
        var i = from
        while i <= data.count - needle.count {
            if data[i] == needle[0], Array(data[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    static func dechunk(_ data: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while let lineEnd = find(data, [13, 10], from: i) {
            let sizeText = String(decoding: data[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { throw Failure(description: "bad chunk") }
            if size == 0 { break }
            let start = lineEnd + 2
            guard start + size <= data.count else { throw Failure(description: "truncated chunk") }
            out.append(contentsOf: data[start..<(start + size)])
            i = start + size + 2
        }
        return out
    }
}

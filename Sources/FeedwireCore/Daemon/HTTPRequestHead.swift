/// The request line and headers of an HTTP/1.x request, as the metrics
/// endpoint needs them (RFC 9112 §3, §5). Deliberately minimal: one request
/// per connection, no bodies, strict limits.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String
    /// The path without the query string.
    public var path: String
    public var query: String?
    public var version: String
    public var headers: [(name: String, value: String)]

    public static func == (a: HTTPRequestHead, b: HTTPRequestHead) -> Bool {
        a.method == b.method && a.path == b.path && a.query == b.query && a.version == b.version
            && a.headers.elementsEqual(b.headers) { $0.name == $1.name && $0.value == $1.value }
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    public enum ParseResult: Sendable, Equatable {
        /// The head is not complete yet: read more.
        case incomplete
        /// A complete head.
        case complete(HTTPRequestHead)
        /// Answer with this status and close (400, 431, 505).
        case invalid(status: Int, reason: String)
    }

    /// Parses `bytes` received so far. The head ends at the first empty line
    /// (`CRLF CRLF`; a bare `LF LF` is accepted too, RFC 9112 §2.2).
    public static func parse(_ bytes: [UInt8], maxHeadBytes: Int = 8_192, maxHeaders: Int = 64) -> ParseResult {
        guard let end = headEnd(bytes) else {
            return bytes.count > maxHeadBytes
                ? .invalid(status: 431, reason: "request header fields too large") : .incomplete
        }
        guard end <= maxHeadBytes else { return .invalid(status: 431, reason: "request header fields too large") }
        // Header field values are octets; anything outside visible ASCII, space and tab is refused.
        for b in bytes[0..<end] where !(b == 9 || b == 10 || b == 13 || (b >= 32 && b < 127)) {
            return .invalid(status: 400, reason: "invalid byte in request head")
        }
        // Split on bytes: as Swift Characters, "\r\n" is one grapheme and would not split on "\n".
        var lines = bytes[0..<end].split(separator: 10, omittingEmptySubsequences: false).map { line -> Substring in
            let trimmed = line.last == 13 ? line.dropLast() : line
            return Substring(String(decoding: trimmed, as: UTF8.self))
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        guard let requestLine = lines.first else { return .invalid(status: 400, reason: "empty request") }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            return .invalid(status: 400, reason: "malformed request line")
        }
        let method = String(parts[0])
        guard method.allSatisfy({ $0.isLetter && $0.isUppercase }) else {
            return .invalid(status: 400, reason: "malformed method")
        }
        let version = String(parts[2])
        guard version.hasPrefix("HTTP/") else { return .invalid(status: 400, reason: "malformed HTTP version") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .invalid(status: 505, reason: "HTTP version not supported")
        }
        let target = parts[1]
        guard target.hasPrefix("/") else { return .invalid(status: 400, reason: "request target must be a path") }
        var path = String(target)
        var query: String?
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            query = String(target[target.index(after: q)...])
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return .invalid(status: 400, reason: "malformed header line") }
            let name = line[..<colon]
            // RFC 9112 §5.1: no whitespace between the field name and the colon; obs-fold is rejected.
            guard !name.isEmpty, !name.contains(" "), !name.contains("\t") else {
                return .invalid(status: 400, reason: "malformed header name")
            }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            var trimmed = Substring(value)
            while let l = trimmed.last, l == " " || l == "\t" { trimmed = trimmed.dropLast() }
            headers.append((String(name), String(trimmed)))
            if headers.count > maxHeaders { return .invalid(status: 431, reason: "too many header fields") }
        }
        if version == "HTTP/1.1" && !headers.contains(where: { $0.name.lowercased() == "host" }) {
            return .invalid(status: 400, reason: "missing Host header")
        }
        return .complete(HTTPRequestHead(method: method, path: path, query: query, version: version, headers: headers))
    }

    /// Index just past the empty line ending the head, if present.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            if bytes[i] == 10 {
                if i + 1 < n && bytes[i + 1] == 10 { return i + 2 }
                if i + 2 < n && bytes[i + 1] == 13 && bytes[i + 2] == 10 { return i + 3 }
            }
            i += 1
        }
        return nil
    }
}

/// What a route answers.
public struct HTTPReply: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(String, String)]

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String,
                headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = Array(body.utf8)
        self.headers = headers
    }

    public static func == (a: HTTPReply, b: HTTPReply) -> Bool {
        a.status == b.status && a.contentType == b.contentType && a.body == b.body
            && a.headers.elementsEqual(b.headers) { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// The whole response; `Connection: close` because each connection serves one request.
    public func serialized(headOnly: Bool = false) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(HTTPReply.reasonPhrase(status))\r\n"
        head += "Content-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.count)\r\n"
        head += "Cache-Control: no-store\r\n"
        head += "Connection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (headOnly ? [] : body)
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 431: return "Request Header Fields Too Large"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }
}

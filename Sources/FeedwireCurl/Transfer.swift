import FeedwireCore

/// One request through the engine, across its redirect hops.
///
/// Ownership moves, never shares: the sending thread builds it and hands it
/// to the engine's inbox; from then on only the loop thread touches it (a
/// proxy pre-check borrows it on a resolver thread while the loop leaves it
/// alone, and gives it back through the inbox). Hence `@unchecked Sendable`.
final class Transfer: @unchecked Sendable {
    let request: HTTPRequest
    let completion: @Sendable (Result<HTTPResponse, TransportError>) -> Void
    /// Monotonic time the transfer got its slot: the total timeout spans
    /// every hop but not the wait in the engine's queue.
    var started = 0.0
    /// Per-host politeness key (the first hop's host: a transfer keeps its slot across redirects).
    var hostKey = ""

    // Current hop.
    var url: String
    /// Scheme and host of `url` (set when admitted and on each redirect).
    var parts = URLParts(scheme: "", host: "")
    var method: HTTPMethod
    var body: [UInt8]?
    var headers: HTTPHeaders
    var headerList: HeaderList?

    var redirects = 0
    var allPermanent = true
    var wireBytes = 0

    var easy: EasyHandle?
    /// True once the proxy pre-check passed for the current hop.
    var targetChecked = false
    /// Listed in the engine's `checking` (pre-check of a first hop running).
    var isChecking = false
    /// Completed (exactly once).
    var done = false

    init(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, TransportError>) -> Void) {
        self.request = request
        self.completion = completion
        self.url = request.url
        self.method = request.method
        self.body = request.body
        self.headers = request.headers
    }

    /// Header lines for libcurl: the request's own, then (with a body)
    /// `Expect:`, which stops libcurl's 100-continue round trip (webhook
    /// bodies are small), then the engine's `User-Agent` and
    /// `Accept-Encoding` unless the request set them.
    func makeHeaderList(constantLines: EngineHeaderLines) -> HeaderList {
        HeaderList(headers, extra: body != nil ? ["Expect:"] : [], tail: constantLines.tail(for: headers))
    }

    /// A header name or value that would break the request's structure:
    /// names must be tokens (RFC 9110 §5.1), values must not contain CR, LF
    /// or NUL (§5.5) — otherwise a value could smuggle in another header.
    var invalidHeader: String? {
        for field in headers.fields where !Transfer.isToken(field.name) || !Transfer.isFieldValue(field.value) {
            return field.name
        }
        return nil
    }

    private static func isToken(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { b in
            if b.isEmpty { return false }
            for c in b where c <= 0x20 || c >= 0x7F || c == 0x3A { return false }
            return true
        }
    }

    private static func isFieldValue(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { b in
            for c in b where c <= 0x0D && (c == 0x0A || c == 0x0D || c == 0x00) { return false }
            return true
        }
    }

    /// Moves to the next hop after a 3xx (RFC 9110 §15.4): 303 turns any
    /// method but HEAD into GET; 301/302 turn POST into GET (what browsers
    /// and libcurl do); 307/308 keep method and body. Credentials are not
    /// carried to another host.
    func followRedirect(status: Int, to next: String, nextParts: URLParts) {
        redirects += 1
        if status != 301 && status != 308 { allPermanent = false }
        if (status == 303 && method != .head) || ((status == 301 || status == 302) && method == .post) {
            method = .get
            body = nil
            headers.remove("Content-Type")
            headers.remove("Content-Length")
        }
        if nextParts.host != parts.host {
            headers.remove("Authorization")
            headers.remove("Cookie")
            headers.remove("Proxy-Authorization")
        }
        url = next
        parts = nextParts
        headerList = nil
        targetChecked = false
    }
}

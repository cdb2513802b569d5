/// HTTP request and response values that cross the transport seam. The
/// transport (FeedwireCurl in production, a fake in tests) never sees feeds or
/// chat services; it moves bytes under a `TransferLimits` and a `NetworkPolicy`.

public enum HTTPMethod: String, Sendable {
    case get = "GET", head = "HEAD", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE"
}

/// Header fields in order, names compared case-insensitively (RFC 9110 §5.1).
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        a.fields.count == b.fields.count
            && zip(a.fields, b.fields).allSatisfy { HTTPHeaders.sameName($0.name, $1.name) && $0.value == $1.value }
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }

    /// Continues the last field's value (an obsolete folded line, RFC 9112 §5.2).
    mutating func appendToLastValue(_ more: String) {
        guard let last = fields.indices.last else { return }
        fields[last].value += fields[last].value.isEmpty ? more : " " + more
    }

    /// Room for `n` more fields without reallocating.
    public mutating func reserveCapacity(_ n: Int) { fields.reserveCapacity(fields.count + n) }

    /// Replaces every field of that name.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { HTTPHeaders.sameName($0.name, name) }
    }

    /// The first value of a field.
    public subscript(name: String) -> String? {
        for field in fields where HTTPHeaders.sameName(field.name, name) { return field.value }
        return nil
    }

    /// Every value of a field, in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { HTTPHeaders.sameName($0.name, name) ? $0.value : nil }
    }

    /// Field names are ASCII tokens compared case-insensitively (RFC 9110
    /// §5.1); compared byte by byte over the contiguous UTF-8 of both, without
    /// building lower-cased copies (this runs for every header lookup of
    /// every response; the iterator-based version cost ~450 instructions a call).
    static func sameName(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in sameName(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) } }
    }

    /// The same over raw bytes (a received header block).
    static func sameName(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        guard x.count == y.count else { return false }
        for i in 0..<x.count {
            let p = x[i], q = y[i]
            if p == q { continue }
            let l = p | 0x20
            if l != q | 0x20 || l < 0x61 || l > 0x7A { return false }
        }
        return true
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// Bounds on one transfer. Defaults from `../shared/design/defaults.md`.
public struct TransferLimits: Sendable, Equatable {
    /// Connect timeout (Miniflux dialer 10 s).
    public var connectTimeout: Double = 10
    /// Whole transfer, redirects included.
    public var totalTimeout: Double = 30
    /// Abort when slower than `lowSpeedBytesPerSecond` for `lowSpeedSeconds`.
    public var lowSpeedBytesPerSecond: Int = 100
    public var lowSpeedSeconds: Double = 10
    /// Body cap counted after decompression (15 MiB, as Miniflux).
    public var maxBodyBytes: Int = 15 * 1024 * 1024
    /// Redirects followed at most (http and https only).
    public var maxRedirects: Int = 5

    public init() {}
}

public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]?
    public var limits: TransferLimits
    /// Follow redirects (feeds: yes; webhooks: no, a 3xx is a failure per Standard Webhooks).
    public var followRedirects: Bool
    /// TLS certificate and host verification. Only a feed that explicitly opts
    /// out (`tls_verify = false`) turns it off.
    public var verifyTLS: Bool
    /// Who this request is for ("feed kyiv-independent", "notifier newsroom"),
    /// used in every message about it.
    public var label: String

    public init(
        method: HTTPMethod = .get, url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]? = nil,
        limits: TransferLimits = TransferLimits(), followRedirects: Bool = true, verifyTLS: Bool = true,
        label: String = ""
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.limits = limits
        self.followRedirects = followRedirects
        self.verifyTLS = verifyTLS
        self.label = label
    }
}

public struct HTTPResponse: Sendable {
    /// Status of the last response in the redirect chain.
    public var status: Int
    /// Headers of the last response. From the HTTP engine they are kept as
    /// the raw lines received and parsed on access; `header(_:)` and
    /// `headerValues(_:)` look one field up without building the others.
    public var headers: HTTPHeaders {
        get { headerBlock.isEmpty ? storedHeaders : HTTPHeaderLines.parse(headerBlock) }
        set {
            storedHeaders = newValue
            headerBlock = []
        }
    }
    private var storedHeaders: HTTPHeaders
    /// The header lines as received (RFC 9112 §5), when the engine built this:
    /// a poll reads five or six fields of a response, and building a String
    /// for every name and value of every response was a tenth of an
    /// unchanged poll's CPU.
    private var headerBlock: [UInt8]
    /// Decoded body (content encodings removed).
    public var body: [UInt8]
    /// URL of the last response.
    public var finalURL: String
    /// Redirects followed.
    public var redirects: Int
    /// True when every redirect followed was permanent (301/308), so the
    /// caller may store `finalURL` as the resource's new address.
    public var permanentRedirect: Bool
    /// Bytes received on the wire (before decompression), when known.
    public var wireBytes: Int
    /// Whole transfer, seconds.
    public var seconds: Double

    public init(
        status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], finalURL: String,
        redirects: Int = 0, permanentRedirect: Bool = false, wireBytes: Int = 0, seconds: Double = 0
    ) {
        self.status = status
        self.storedHeaders = headers
        self.headerBlock = []
        self.body = body
        self.finalURL = finalURL
        self.redirects = redirects
        self.permanentRedirect = permanentRedirect
        self.wireBytes = wireBytes
        self.seconds = seconds
    }

    /// A response whose headers are the raw lines of its header block
    /// (without the status line), as the HTTP engine received them.
    public init(
        status: Int, headerBlock: [UInt8], body: [UInt8] = [], finalURL: String,
        redirects: Int = 0, permanentRedirect: Bool = false, wireBytes: Int = 0, seconds: Double = 0
    ) {
        self.init(status: status, body: body, finalURL: finalURL, redirects: redirects,
                  permanentRedirect: permanentRedirect, wireBytes: wireBytes, seconds: seconds)
        self.headerBlock = headerBlock
    }

    /// The first value of a field (names compare case-insensitively).
    public func header(_ name: StaticString) -> String? {
        headerBlock.isEmpty ? storedHeaders["\(name)"] : HTTPHeaderLines.values(named: name, in: headerBlock, firstOnly: true).first
    }

    /// Every value of a field, in order.
    public func headerValues(_ name: StaticString) -> [String] {
        headerBlock.isEmpty ? storedHeaders.values("\(name)") : HTTPHeaderLines.values(named: name, in: headerBlock, firstOnly: false)
    }

    /// One pass over the fields: `found(i, value)` for each field named
    /// `names[i]` (case-insensitive), in order. Looking up several fields of
    /// an engine response this way parses its header block once.
    public func visitHeaders(named names: [StaticString], _ found: (Int, String) -> Void) {
        if headerBlock.isEmpty {
            HTTPHeaderLines.visit(named: names, in: storedHeaders, found)
        } else {
            HTTPHeaderLines.visit(named: names, in: headerBlock, found)
        }
    }
}

/// Why a transfer produced no HTTP response. Each case says what happened;
/// `advice` says what an operator can do about it.
public enum TransportError: Error, Sendable, Equatable {
    case timeout(String)
    /// The decoded body passed the cap (bytes).
    case tooLarge(limit: Int)
    case tls(String)
    case dns(String)
    case connect(String)
    /// The network policy refused the address (or host) actually connected to.
    case refusedByPolicy(String)
    case tooManyRedirects(Int)
    /// A scheme other than http/https, directly or via a redirect.
    case protocolNotAllowed(String)
    case invalidURL(String)
    /// The transport is shutting down.
    case cancelled
    case other(String)

    public var message: String {
        switch self {
        case let .timeout(m): return "timed out (\(m))"
        case let .tooLarge(limit): return "body larger than \(limit) bytes after decompression"
        case let .tls(m): return "TLS failed (\(m))"
        case let .dns(m): return "host name not found (\(m))"
        case let .connect(m): return "could not connect (\(m))"
        case let .refusedByPolicy(m): return "refused by network policy (\(m))"
        case let .tooManyRedirects(n): return "more than \(n) redirects"
        case let .protocolNotAllowed(m): return "protocol not allowed (\(m)); only http and https are fetched"
        case let .invalidURL(m): return "invalid URL (\(m))"
        case .cancelled: return "cancelled at shutdown"
        case let .other(m): return m
        }
    }

    /// What an operator can do.
    public var advice: String {
        switch self {
        case .timeout: return "the server is slow or unreachable; it will be retried with backoff"
        case .tooLarge: return "raise max_body for this feed if the document is legitimately this large"
        case .tls: return "check the server's certificate; only if you trust it, set tls_verify = false for this feed"
        case .dns: return "check the URL's host name and this machine's DNS"
        case .connect: return "check that the server is up and reachable from this machine"
        case .refusedByPolicy: return "if this address is intended, add it to allow_networks in [daemon]"
        case .tooManyRedirects: return "the URL redirects in a loop or too often; use the final URL in feeds.conf"
        case .protocolNotAllowed: return "use an http or https URL"
        case .invalidURL: return "fix the URL in feeds.conf"
        case .cancelled: return "nothing to do"
        case .other: return "it will be retried with backoff"
        }
    }
}

/// The seam every HTTP request goes through. Implementations must be safe to
/// call from any thread and call `completion` exactly once, on any thread.
public protocol HTTPTransport: AnyObject, Sendable {
    func send(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, TransportError>) -> Void)
}

import Dispatch
import Synchronization

extension HTTPTransport {
    /// Sends and blocks the calling thread until the answer arrives. For
    /// command-line tools and tests only; the daemon never blocks a queue on I/O.
    public func sendAndWait(_ request: HTTPRequest) -> Result<HTTPResponse, TransportError> {
        let box = Mutex<Result<HTTPResponse, TransportError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        send(request) { result in
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return box.withLock { $0! }
    }
}

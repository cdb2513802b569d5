/// What one fetch of a feed came to, in the terms the scheduler and the
/// operator need: did it work, is there new content to parse, when to come
/// back, whether to disable the feed or store a new address, and a message
/// that names the feed and says what to do.
///
/// Pure: built from the transport's `Result` by `classify`, with the time
/// passed in.
public struct FetchOutcome: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// 2xx with a body to parse.
        case ok
        /// 304: unchanged since the validators were stored; nothing to parse.
        case notModified = "not-modified"
        /// 2xx reached through permanent redirects only (301/308): parse the
        /// body and store `movedTo` as the feed's address.
        case moved
        case notFound = "not-found"
        /// 410: the publisher removed the feed; disable it.
        case gone
        /// 429.
        case rateLimited = "rate-limited"
        /// 503.
        case unavailable
        /// Other 4xx.
        case clientError = "client-error"
        /// Other 5xx.
        case serverError = "server-error"
        /// 1xx/3xx/other statuses left after redirects, 204, 206.
        case unexpectedStatus = "unexpected-status"
        case timeout
        case tooLarge = "too-large"
        case tls
        case dns
        case connect
        /// The network policy refused the destination.
        case refused
        case tooManyRedirects = "too-many-redirects"
        case protocolNotAllowed = "protocol-not-allowed"
        case invalidURL = "invalid-url"
        case cancelled
        case failed
    }

    public var kind: Kind
    /// Who the request was for ("feed kyiv"), as used in `message`.
    public var subject: String
    /// HTTP status of the last response, when there was one.
    public var status: Int?
    /// The body to parse (`ok`, `moved`); empty otherwise.
    public var body: [UInt8]
    /// Validators to store for the next conditional GET: the response's,
    /// falling back to the previous ones (a 304 may omit some).
    public var validators: Validators
    public var cache: CacheHints
    /// URL of the last response (after redirects).
    public var finalURL: String?
    /// Set when every redirect followed was permanent (301/308): the feed's
    /// new address, to persist (for `moved` and for a 304 reached that way).
    public var movedTo: String?
    /// Seconds to wait before the next attempt, from `Retry-After` on 429/503,
    /// clamped to [1 s, 24 h]; nil when absent or unparseable.
    public var retryAfter: Int?
    /// The transport failure, when there was no HTTP response.
    public var transportError: TransportError?
    /// Bytes on the wire and wall time, for logs and `feedwire fetch`.
    public var wireBytes: Int
    public var seconds: Double
    /// `Location` of a 3xx that was not followed (for the message).
    public var location: String?

    /// 200 (or 2xx) or 304: the feed is healthy.
    public var isSuccess: Bool { kind == .ok || kind == .notModified || kind == .moved }
    /// There is a new body to parse.
    public var hasContent: Bool { kind == .ok || kind == .moved }
    /// The feed should be disabled until the operator acts (410 Gone).
    public var disablesFeed: Bool { kind == .gone }
    /// Cache-Control max-age (or Expires − Date), for the poll interval.
    public var cacheMaxAge: Int? { cache.freshnessLifetime }

    /// Classifies a transport result for a feed.
    /// - Parameters:
    ///   - subject: "feed kyiv" — the first words of every message.
    ///   - previous: the validators sent with the request (kept when a 304 omits them).
    ///   - now: for HTTP-dates in Retry-After and Expires.
    public static func classify(_ result: Result<HTTPResponse, TransportError>, subject: String,
                                previous: Validators = Validators(), now: Timestamp) -> FetchOutcome {
        switch result {
        case let .failure(error):
            return FetchOutcome(kind: kind(of: error), subject: subject, status: nil, body: [], validators: previous,
                                cache: CacheHints(), finalURL: nil, movedTo: nil, retryAfter: nil, transportError: error,
                                wireBytes: 0, seconds: 0, location: nil)
        case let .success(response):
            return classify(response, subject: subject, previous: previous, now: now)
        }
    }

    /// The header fields `classify` reads, in the order its switch numbers them.
    private static let fieldsRead: [StaticString] = ["ETag", "Last-Modified", "Retry-After", "Location", "Cache-Control", "Date", "Expires"]

    static func classify(_ r: HTTPResponse, subject: String, previous: Validators, now: Timestamp) -> FetchOutcome {
        // One pass picks out the fields used below (a response from the
        // engine builds no String for the others).
        var etag: String?, lastModified: String?, retryAfterText: String?, location: String?
        var date: String?, expires: String?, cacheControl: [String] = []
        r.visitHeaders(named: FetchOutcome.fieldsRead) { i, value in
            switch i {
            case 0: if etag == nil { etag = value }
            case 1: if lastModified == nil { lastModified = value }
            case 2: if retryAfterText == nil { retryAfterText = value }
            case 3: if location == nil { location = value }
            case 4: cacheControl.append(value)
            case 5: if date == nil { date = value }
            default: if expires == nil { expires = value }
            }
        }
        let needsDate = retryAfterText != nil && (r.status == 429 || r.status == 503)
        let cache = CacheHints(cacheControl: cacheControl, date: date, expires: expires, now: now, needsDate: needsDate)
        var out = FetchOutcome(kind: .failed, subject: subject, status: r.status, body: [], validators: previous,
                               cache: cache, finalURL: r.finalURL, movedTo: nil, retryAfter: nil, transportError: nil,
                               wireBytes: r.wireBytes, seconds: r.seconds, location: nil)
        let moved = r.redirects > 0 && r.permanentRedirect ? r.finalURL : nil
        switch r.status {
        case 200...299 where r.status != 204 && r.status != 205 && r.status != 206:
            out.kind = moved == nil ? .ok : .moved
            out.body = r.body
            out.validators = Validators(etag: etag, lastModified: lastModified)
            out.movedTo = moved
        case 304:
            out.kind = .notModified
            out.validators = previous.updated(with: Validators(etag: etag, lastModified: lastModified))
            out.movedTo = moved
        case 404:
            out.kind = .notFound
        case 410:
            out.kind = .gone
        case 429, 503:
            out.kind = r.status == 429 ? .rateLimited : .unavailable
            out.retryAfter = retryAfterText.flatMap { RetryAfter.seconds($0, now: now, responseDate: cache.date) }
        case 400...499:
            out.kind = .clientError
        case 500...599:
            out.kind = .serverError
        default:
            out.kind = .unexpectedStatus
            out.location = location
        }
        return out
    }

    /// One line for the log and the operator: names the subject, says what
    /// happened and what to do. Built on demand (most successful polls are
    /// never described).
    public var message: String {
        if let error = transportError { return "\(subject): \(error.message) — \(error.advice)" }
        let status = self.status ?? 0
        let reason = HTTPStatus.reason(status)
        let statusText = "HTTP \(status)\(reason.isEmpty ? "" : " " + reason)"
        let moveNote = movedTo.map { "; it moved permanently to \($0) — that address is used from now on; update its url in feeds.conf" } ?? ""
        switch kind {
        case .ok, .moved:
            return "\(subject): \(statusText), \(body.count) bytes\(moveNote)"
        case .notModified:
            return "\(subject): \(statusText) — unchanged since the last fetch\(moveNote)"
        case .notFound:
            return "\(subject): \(statusText) at \(finalURL ?? "?") — check the feed's url in feeds.conf; it is retried with backoff"
        case .gone:
            return "\(subject): \(statusText) — the publisher removed this feed; it is disabled; remove it from feeds.conf or change its url"
        case .rateLimited, .unavailable:
            let wait = retryAfter.map { "the server asks to wait \($0) s; the next attempt is after that" }
                ?? "no usable Retry-After; it is retried with backoff"
            let advice = kind == .rateLimited ? "; if this repeats, raise this feed's interval" : ""
            return "\(subject): \(statusText) — \(wait)\(advice)"
        case .clientError:
            return "\(subject): \(statusText) — the server refuses this request; check the url (and whether the feed needs access rights); it is retried with backoff"
        case .serverError:
            return "\(subject): \(statusText) — the publisher's server failed; it is retried with backoff"
        default:
            let loc = location.map { " (Location: \($0))" } ?? ""
            return "\(subject): unexpected \(statusText)\(loc) — check the feed's url in feeds.conf; it is retried with backoff"
        }
    }

    static func kind(of error: TransportError) -> Kind {
        switch error {
        case .timeout: return .timeout
        case .tooLarge: return .tooLarge
        case .tls: return .tls
        case .dns: return .dns
        case .connect: return .connect
        case .refusedByPolicy: return .refused
        case .tooManyRedirects: return .tooManyRedirects
        case .protocolNotAllowed: return .protocolNotAllowed
        case .invalidURL: return .invalidURL
        case .cancelled: return .cancelled
        case .other: return .failed
        }
    }
}

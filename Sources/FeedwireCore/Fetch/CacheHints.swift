/// What a response says about how long it stays fresh (RFC 9111), for the
/// scheduler to poll no more often than the publisher asks (clamped to the
/// configured floor and ceiling by the scheduler, not here).
public struct CacheHints: Sendable, Equatable {
    /// `Cache-Control: max-age` (RFC 9111 §5.2.2.1), seconds.
    public var maxAge: Int?
    /// `Cache-Control: no-store` or `no-cache` was present (informational).
    public var noCache: Bool = false
    /// `Expires` (§5.3). An invalid value means "already expired" (§5.3: "A
    /// cache recipient MUST interpret invalid date formats, especially the
    /// value "0", as representing a time in the past"); it is then `date`
    /// (or the epoch when there is no Date).
    public var expires: Timestamp?
    /// `Date` (RFC 9110 §6.6.1): the server's clock when it answered.
    public var date: Timestamp?

    public init(maxAge: Int? = nil, noCache: Bool = false, expires: Timestamp? = nil, date: Timestamp? = nil) {
        self.maxAge = maxAge
        self.noCache = noCache
        self.expires = expires
        self.date = date
    }

    /// One pass over the fields (this runs for every response).
    /// - Parameter needsDate: parse `Date` even without `Expires` (for a
    ///   `Retry-After` HTTP-date). Otherwise `date` is only parsed when
    ///   `Expires` needs it: nothing else reads it, and parsing an HTTP-date
    ///   for every 304 was a measurable part of an unchanged poll.
    public init(headers: HTTPHeaders, now: Timestamp, needsDate: Bool = false) {
        self.init(cacheControl: headers.values("Cache-Control"), date: headers["Date"], expires: headers["Expires"],
                  now: now, needsDate: needsDate)
    }

    /// From the field values: every `Cache-Control`, the first `Date` and `Expires`.
    public init(cacheControl: [String], date dateText: String?, expires expiresText: String?, now: Timestamp, needsDate: Bool = false) {
        for value in cacheControl { parseCacheControl(value) }
        if needsDate || expiresText != nil { date = dateText.flatMap { HTTPDate.parse($0, now: now) } }
        if let e = expiresText {
            expires = HTTPDate.parse(e, now: now) ?? date ?? Timestamp(seconds: 0)
        }
    }

    private mutating func parseCacheControl(_ value: String) {
        for directive in value.split(separator: ",") {
            let d = directive.trimmingWhitespace
            let lower = d.lowercased()
            if lower == "no-store" || lower == "no-cache" || lower.hasPrefix("no-cache=") {
                noCache = true
            } else if lower.hasPrefix("max-age=") {
                var v = d.dropFirst("max-age=".count)
                if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 { v = v.dropFirst().dropLast() }
                if let n = CacheHints.deltaSeconds(v) { maxAge = maxAge.map { min($0, n) } ?? n }
            }
        }
    }

    /// Freshness lifetime (§4.2.1): max-age, else Expires − Date; nil when
    /// the response gives neither. `no-cache` does not make it zero here: it
    /// asks caches to revalidate, not clients to poll more often, so the
    /// scheduler keeps its own interval.
    public var freshnessLifetime: Int? {
        if let maxAge { return maxAge }
        if let expires, let date { return Int(max(0, expires - date)) }
        return nil
    }

    /// `delta-seconds` (RFC 9111 §1.2.2): digits only; values too large for
    /// an Int saturate (§1.2.2 says to use 2^31 for an overflow).
    static func deltaSeconds(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if s.count > 10 { return 2_147_483_648 }
        return min(Int(s) ?? 2_147_483_648, 2_147_483_648)
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
public enum RetryAfter {
    /// Bounds for feeds: at least 1 s, at most a day (defaults.md).
    public static let feedBounds: ClosedRange<Int> = 1...86_400
    /// Bounds for webhooks: at most an hour.
    public static let webhookBounds: ClosedRange<Int> = 1...3_600

    /// The delay in seconds, clamped to `bounds`; nil when the value is
    /// neither form (the caller then falls back to its own backoff).
    /// - Parameters:
    ///   - responseDate: the response's `Date`; an HTTP-date is measured from
    ///     it when present, so a server whose clock is off still gets the
    ///     delay it meant; else from `now`.
    public static func seconds(_ value: String, now: Timestamp, responseDate: Timestamp? = nil,
                               bounds: ClosedRange<Int> = feedBounds) -> Int? {
        let v = value.trimmingWhitespace
        if let n = CacheHints.deltaSeconds(v) { return min(max(n, bounds.lowerBound), bounds.upperBound) }
        guard let date = HTTPDate.parse(String(v), now: now) else { return nil }
        let base = responseDate ?? now
        let delta = date - base
        if delta > Int64(bounds.upperBound) { return bounds.upperBound }
        return min(max(Int(delta), bounds.lowerBound), bounds.upperBound)
    }
}

/// Building the request for a feed poll.
///
/// No `Accept` header: libcurl's default `*/*` stands. Feed servers
/// practically never negotiate on it, and in libcurl 7.88 every custom
/// request header costs about 1.5 µs of CPU per request (measured with
/// ../shared/bench/fetch_multi.c on this machine) — a tenth of a whole 304
/// exchange. A feed that needs one can still set it on its request.
public enum FeedRequest {
    /// A conditional GET when validators are known (RFC 9110 §13.1).
    public static func make(url: String, validators: Validators = Validators(), limits: TransferLimits = TransferLimits(),
                            verifyTLS: Bool = true, label: String = "") -> HTTPRequest {
        var headers = HTTPHeaders()
        if !validators.isEmpty {
            headers.reserveCapacity(2)
            if let etag = validators.etag { headers.add("If-None-Match", etag) }
            if let date = validators.lastModified { headers.add("If-Modified-Since", date) }
        }
        return HTTPRequest(method: .get, url: url, headers: headers, limits: limits, followRedirects: true,
                           verifyTLS: verifyTLS, label: label)
    }
}

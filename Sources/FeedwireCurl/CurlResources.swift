import CCurl
import FeedwireCore

/// Owner of one `CURLM *`. Freed in `deinit`, after every easy handle was
/// removed (the engine's loop does that before releasing it).
final class MultiHandle {
    let raw: UnsafeMutableRawPointer

    init() {
        guard let m = fw_curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        raw = m
    }

    deinit { fw_curl_multi_cleanup(raw) }
}

/// Owner of one `curl_slist` of request header lines.
final class HeaderList {
    private(set) var raw: UnsafeMutablePointer<curl_slist>?

    /// `Name: value` lines; an empty value is sent as `Name;` (libcurl's
    /// spelling for an empty header, `Name:` would remove it instead).
    /// Each line is joined and appended in one C call (no Swift buffer per line).
    init(_ headers: HTTPHeaders) {
        for field in headers {
            var name = field.name
            var value = field.value
            let next = name.withUTF8 { n in
                value.withUTF8 { v in
                    fw_curl_slist_append_field(raw, n.baseAddress, n.count, v.baseAddress, v.count)
                }
            }
            guard let next else { fatalError("curl_slist_append failed: out of memory") }
            raw = next
        }
    }

    /// Appends a raw line (`Expect:` removes a header libcurl would add).
    func append(_ line: String) {
        guard let next = line.withCString({ fw_curl_slist_append(raw, $0) }) else {
            fatalError("curl_slist_append failed: out of memory")
        }
        raw = next
    }

    deinit { fw_curl_slist_free_all(raw) }
}

/// libcurl's own URL parser, for decisions that must agree with what libcurl
/// will connect to (host-name policy rules, the proxy pre-check).
enum CurlURL {
    /// The host of `url` as libcurl parses it (IPv6 without brackets, lower case).
    static func host(of url: String) -> String? {
        guard let handle = fw_curl_url() else { return nil }
        defer { fw_curl_url_cleanup(handle) }
        guard fw_curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else { return nil }
        var part: UnsafeMutablePointer<CChar>?
        guard fw_curl_url_get(handle, CURLUPART_HOST, &part, 0) == CURLUE_OK, let part else { return nil }
        defer { fw_curl_free(part) }
        return HostPattern.normalize(String(cString: part))
    }
}

/// libcurl result codes as typed transport errors.
enum CurlError {
    /// For tests, which do not import CCurl.
    static func transportError(rawCode: UInt32, detail: String) -> TransportError {
        transportError(CURLcode(rawValue: rawCode), detail: detail)
    }

    static func transportError(_ code: CURLcode, detail: String) -> TransportError {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout(detail)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .dns(detail)
        case CURLE_COULDNT_CONNECT:
            return .connect(detail)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED:
            return .tls(detail)
        case CURLE_UNSUPPORTED_PROTOCOL:
            return .protocolNotAllowed(detail)
        case CURLE_URL_MALFORMAT:
            return .invalidURL(detail)
        case CURLE_TOO_MANY_REDIRECTS:
            return .tooManyRedirects(0)
        default:
            return .other(detail)
        }
    }

    /// The error buffer's text, else libcurl's generic description.
    static func detail(_ code: CURLcode, buffer: UnsafePointer<CChar>) -> String {
        let text = String(cString: buffer)
        return text.isEmpty ? String(cString: fw_curl_easy_strerror(code)) : text
    }
}

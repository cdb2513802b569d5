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

/// Owner of one `curl_slist` of request header lines (CURLOPT_HTTPHEADER).
///
/// The nodes and their strings are laid out in one allocation made here
/// (`struct curl_slist` is public: `{ char *data; struct curl_slist *next; }`,
/// and libcurl only reads a header list, it never frees one), and the last
/// node links to a shared tail that outlives it (the engine's constant
/// lines). A request with two conditional headers thus costs one malloc,
/// where curl_slist_append cost two per line plus a free each.
final class HeaderList {
    let raw: UnsafeMutablePointer<curl_slist>?
    private let block: UnsafeMutableRawPointer?

    /// `Name: value` lines, then `extra` lines verbatim, then `tail`. An empty
    /// value is sent as `Name;` (libcurl's spelling for an empty header,
    /// `Name:` would remove it instead).
    init(_ headers: HTTPHeaders, extra: [StaticString] = [], tail: UnsafeMutablePointer<curl_slist>?) {
        let fields = headers.fields
        let count = fields.count + extra.count
        guard count > 0 else {
            raw = tail
            block = nil
            return
        }
        var textBytes = 0
        for f in fields { textBytes += f.name.utf8.count + (f.value.isEmpty ? 1 : 2 + f.value.utf8.count) + 1 }
        for line in extra { textBytes += line.utf8CodeUnitCount + 1 }
        let nodeBytes = count * MemoryLayout<curl_slist>.stride
        let memory = UnsafeMutableRawPointer.allocate(byteCount: nodeBytes + textBytes, alignment: MemoryLayout<curl_slist>.alignment)
        let nodes = memory.bindMemory(to: curl_slist.self, capacity: count)
        var text = (memory + nodeBytes).assumingMemoryBound(to: UInt8.self)
        func put(_ bytes: UnsafeRawBufferPointer) {
            if let base = bytes.baseAddress, bytes.count > 0 { text.update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count) }
            text += bytes.count
        }
        var i = 0
        func node(_ write: () -> Void) {
            let start = text
            write()
            text.pointee = 0
            text += 1
            (nodes + i).initialize(to: curl_slist(data: UnsafeMutableRawPointer(start).assumingMemoryBound(to: CChar.self),
                                                  next: i + 1 < count ? nodes + i + 1 : tail))
            i += 1
        }
        for f in fields {
            var name = f.name, value = f.value
            node {
                name.withUTF8 { put(UnsafeRawBufferPointer($0)) }
                if value.isEmpty {
                    text.pointee = 0x3B  // ';'
                    text += 1
                } else {
                    text.pointee = 0x3A  // ':'
                    (text + 1).pointee = 0x20
                    text += 2
                    value.withUTF8 { put(UnsafeRawBufferPointer($0)) }
                }
            }
        }
        for line in extra { node { line.withUTF8Buffer { put(UnsafeRawBufferPointer($0)) } } }
        raw = nodes
        block = memory
    }

    deinit { block?.deallocate() }

    /// The lines as libcurl reads them, tail included (for tests and logs).
    var lines: [String] {
        var out: [String] = []
        var node = raw
        while let n = node {
            out.append(n.pointee.data.map { String(cString: $0) } ?? "")
            node = n.pointee.next
        }
        return out
    }
}

/// The header lines every request of one engine carries unless the request
/// sets the field itself (User-Agent, Accept-Encoding), formatted once, as
/// shared list tails that `HeaderList`s link to. Lives as long as the engine
/// (every easy handle, and so every list libcurl may read, is freed before it).
///
/// Why not CURLOPT_USERAGENT and the header CURLOPT_ACCEPT_ENCODING writes:
/// libcurl 7.88 formats those two lines anew for every request with its own
/// printf, about 170 instructions per character — 7,000 of a 304's ~80,000
/// (callgrind, `make bench-fetch`). A line in the request's list replaces the
/// one libcurl would generate (CURLOPT_HTTPHEADER), and decoding stays on
/// because CURLOPT_ACCEPT_ENCODING is still set.
final class EngineHeaderLines {
    let userAgent: String
    let acceptEncoding: String
    /// Tails: both lines, Accept-Encoding only, User-Agent only.
    private let both: HeaderList
    private let encodingOnly: HeaderList
    private let agentOnly: HeaderList

    init(userAgent: String) {
        self.userAgent = userAgent
        acceptEncoding = EngineHeaderLines.codings(decoders: Int(fw_curl_decoders()))
        var agent = HTTPHeaders(), encoding = HTTPHeaders()
        if !userAgent.isEmpty { agent.add("User-Agent", userAgent) }
        if !acceptEncoding.isEmpty { encoding.add("Accept-Encoding", acceptEncoding) }
        encodingOnly = HeaderList(encoding, tail: nil)
        agentOnly = HeaderList(agent, tail: nil)
        both = HeaderList(agent, tail: encodingOnly.raw)
    }

    /// The tail for a request with these headers of its own.
    func tail(for headers: HTTPHeaders) -> UnsafeMutablePointer<curl_slist>? {
        if headers.fields.isEmpty { return both.raw }
        let ownAgent = headers["User-Agent"] != nil, ownEncoding = headers["Accept-Encoding"] != nil
        switch (ownAgent, ownEncoding) {
        case (false, false): return both.raw
        case (true, false): return encodingOnly.raw
        case (false, true): return agentOnly.raw
        case (true, true): return nil
        }
    }

    /// What CURLOPT_ACCEPT_ENCODING "" would advertise for these decoders,
    /// in libcurl's order (bits as `fw_curl_decoders` sets them).
    static func codings(decoders: Int) -> String {
        var list: [String] = []
        if decoders & 1 != 0 { list += ["deflate", "gzip"] }
        if decoders & 2 != 0 { list.append("br") }
        if decoders & 4 != 0 { list.append("zstd") }
        return list.joined(separator: ", ")
    }
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

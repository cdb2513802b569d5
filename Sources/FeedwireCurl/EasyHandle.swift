import CCurl
import FeedwireCore

/// Owner of one `CURL *` and its error buffer, reused for transfer after
/// transfer (libcurl keeps per-handle state such as TLS session IDs; the
/// connection cache lives in the multi handle). Only the engine's loop
/// thread touches it; libcurl's callbacks run on that thread too, inside
/// `curl_multi_perform`.
///
/// Options that never change are set once at creation. Per transfer only the
/// URL, headers, limits and method change; a handle whose last transfer was
/// not a plain GET is `curl_easy_reset` first, so no POST body or custom
/// method leaks into the next request.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer
    /// CURLOPT_ERRORBUFFER: libcurl writes a specific message here on failure.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let constantLines: EngineHeaderLines
    let policy: NetworkPolicy

    /// The transfer this handle is working for (nil while pooled).
    var transfer: Transfer?
    /// Added to the multi handle right now.
    var isAdded = false

    // Per hop, written by libcurl's callbacks.
    private(set) var body: [UInt8] = []
    /// The raw header lines of the latest response of this hop
    /// (CURLOPT_HEADERFUNCTION), handed over by `responseHeaderBlock()`. Raw
    /// storage owned by this handle: the callback runs for every header line.
    private var headerBytes: UnsafeMutableRawPointer
    private var headerCount = 0
    private var headerCapacity = 1024
    /// Body bytes arrived: later header lines are trailers, not kept.
    private var bodyStarted = false
    private var bodyLimit = 0
    private(set) var overLimit = false
    /// Why the open-socket hook refused an address, if it did.
    private(set) var refusal: String?
    /// Host of the request (or proxy) for host-name policy rules.
    private var policyHost: String?

    // What is currently set, to skip redundant setopt calls.
    private var plainGet = true
    private var currentLimits: TransferLimits?
    private var currentVerify = true
    private var currentProxy: String?? = .none
    /// Keeps the header list libcurl points at alive: for the transfer, and
    /// while pooled until the next `prepare` replaces it (libcurl keeps the
    /// pointer but reads it only while the handle is in the multi handle, so
    /// a finished transfer costs no setopt to clear it).
    private var headerList: HeaderList?

    init(constantLines: EngineHeaderLines, policy: NetworkPolicy) {
        guard let h = fw_curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        raw = h
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer[0] = 0
        headerBytes = .allocate(byteCount: headerCapacity, alignment: 1)
        self.constantLines = constantLines
        self.policy = policy
        setConstantOptions()
    }

    deinit {
        fw_curl_easy_cleanup(raw)
        errorBuffer.deallocate()
        headerBytes.deallocate()
    }

    private func setConstantOptions() {
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = fw_easy_setopt_long(raw, CURLOPT_NOSIGNAL, 1)
        _ = fw_easy_setopt_pointer(raw, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        _ = fw_easy_setopt_pointer(raw, CURLOPT_PRIVATE, me)
        _ = fw_easy_setopt_write_cb(raw, CURLOPT_WRITEFUNCTION, easyWriteCallback)
        _ = fw_easy_setopt_pointer(raw, CURLOPT_WRITEDATA, me)
        _ = fw_easy_setopt_write_cb(raw, CURLOPT_HEADERFUNCTION, easyHeaderCallback)
        _ = fw_easy_setopt_pointer(raw, CURLOPT_HEADERDATA, me)
        _ = fw_easy_setopt_opensocket_cb(raw, CURLOPT_OPENSOCKETFUNCTION, easyOpenSocketCallback)
        _ = fw_easy_setopt_pointer(raw, CURLOPT_OPENSOCKETDATA, me)
        _ = fw_easy_setopt_string(raw, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = fw_easy_setopt_string(raw, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        // Redirects are followed by the engine, hop by hop (policy, proxy
        // pre-check, permanence and the final headers all need each hop).
        _ = fw_easy_setopt_long(raw, CURLOPT_FOLLOWLOCATION, 0)
        // "" = every encoding this libcurl decodes (gzip, deflate, br, zstd).
        _ = fw_easy_setopt_string(raw, CURLOPT_ACCEPT_ENCODING, "")
        // User-Agent and Accept-Encoding travel in the header list
        // (Transfer.makeHeaderList); CURLOPT_ACCEPT_ENCODING above keeps
        // libcurl decoding what it receives.
        plainGet = true
        currentLimits = nil
        currentVerify = true
        currentProxy = .none
    }

    /// Prepares the handle for one hop of `t`.
    /// - Parameters:
    ///   - remaining: seconds left of the transfer's total timeout.
    ///   - proxy: the proxy URL for this hop, nil for a direct connection.
    ///   - policyHost: host for host-name policy rules (the proxy's when proxied).
    func prepare(_ t: Transfer, remaining: Double, proxy: String?, policyHost: String?) {
        let isPlainGet = t.method == .get
        if !plainGet || !isPlainGet {
            fw_curl_easy_reset(raw)  // also clears CURLOPT_HTTPHEADER
            setConstantOptions()
            headerList = nil
        }
        plainGet = isPlainGet
        errorBuffer[0] = 0
        body = []
        headerCount = 0
        bodyStarted = false
        overLimit = false
        refusal = nil
        bodyLimit = t.request.limits.maxBodyBytes
        self.policyHost = policyHost

        // withCString: a native String is already NUL-terminated, no copy
        // (the implicit String-to-pointer conversion built an array per call).
        _ = t.url.withCString { fw_easy_setopt_string(raw, CURLOPT_URL, $0) }
        if t.headerList == nil { t.headerList = t.makeHeaderList(constantLines: constantLines) }
        // Set before the old list is released (libcurl must never hold a freed pointer).
        if t.headerList !== headerList || headerList == nil {
            _ = fw_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, t.headerList?.raw)
        }
        headerList = t.headerList

        switch t.method {
        case .get:
            break
        case .head:
            _ = fw_easy_setopt_long(raw, CURLOPT_NOBODY, 1)
        case .post, .put, .patch, .delete:
            if t.method != .post { _ = fw_easy_setopt_string(raw, CURLOPT_CUSTOMREQUEST, t.method.rawValue) }
            if let body = t.body {
                _ = fw_easy_setopt_long(raw, CURLOPT_POST, 1)
                _ = fw_easy_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                body.withUnsafeBytes { raw in
                    // COPYPOSTFIELDS: libcurl keeps its own copy for the transfer.
                    _ = fw_easy_setopt_pointer(self.raw, CURLOPT_COPYPOSTFIELDS,
                                               UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
                }
            } else if t.method == .post {
                _ = fw_easy_setopt_long(raw, CURLOPT_POST, 1)
                _ = fw_easy_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, 0)
            }
        }

        let limits = t.request.limits
        _ = fw_easy_setopt_long(raw, CURLOPT_TIMEOUT_MS, max(1, Int(remaining * 1000)))
        if currentLimits != limits {
            _ = fw_easy_setopt_long(raw, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(limits.connectTimeout * 1000)))
            _ = fw_easy_setopt_long(raw, CURLOPT_LOW_SPEED_LIMIT, max(0, limits.lowSpeedBytesPerSecond))
            _ = fw_easy_setopt_long(raw, CURLOPT_LOW_SPEED_TIME, max(1, Int(limits.lowSpeedSeconds.rounded(.up))))
            // A fast refusal when Content-Length already says too much; the
            // write callback is what really enforces the cap (decoded bytes).
            _ = fw_easy_setopt_off_t(raw, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(limits.maxBodyBytes))
            currentLimits = limits
        }
        if currentVerify != t.request.verifyTLS {
            _ = fw_easy_setopt_long(raw, CURLOPT_SSL_VERIFYPEER, t.request.verifyTLS ? 1 : 0)
            _ = fw_easy_setopt_long(raw, CURLOPT_SSL_VERIFYHOST, t.request.verifyTLS ? 2 : 0)
            currentVerify = t.request.verifyTLS
        }
        if currentProxy != .some(proxy) {
            // "" disables libcurl's own environment lookup: the engine decided.
            _ = fw_easy_setopt_string(raw, CURLOPT_PROXY, proxy ?? "")
            currentProxy = .some(proxy)
        }
    }

    /// Forgets the finished transfer and its body (the handle goes back to
    /// the pool). Its header list stays alive until the next `prepare`.
    func release() {
        transfer = nil
        body = []
    }

    /// The decoded body, leaving the handle's buffer empty.
    func takeBody() -> [UInt8] {
        let b = body
        body = []
        return b
    }

    /// The error buffer's message for a failed hop.
    func errorDetail(_ code: CURLcode) -> String { CurlError.detail(code, buffer: errorBuffer) }

    func responseCode() -> Int {
        var code = 0
        _ = fw_easy_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    func downloadedBytes() -> Int {
        var n: curl_off_t = 0
        _ = fw_easy_getinfo_off_t(raw, CURLINFO_SIZE_DOWNLOAD_T, &n)
        return Int(n)
    }

    /// The absolute URL a 3xx's Location points to (libcurl resolves it
    /// against the request URL), or nil.
    func redirectURL() -> String? {
        var p: UnsafeMutablePointer<CChar>?
        guard fw_easy_getinfo_string(raw, CURLINFO_REDIRECT_URL, &p) == CURLE_OK, let p else { return nil }
        return String(cString: p)
    }

    /// The header lines of the last response received on this hop (not
    /// those of a 1xx, of a proxy's CONNECT answer, nor trailers), as
    /// received; `HTTPResponse` parses them when asked.
    ///
    /// Kept by the header callback rather than asked of
    /// `curl_easy_nextheader`: in libcurl 7.88 each of those calls cost about
    /// 4,000 instructions, more than the rest of a 304's header handling.
    func responseHeaderBlock() -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: headerBytes, count: headerCount))
    }

    // MARK: Callbacks (loop thread, inside curl_multi_perform)

    /// Keeps one header line. A status line starts a new response (after a
    /// 1xx or a proxy's CONNECT answer), so the lines kept so far are dropped;
    /// lines after the body (trailers) are not kept.
    fileprivate func receiveHeader(_ data: UnsafeRawPointer, _ count: Int) -> Int {
        let line = UnsafeRawBufferPointer(start: data, count: count)
        if HTTPHeaderLines.isStatusLine(line) {
            headerCount = 0
        } else if !bodyStarted {
            if headerCount + count > headerCapacity {
                // libcurl caps one response's headers at 300 KiB (CURL_MAX_HTTP_HEADER).
                let grown = max(headerCapacity * 2, headerCount + count)
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 1)
                bigger.copyMemory(from: headerBytes, byteCount: headerCount)
                headerBytes.deallocate()
                headerBytes = bigger
                headerCapacity = grown
            }
            (headerBytes + headerCount).copyMemory(from: data, byteCount: count)
            headerCount += count
        }
        return count
    }

    /// Appends decoded body bytes; refuses (0 → CURLE_WRITE_ERROR) past the cap.
    fileprivate func receive(_ data: UnsafeRawPointer, _ count: Int) -> Int {
        bodyStarted = true
        if body.count + count > bodyLimit {
            overLimit = true
            return 0
        }
        if body.capacity == 0 {
            var length: curl_off_t = -1
            _ = fw_easy_getinfo_off_t(raw, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length)
            body.reserveCapacity(max(count, min(Int(length), bodyLimit)))
        }
        body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: count))
        return count
    }

    /// Checks the address libcurl is about to connect to; refusing records why.
    fileprivate func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        var bytes: (UInt64, UInt64) = (0, 0)
        let n = withUnsafeMutableBytes(of: &bytes) { buf in
            fw_curl_sockaddr_ip(address, buf.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard n == 4 || n == 16 else {
            refusal = "address family \(address.pointee.family) is not IPv4 or IPv6"
            return fw_CURL_SOCKET_BAD
        }
        let ip = withUnsafeBytes(of: &bytes) { IPAddress(bytes: Array($0.prefix(Int(n)))) }!
        if case let .denied(reason) = policy.check(ip, host: policyHost) {
            refusal = reason
            return fw_CURL_SOCKET_BAD
        }
        return fw_open_socket(address)
    }
}

private let easyWriteCallback: curl_write_callback = { data, size, count, user in
    guard let data, let user else { return 0 }
    return Unmanaged<EasyHandle>.fromOpaque(user).takeUnretainedValue().receive(data, size * count)
}

private let easyHeaderCallback: curl_write_callback = { data, size, count, user in
    guard let data, let user else { return 0 }
    return Unmanaged<EasyHandle>.fromOpaque(user).takeUnretainedValue().receiveHeader(data, size * count)
}

private let easyOpenSocketCallback: curl_opensocket_callback = { user, purpose, address in
    guard let user, let address, purpose == CURLSOCKTYPE_IPCXN else { return fw_CURL_SOCKET_BAD }
    return Unmanaged<EasyHandle>.fromOpaque(user).takeUnretainedValue().openSocket(address)
}


import CCurl
import Dispatch
import FeedwireCore
import Glibc
import Synchronization

/// The loop behind `CurlTransport`: one libcurl multi handle driven by one
/// dedicated thread (`curl_multi_perform`, `curl_multi_poll`), fed through a
/// locked inbox and woken with `curl_multi_wakeup`.
///
/// Thread ownership: `inbox` is shared (under its mutex); everything else —
/// the multi and easy handles, the queue, the transfers in flight — belongs
/// to the loop thread alone. Hence `@unchecked Sendable`.
final class CurlEngine: @unchecked Sendable {
    let configuration: CurlTransportConfiguration
    private let multi = MultiHandle()

    private struct Inbox {
        var new: [Transfer] = []
        var resumed: [(Transfer, TransportError?)] = []
        var cancelRequested = false
        var closed = false
        var isEmpty: Bool { new.isEmpty && resumed.isEmpty && !cancelRequested }
    }

    private let inbox = Mutex(Inbox())

    // Loop thread only.
    private var queue: PerHostQueue<Transfer>
    /// Every easy handle created (a busy one has a `transfer`), and the idle ones.
    private var handles: [EasyHandle] = []
    private var pool: [EasyHandle] = []
    /// Transfers holding a slot but no easy handle yet: their first hop's
    /// proxy pre-check is running.
    private var checking: [ObjectIdentifier: Transfer] = [:]
    private let policyNeedsHost: Bool
    /// Completions gathered by the loop, handed to the completion queue as
    /// one block: when `deliveryBatch` are waiting, when the oldest has
    /// waited `deliveryDelay`, or when the loop goes idle. Each hand-off
    /// wakes a queue thread (a context switch on a busy 2-core machine);
    /// under load one per turn was over a thousand switches per 10,000
    /// answers, this is a few hundred, for at most 2 ms of added latency.
    private var ready: [Completed] = []
    /// `monotonicSeconds()` when the oldest of `ready` finished.
    private var readySince = 0.0
    private static let deliveryBatch = 64
    private static let deliveryDelay = 0.002

    /// A finished transfer's completion and result, waiting for `deliver`.
    private struct Completed: Sendable {
        let completion: @Sendable (Result<HTTPResponse, TransportError>) -> Void
        let result: Result<HTTPResponse, TransportError>
    }

    /// User-Agent and Accept-Encoding, formatted once for every request.
    private let headerLines: EngineHeaderLines

    init(configuration: CurlTransportConfiguration) {
        self.configuration = configuration
        headerLines = EngineHeaderLines(userAgent: configuration.userAgent)
        queue = PerHostQueue(maxTotal: configuration.maxInFlight, maxPerHost: configuration.maxPerHost)
        policyNeedsHost = configuration.policy.hasHostRules
    }

    // MARK: Any thread

    /// Queues a transfer; false when the engine is closed.
    func submit(_ t: Transfer) -> Bool {
        inbox.withLock { box in
            if box.closed { return false }
            let wake = box.isEmpty
            box.new.append(t)
            // Under the lock: the loop frees the multi handle only after it
            // has seen `closed`, which is set under this same lock.
            if wake { _ = fw_curl_multi_wakeup(multi.raw) }
            return true
        }
    }

    /// A proxy pre-check finished (on a resolver thread).
    private func resume(_ t: Transfer, _ error: TransportError?) {
        inbox.withLock { box in
            // When closed, the loop has already completed `t` with .cancelled.
            if box.closed { return }
            let wake = box.isEmpty
            box.resumed.append((t, error))
            if wake { _ = fw_curl_multi_wakeup(multi.raw) }
        }
    }

    func requestCancelAll() {
        inbox.withLock { box in
            if box.closed { return }
            let wake = box.isEmpty
            box.cancelRequested = true
            if wake { _ = fw_curl_multi_wakeup(multi.raw) }
        }
    }

    /// Returns false when already closed.
    func close() -> Bool {
        inbox.withLock { box in
            if box.closed { return false }
            box.closed = true
            _ = fw_curl_multi_wakeup(multi.raw)
            return true
        }
    }

    // MARK: Loop thread

    func run() {
        // A write to a reset TLS connection must not kill the daemon
        // (CURLOPT_NOSIGNAL covers libcurl's own sends, not OpenSSL's).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &set, nil)

        var running: Int32 = 0
        while true {
            let (new, resumed, cancel, closed) = inbox.withLock { box in
                let taken = (box.new, box.resumed, box.cancelRequested, box.closed)
                box.new = []
                box.resumed = []
                box.cancelRequested = false
                return taken
            }
            if closed {
                cancelEverything()
                for t in new { complete(t, .failure(.cancelled)) }
                deliver()
                break
            }
            if cancel { cancelEverything() }
            for t in new { admit(t) }
            for (t, error) in resumed where !t.done {
                if t.isChecking {
                    checking[ObjectIdentifier(t)] = nil
                    t.isChecking = false
                }
                if let error {
                    finish(t, .failure(error))
                } else {
                    t.targetChecked = true
                    startHop(t)
                }
            }
            startQueued()
            _ = fw_curl_multi_perform(multi.raw, &running)
            readMessages()
            let started = startQueued()
            var timeout: Int32 = 1000
            if !ready.isEmpty {
                let waited = monotonicSeconds() - readySince
                if ready.count >= Self.deliveryBatch || waited >= Self.deliveryDelay || running == 0 {
                    deliver()
                } else {
                    timeout = Int32(((Self.deliveryDelay - waited) * 1000).rounded(.up))
                }
            }
            if started { continue }
            // With completions waiting, the poll lasts at most until they are due.
            _ = fw_curl_multi_poll(multi.raw, nil, 0, timeout, nil)
        }
        pool.removeAll()
        handles.removeAll()
    }

    /// Validates a new transfer and queues it behind the per-host limits.
    private func admit(_ t: Transfer) {
        guard let parts = URLParts(t.url) else {
            return complete(t, .failure(.invalidURL("\(t.url) is not an absolute http:// or https:// URL")))
        }
        guard parts.scheme == "http" || parts.scheme == "https" else {
            return complete(t, .failure(.protocolNotAllowed("\(parts.scheme)://")))
        }
        guard !parts.host.isEmpty else {
            return complete(t, .failure(.invalidURL("\(t.url) has no host")))
        }
        if let name = t.invalidHeader {
            return complete(t, .failure(.other("request header \"\(name)\" has a name or value that is not allowed in HTTP")))
        }
        t.parts = parts
        t.hostKey = parts.host
        queue.enqueue(t, host: parts.host)
    }

    /// Starts what the limits allow; true when something started.
    @discardableResult
    private func startQueued() -> Bool {
        var started = false
        // One clock reading for every transfer started in this turn: they
        // all got their slot now (microseconds apart at most).
        var now = 0.0
        while let (t, _) = queue.next() {
            if !started { now = monotonicSeconds() }
            t.started = now
            startHop(t, now: now)
            started = true
        }
        return started
    }

    /// - Parameter now: `monotonicSeconds()` when the caller already read it.
    private func startHop(_ t: Transfer, now: Double? = nil) {
        let remaining = t.request.limits.totalTimeout - ((now ?? monotonicSeconds()) - t.started)
        guard remaining > 0 else {
            return finish(t, .failure(.timeout("no time left after \(t.redirects) redirects")))
        }
        let proxy = configuration.proxy.isEmpty ? nil : configuration.proxy.proxy(for: t.parts)
        if let proxy, !t.targetChecked {
            return checkTarget(t, proxy: proxy)
        }
        let policyHost: String?
        if let proxy {
            policyHost = policyNeedsHost ? CurlURL.host(of: proxy) : nil
        } else {
            policyHost = policyNeedsHost ? CurlURL.host(of: t.url) : nil
        }
        let easy = t.easy ?? takeEasy()
        t.easy = easy
        easy.transfer = t
        easy.prepare(t, remaining: remaining, proxy: proxy, policyHost: policyHost)
        let rc = fw_curl_multi_add_handle(multi.raw, easy.raw)
        guard rc == CURLM_OK else {
            return finish(t, .failure(.other("libcurl refused the transfer: \(String(cString: fw_curl_multi_strerror(rc)))")))
        }
        easy.isAdded = true
    }

    /// Through a proxy the open-socket hook only sees the proxy, so the
    /// target's addresses are resolved and checked first, off this thread.
    private func checkTarget(_ t: Transfer, proxy: String) {
        guard let host = CurlURL.host(of: t.url) else {
            return finish(t, .failure(.invalidURL(t.url)))
        }
        if t.easy == nil {
            checking[ObjectIdentifier(t)] = t
            t.isChecking = true
        }
        let policy = configuration.policy
        DispatchQueue.global().async { [self] in
            resume(t, TargetCheck.check(host: host, policy: policy))
        }
    }

    private func takeEasy() -> EasyHandle {
        if let easy = pool.popLast() { return easy }
        let easy = EasyHandle(constantLines: headerLines, policy: configuration.policy)
        handles.append(easy)
        return easy
    }

    private func readMessages() {
        var left: Int32 = 0
        while let msg = fw_curl_multi_info_read(multi.raw, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let handle = msg.pointee.easy_handle else { continue }
            let code = fw_msg_result(msg)
            var priv: UnsafeMutableRawPointer?
            _ = fw_easy_getinfo_pointer(handle, CURLINFO_PRIVATE, &priv)
            _ = fw_curl_multi_remove_handle(multi.raw, handle)  // `msg` is invalid from here on
            guard let priv else { continue }
            let easy = Unmanaged<EasyHandle>.fromOpaque(priv).takeUnretainedValue()
            easy.isAdded = false
            hopDone(easy, code)
        }
    }

    private func hopDone(_ easy: EasyHandle, _ code: CURLcode) {
        guard let t = easy.transfer, !t.done else { return }
        t.wireBytes += easy.downloadedBytes()
        guard code == CURLE_OK else {
            if easy.overLimit || code == CURLE_FILESIZE_EXCEEDED {
                return finish(t, .failure(.tooLarge(limit: t.request.limits.maxBodyBytes)))
            }
            if let refusal = easy.refusal, code == CURLE_COULDNT_CONNECT {
                return finish(t, .failure(.refusedByPolicy(refusal)))
            }
            var error = CurlError.transportError(code, detail: easy.errorDetail(code))
            if case .tooManyRedirects = error { error = .tooManyRedirects(t.request.limits.maxRedirects) }
            return finish(t, .failure(error))
        }
        let status = easy.responseCode()
        if t.request.followRedirects, Self.isFollowedRedirect(status), let next = easy.redirectURL() {
            guard let nextParts = URLParts(next), nextParts.scheme == "http" || nextParts.scheme == "https" else {
                let scheme = URLParts(next)?.scheme ?? "?"
                return finish(t, .failure(.protocolNotAllowed("\(t.url) redirects to \(scheme)://")))
            }
            guard t.redirects < t.request.limits.maxRedirects else {
                return finish(t, .failure(.tooManyRedirects(t.request.limits.maxRedirects)))
            }
            t.followRedirect(status: status, to: next, nextParts: nextParts)
            return startHop(t)
        }
        let response = HTTPResponse(
            status: status, headerBlock: easy.responseHeaderBlock(), body: easy.takeBody(), finalURL: t.url,
            redirects: t.redirects, permanentRedirect: t.redirects > 0 && t.allPermanent,
            wireBytes: t.wireBytes, seconds: monotonicSeconds() - t.started)
        finish(t, .success(response))
    }

    /// The 3xx statuses followed hop by hop (RFC 9110 §15.4; not 300, 304, 305).
    private static func isFollowedRedirect(_ status: Int) -> Bool {
        switch status {
        case 301, 302, 303, 307, 308: return true
        default: return false
        }
    }

    /// Completes a transfer that held a slot.
    private func finish(_ t: Transfer, _ result: Result<HTTPResponse, TransportError>) {
        guard !t.done else { return }
        if t.isChecking {
            checking[ObjectIdentifier(t)] = nil
            t.isChecking = false
        }
        if let easy = t.easy {
            if easy.isAdded {
                _ = fw_curl_multi_remove_handle(multi.raw, easy.raw)
                easy.isAdded = false
            }
            easy.release()
            pool.append(easy)
            t.easy = nil
        }
        queue.finished(host: t.hostKey)
        complete(t, result)
    }

    /// Hands the result to the completion queue (exactly once).
    private func complete(_ t: Transfer, _ result: Result<HTTPResponse, TransportError>) {
        guard !t.done else { return }
        t.done = true
        t.headerList = nil
        if ready.isEmpty { readySince = monotonicSeconds() }
        ready.append(Completed(completion: t.completion, result: result))
    }

    /// Hands this turn's completions to the completion queue, in order.
    private func deliver() {
        guard !ready.isEmpty else { return }
        let batch = ready
        ready = []
        configuration.completionQueue.async {
            for c in batch { c.completion(c.result) }
        }
    }

    private func cancelEverything() {
        for easy in handles { if let t = easy.transfer { finish(t, .failure(.cancelled)) } }
        for t in Array(checking.values) { finish(t, .failure(.cancelled)) }
        for t in queue.removeAllWaiting() { complete(t, .failure(.cancelled)) }
    }
}

/// The proxy pre-check: resolve the target and check every address.
enum TargetCheck {
    static func check(host: String, policy: NetworkPolicy) -> TransportError? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &result)
        guard rc == 0, let first = result else {
            return .dns("\(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let n = node {
            if let sa = n.pointee.ai_addr {
                var bytes = [UInt8](repeating: 0, count: 16)
                let count = Int(fw_sockaddr_ip(sa, &bytes))
                if count == 4 || count == 16, let ip = IPAddress(bytes: Array(bytes.prefix(count))),
                   case let .denied(reason) = policy.check(ip, host: host) {
                    return .refusedByPolicy("\(host) resolves to \(reason) (checked before sending through the proxy)")
                }
            }
            node = n.pointee.ai_next
        }
        return nil
    }
}

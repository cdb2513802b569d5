import CCurl
import Dispatch
import FeedwireCore
import Glibc
import Synchronization

/// Feedwire's HTTP engine: every feed poll and every webhook goes through
/// one of these (one per process).
///
/// **Why a dedicated thread with `curl_multi_poll` rather than Dispatch
/// sources per socket** (platform-notes §2 built both, with the same
/// throughput): libcurl's socket
/// and timer callbacks fire re-entrantly from inside `socket_action`, and a
/// DispatchSource per socket needs deferred close and cancellation dances so
/// a source never outlives its fd. One thread that owns the multi handle and
/// sleeps in `curl_multi_poll` has none of that: libcurl tracks its own
/// sockets and timeouts, `curl_multi_wakeup` (thread-safe) interrupts the
/// poll when work arrives, and all libcurl state is touched by one thread,
/// which is what libcurl requires of a multi handle. The cost is one thread,
/// mostly asleep. Completions are dispatched to
/// `configuration.completionQueue`, never run on the loop thread, so parsing
/// or SQLite work cannot stall other transfers.
///
/// Guarantees: `send`'s completion runs exactly once (on the completion
/// queue), also for transfers still queued or in flight at `shutdown()`
/// (`.cancelled`). Safe to call from any thread.
///
/// What it enforces on every transfer: http/https only (including
/// redirects, at most `maxRedirects`, followed hop by hop); the network
/// policy on the address actually connected (open-socket hook), and through
/// a proxy on the target's resolved addresses too; the decoded body cap in
/// the write callback (compression bombs stop at the cap); connect, total and
/// low-speed timeouts; TLS verification unless the request opts out;
/// `Accept-Encoding` for everything this libcurl decodes; the global and
/// per-host in-flight limits.
public final class CurlTransport: HTTPTransport {
    public let configuration: CurlTransportConfiguration
    private let engine: CurlEngine
    private let thread: pthread_t
    private let joined = Mutex(false)

    public init(configuration: CurlTransportConfiguration = CurlTransportConfiguration()) {
        self.configuration = configuration
        let engine = CurlEngine(configuration: configuration)
        self.engine = engine
        var tid = pthread_t()
        let box = Unmanaged.passRetained(engine).toOpaque()
        let rc = pthread_create(&tid, nil, { arg in
            let engine = Unmanaged<CurlEngine>.fromOpaque(arg!).takeRetainedValue()
            engine.run()
            return nil
        }, box)
        precondition(rc == 0, "cannot start the HTTP engine thread: \(String(cString: strerror(rc)))")
        thread = tid
    }

    deinit { shutdown() }

    public func send(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, TransportError>) -> Void) {
        let transfer = Transfer(request, completion: completion)
        if !engine.submit(transfer) {
            configuration.completionQueue.async { completion(.failure(.cancelled)) }
        }
    }

    /// Completes every queued and in-flight transfer with `.cancelled`; the
    /// engine keeps running for new requests.
    public func cancelAll() { engine.requestCancelAll() }

    /// Completes every queued and in-flight transfer with `.cancelled`, stops
    /// the loop and waits for its thread (for SIGTERM). Later `send`s complete
    /// with `.cancelled` at once. Idempotent. The completions are on the
    /// completion queue when this returns, not necessarily run yet.
    public func shutdown() {
        _ = engine.close()
        let mustJoin = joined.withLock { done -> Bool in
            if done { return false }
            done = true
            return true
        }
        guard mustJoin, pthread_equal(pthread_self(), thread) == 0 else { return }
        pthread_join(thread, nil)
    }
}

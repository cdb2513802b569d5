import Dispatch
import FeedwireCore
import Synchronization

/// An `HTTPTransport` that answers from a script and records every request.
/// Completions run asynchronously on a global queue, as the real engine's do.
public final class FakeTransport: HTTPTransport {
    public typealias Handler = @Sendable (HTTPRequest) -> Result<HTTPResponse, TransportError>

    private let handler: Mutex<Handler>
    private let log = Mutex<[HTTPRequest]>([])

    public init(_ handler: @escaping Handler = { request in .success(HTTPResponse(status: 200, finalURL: request.url)) }) {
        self.handler = Mutex(handler)
    }

    public func setHandler(_ handler: @escaping Handler) { self.handler.withLock { $0 = handler } }

    /// Every request sent so far, in order.
    public var requests: [HTTPRequest] { log.withLock { $0 } }

    public func send(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, TransportError>) -> Void) {
        log.withLock { $0.append(request) }
        let result = handler.withLock { $0 }(request)
        DispatchQueue.global().async { completion(result) }
    }
}

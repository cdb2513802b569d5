import Dispatch
import FeedwireCore
import Foundation

/// An `HTTPTransport` for `http://127.0.0.1:<port>/…` URLs built on
/// `LoopbackHTTP`, for tests of code above the transport seam that want a
/// real server (chat_sink.py) without libcurl. No redirects, TLS or
/// compression: tests of those use FeedwireCurl.
public final class LoopbackTransport: HTTPTransport {
    public init() {}

    public func send(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, TransportError>) -> Void) {
        DispatchQueue.global().async {
            let prefix = "http://127.0.0.1:"
            guard request.url.hasPrefix(prefix) else {
                completion(.failure(.invalidURL("LoopbackTransport only serves \(prefix)…: \(request.url)")))
                return
            }
            let rest = request.url.dropFirst(prefix.count)
            let portText = rest.prefix { $0.isNumber }
            let path = String(rest.dropFirst(portText.count))
            guard let port = Int(portText) else {
                completion(.failure(.invalidURL(request.url)))
                return
            }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name] = field.value }
            let started = Date()
            do {
                let answer = try LoopbackHTTP.request(port: port, method: request.method.rawValue, path: path.isEmpty ? "/" : path,
                                                      body: request.body ?? [], headers: headers,
                                                      timeout: Int(request.limits.totalTimeout.rounded(.up)))
                completion(.success(HTTPResponse(status: answer.status, headers: answer.headers, body: answer.body,
                                                 finalURL: request.url, wireBytes: answer.body.count,
                                                 seconds: Date().timeIntervalSince(started))))
            } catch {
                completion(.failure(.connect("\(error)")))
            }
        }
    }
}

import FeedwireCore

/// The HTTP transport and the outbox the notification commands use.
///
/// WIRING GAP (notify branch): both come from work that is not on main yet.
/// When the fetch engine lands, `make` becomes
/// `CurlTransport(configuration: try CurlTransportConfiguration(settings: settings))`;
/// when the SQLite store lands, `openOutbox` becomes
/// `try SQLiteStore(path: path, mode: .writer)` (it conforms to `DeliveryQueue`).
enum WebhookTransport {
    static func make(_ settings: DaemonSettings) throws -> HTTPTransport {
        throw CommandFailure.cannotStart("this build has no HTTP engine yet (FeedwireCurl CurlTransport); notifications cannot be sent")
    }

    static func openOutbox(path: String) throws -> DeliveryQueue {
        throw CommandFailure.cannotStart("this build has no state store yet (SQLiteStore); cannot open the outbox in \(path)")
    }
}

import FeedwireCore
import FeedwireCurl

/// The HTTP transport and the outbox the notification commands use.
enum WebhookTransport {
    /// The production engine with `[daemon]`'s network policy, proxy and contact.
    static func make(_ settings: DaemonSettings) throws -> HTTPTransport {
        do {
            return CurlTransport(configuration: try CurlTransportConfiguration(settings: settings))
        } catch {
            throw CommandFailure.cannotStart("[daemon] allow_networks/deny_networks: \(error)")
        }
    }

    /// WIRING GAP (notify branch): the SQLite store is not on main yet. When
    /// it lands this becomes `try SQLiteStore(path: path, mode: .writer)`
    /// (it conforms to `DeliveryQueue`).
    static func openOutbox(path: String) throws -> DeliveryQueue {
        throw CommandFailure.cannotStart("this build has no state store yet (SQLiteStore); cannot open the outbox in \(path)")
    }
}

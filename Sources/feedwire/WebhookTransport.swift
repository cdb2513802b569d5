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

    /// The outbox in the state database. Listing opens it as a reader, so
    /// it works while the daemon runs; retry and drop change rows and take
    /// the single-writer lock (the daemon must be stopped: its error says so).
    static func openOutbox(path: String, writing: Bool) throws -> DeliveryQueue {
        do {
            return try SQLiteStore(path: path, mode: writing ? .writer : .reader)
        } catch {
            throw CommandFailure.cannotStart("feedwire outbox: \(error)")
        }
    }
}

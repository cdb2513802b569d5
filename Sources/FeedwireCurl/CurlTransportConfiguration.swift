import Dispatch
import FeedwireCore
import Glibc

/// How a `CurlTransport` behaves. Per-request bounds (timeouts, body cap,
/// redirects) travel in each `HTTPRequest`'s `TransferLimits`.
public struct CurlTransportConfiguration: Sendable {
    /// Transfers in flight at once (defaults.md: 32).
    public var maxInFlight: Int = 32
    /// Transfers in flight to one host at once (defaults.md: 4).
    public var maxPerHost: Int = 4
    /// `Feedwire/<version> (+contact)` unless a request sets its own.
    public var userAgent: String = FeedwireVersion.userAgent(contact: nil)
    /// Checked on the address of every connection, every hop.
    public var policy: NetworkPolicy = NetworkPolicy()
    /// Which proxy a request uses (none by default; see `fromEnvironment`).
    public var proxy: ProxySettings = ProxySettings()
    /// Where completions run. Never the engine's own thread, so a slow
    /// consumer (parsing, SQLite) cannot stall other transfers.
    public var completionQueue: DispatchQueue = .global()

    public init(maxInFlight: Int = 32, maxPerHost: Int = 4, userAgent: String = FeedwireVersion.userAgent(contact: nil),
                policy: NetworkPolicy = NetworkPolicy(), proxy: ProxySettings = ProxySettings(),
                completionQueue: DispatchQueue = .global()) {
        self.maxInFlight = maxInFlight
        self.maxPerHost = maxPerHost
        self.userAgent = userAgent
        self.policy = policy
        self.proxy = proxy
        self.completionQueue = completionQueue
    }

    /// From `[daemon]`: limits, contact, allow/deny networks, and the proxy
    /// from `proxy` or, when that is empty, the process environment.
    public init(settings: DaemonSettings, completionQueue: DispatchQueue = .global()) throws(NetworkPolicyError) {
        self.init(maxInFlight: settings.maxInFlight, maxPerHost: settings.maxPerHost,
                  userAgent: FeedwireVersion.userAgent(contact: settings.contact),
                  policy: try NetworkPolicy(allowing: settings.allowNetworks, denying: settings.denyNetworks),
                  proxy: CurlTransportConfiguration.environmentProxy(configured: settings.proxy),
                  completionQueue: completionQueue)
    }

    /// Proxy settings from `configured` or this process's environment
    /// (`http_proxy`, `https_proxy`, `all_proxy`, `no_proxy`, …).
    public static func environmentProxy(configured: String = "") -> ProxySettings {
        var env: [String: String] = [:]
        for name in ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"] {
            if let v = getenv(name) { env[name] = String(cString: v) }
        }
        return ProxySettings(configured: configured, environment: env)
    }
}

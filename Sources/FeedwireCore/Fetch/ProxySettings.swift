/// Which proxy a request goes through, decided here rather than by libcurl's
/// own environment lookup so the engine knows when the target's addresses
/// must be checked before the request (a proxy connects on our behalf, so
/// the open-socket check only ever sees the proxy).
///
/// Sources, in order: `[daemon] proxy` (every URL), else the usual
/// environment variables with libcurl's semantics: `http_proxy` (lower case
/// only: the upper-case form can be injected through CGI, "httpoxy"),
/// `https_proxy`/`HTTPS_PROXY`, `all_proxy`/`ALL_PROXY`. In both cases
/// `no_proxy`/`NO_PROXY` lists exceptions: `*`, host names (matching the name
/// and its subdomains, with or without a leading dot) and addresses or CIDRs
/// (matching IP-literal hosts).
public struct ProxySettings: Sendable, Equatable {
    public var httpProxy: String?
    public var httpsProxy: String?
    public var noProxy: [String]

    /// No proxy at all.
    public init() {
        httpProxy = nil
        httpsProxy = nil
        noProxy = []
    }

    public init(httpProxy: String?, httpsProxy: String?, noProxy: [String] = []) {
        self.httpProxy = httpProxy.flatMap { $0.isEmpty ? nil : $0 }
        self.httpsProxy = httpsProxy.flatMap { $0.isEmpty ? nil : $0 }
        self.noProxy = noProxy
    }

    /// - Parameters:
    ///   - configured: `[daemon] proxy` (empty: use the environment).
    ///   - environment: the process environment.
    public init(configured: String, environment: [String: String]) {
        func env(_ names: String...) -> String? {
            for n in names { if let v = environment[n], !v.isEmpty { return v } }
            return nil
        }
        let all = env("all_proxy", "ALL_PROXY")
        if !configured.isEmpty {
            httpProxy = configured
            httpsProxy = configured
        } else {
            httpProxy = env("http_proxy") ?? all
            httpsProxy = env("https_proxy", "HTTPS_PROXY") ?? all
        }
        noProxy = (env("no_proxy", "NO_PROXY") ?? "").split(separator: ",").map { String($0.trimmingWhitespace) }
            .filter { !$0.isEmpty }
    }

    public var isEmpty: Bool { httpProxy == nil && httpsProxy == nil }

    /// The proxy URL for a request to `url`, or nil to connect directly.
    public func proxy(for url: URLParts) -> String? {
        let candidate: String?
        switch url.scheme {
        case "http": candidate = httpProxy
        case "https": candidate = httpsProxy
        default: candidate = nil
        }
        guard let proxy = candidate else { return nil }
        return bypasses(url.host) ? nil : proxy
    }

    /// True when `host` (lower case) matches a `no_proxy` entry.
    public func bypasses(_ host: String) -> Bool {
        let literal = IPAddress(host)
        for raw in noProxy {
            if raw == "*" { return true }
            if let literal, let net = IPNetwork(raw) {
                if net.contains(literal) { return true }
                continue
            }
            var entry = HostPattern.normalize(raw)
            if entry.hasPrefix("*.") { entry.removeFirst(2) } else if entry.hasPrefix(".") { entry.removeFirst() }
            if entry.isEmpty { continue }
            if host == entry || host.hasSuffix("." + entry) { return true }
        }
        return false
    }
}

import FeedwireCore
import Testing

@Suite struct CIDRTests {
    @Test func containsAndNormalises() throws {
        let net = try #require(IPNetwork("10.1.2.3/8"))
        #expect(net.description == "10.0.0.0/8")
        #expect(net.contains(IPAddress("10.255.255.255")!))
        #expect(!net.contains(IPAddress("11.0.0.0")!))
        #expect(!net.contains(IPAddress("::ffff:10.0.0.1")!), "families are matched separately")

        let ula = try #require(IPNetwork("fc00::/7"))
        #expect(ula.contains(IPAddress("fdff::1")!))
        #expect(!ula.contains(IPAddress("fe00::1")!))

        #expect(IPNetwork("0.0.0.0/0")!.contains(IPAddress("203.0.113.1")!))
        #expect(IPNetwork("::/0")!.contains(IPAddress("2001:db8::1")!))
        #expect(!IPNetwork("::/0")!.contains(IPAddress("1.2.3.4")!))
        #expect(IPNetwork("127.0.0.1")?.description == "127.0.0.1/32")
        #expect(IPNetwork("::1")?.description == "::1/128")
        #expect(IPNetwork(" 192.168.0.0/16 ")?.prefixLength == 16)
        #expect(IPNetwork("2001:db8::/33")!.contains(IPAddress("2001:db8:7fff::1")!))
        #expect(!IPNetwork("2001:db8::/33")!.contains(IPAddress("2001:db8:8000::1")!))
        #expect(IPNetwork("2001:db8::1:0/112")!.contains(IPAddress("2001:db8::1:ffff")!))
    }

    @Test(arguments: ["10.0.0.0/33", "10.0.0.0/", "/8", "fc00::/129", "10.0.0.0/-1", "10.0.0.0/8/9", "10.0.0.0/a", "host/8", ""])
    func rejects(_ text: String) {
        #expect(IPNetwork(text) == nil)
    }
}

@Suite struct NetworkPolicyTests {
    let loopback = IPAddress("127.0.0.1")!

    @Test func defaultDeniesSpecialAllowsPublic() {
        let p = NetworkPolicy()
        #expect(!p.check(loopback).isAllowed)
        #expect(p.check(IPAddress("9.9.9.9")!).isAllowed)
    }

    @Test func allowWinsOverDefaultDeny() throws {
        let p = try NetworkPolicy(allowing: ["127.0.0.0/8"])
        #expect(p.check(loopback) == .allowed)
        #expect(p.check(IPAddress("127.0.0.2")!) == .allowed)
        #expect(p.check(IPAddress("::ffff:127.0.0.1")!) == .allowed, "an IPv4 allow covers its mapped form")
        #expect(!p.check(IPAddress("::1")!).isAllowed, "IPv6 loopback is a different network")
        #expect(!p.check(IPAddress("10.0.0.1")!).isAllowed)
    }

    @Test func denyWinsOverBoth() throws {
        let p = try NetworkPolicy(allowing: ["127.0.0.0/8"], denying: ["127.0.0.2/32", "9.9.9.0/24"])
        #expect(p.check(loopback) == .allowed)
        guard case let .denied(reason) = p.check(IPAddress("127.0.0.2")!) else {
            Issue.record("127.0.0.2 allowed")
            return
        }
        #expect(reason.contains("deny_networks") && reason.contains("127.0.0.2/32"))
        #expect(!p.check(IPAddress("9.9.9.9")!).isAllowed, "deny applies to public space too")
        #expect(!p.check(IPAddress("::ffff:9.9.9.9")!).isAllowed, "and to its mapped form")
    }

    @Test func hostAllowMatchesRequestHostOnly() throws {
        let p = try NetworkPolicy(allowing: ["feeds.internal", "*.corp.example", ".lab.example"])
        let private10 = IPAddress("10.0.0.5")!
        #expect(p.check(private10, host: "feeds.internal") == .allowed)
        #expect(p.check(private10, host: "FEEDS.Internal.") == .allowed)
        #expect(!p.check(private10, host: "other.internal").isAllowed)
        #expect(!p.check(private10).isAllowed, "no host, no host match")
        #expect(p.check(private10, host: "a.corp.example") == .allowed)
        #expect(!p.check(private10, host: "corp.example").isAllowed, "*. means subdomains only")
        #expect(p.check(private10, host: "lab.example") == .allowed)
        #expect(p.check(private10, host: "x.y.lab.example") == .allowed)
        #expect(!p.check(private10, host: "evil-lab.example").isAllowed)
        #expect(p.hasHostRules)
        #expect(try !NetworkPolicy(allowing: ["10.0.0.0/8"]).hasHostRules)
    }

    @Test func hostDenyWinsOverNetworkAllow() throws {
        let p = try NetworkPolicy(allowing: ["0.0.0.0/0"], denying: ["tracker.example"])
        #expect(!p.check(IPAddress("8.8.8.8")!, host: "tracker.example").isAllowed)
        #expect(p.check(IPAddress("8.8.8.8")!, host: "news.example") == .allowed)
        #expect(p.check(loopback, host: "news.example") == .allowed)
    }

    @Test(arguments: ["10.0.0.0/33", "not a host", "-", "a..b", "http://x/", "1.2.3.4/x"])
    func invalidEntriesNamed(_ entry: String) {
        do {
            _ = try NetworkPolicy(allowing: [entry])
            Issue.record("\(entry) accepted")
        } catch {
            #expect(error.entry == entry)
            #expect(error.description.contains("allow_networks"))
        }
    }

    @Test func deniedMessageNamesEmbeddedAddress() {
        guard case let .denied(reason) = NetworkPolicy().check(IPAddress("::ffff:169.254.169.254")!) else {
            Issue.record("allowed")
            return
        }
        #expect(reason.contains("embeds 169.254.169.254"))
    }
}

@Suite struct URLPartsTests {
    @Test func parses() throws {
        let a = try #require(URLParts("HTTPS://User:pw@Example.COM:8443/feed?x=1#f"))
        #expect(a.scheme == "https" && a.host == "example.com" && a.port == 8443)
        let b = try #require(URLParts("http://[::1]:8080/x"))
        #expect(b.host == "::1" && b.port == 8080 && b.effectivePort == 8080)
        let c = try #require(URLParts("http://news.example./"))
        #expect(c.host == "news.example" && c.effectivePort == 80)
        #expect(URLParts("https://a.example")?.effectivePort == 443)
        #expect(URLParts("http://a@b@c.example/")?.host == "c.example")
        #expect(URLParts("gopher://x/")?.scheme == "gopher")
        #expect(URLParts("example.com/feed") == nil)
        #expect(URLParts("http://x:99999/") == nil)
        #expect(URLParts("http://[::1/") == nil)
    }
}

@Suite struct ProxySettingsTests {
    @Test func environmentLikeLibcurl() {
        let p = ProxySettings(configured: "", environment: [
            "HTTP_PROXY": "http://injected:1", "https_proxy": "http://tls-proxy:3128",
            "all_proxy": "http://all:8080", "no_proxy": "localhost, .internal.example,10.0.0.0/8,exact.example",
        ])
        #expect(p.proxy(for: URLParts("http://news.example/")!) == "http://all:8080", "upper-case HTTP_PROXY is ignored")
        #expect(p.proxy(for: URLParts("https://news.example/")!) == "http://tls-proxy:3128")
        #expect(p.proxy(for: URLParts("http://localhost/")!) == nil)
        #expect(p.proxy(for: URLParts("http://a.internal.example/")!) == nil)
        #expect(p.proxy(for: URLParts("http://internal.example/")!) == nil)
        #expect(p.proxy(for: URLParts("http://10.2.3.4/")!) == nil)
        #expect(p.proxy(for: URLParts("http://11.2.3.4/")!) == "http://all:8080")
        #expect(p.proxy(for: URLParts("http://sub.exact.example/")!) == nil)
        #expect(p.proxy(for: URLParts("http://notexact.example/")!) == "http://all:8080")
    }

    @Test func configuredWinsAndStar() {
        let p = ProxySettings(configured: "http://cfg:3128", environment: ["http_proxy": "http://env:1"])
        #expect(p.proxy(for: URLParts("http://x.example/")!) == "http://cfg:3128")
        #expect(p.proxy(for: URLParts("https://x.example/")!) == "http://cfg:3128")
        let star = ProxySettings(configured: "http://cfg:3128", environment: ["NO_PROXY": "*"])
        #expect(star.proxy(for: URLParts("http://x.example/")!) == nil)
        #expect(ProxySettings().proxy(for: URLParts("http://x.example/")!) == nil)
        #expect(ProxySettings(configured: "", environment: [:]).isEmpty)
    }
}

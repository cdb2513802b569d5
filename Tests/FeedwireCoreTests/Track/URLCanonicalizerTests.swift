@testable import FeedwireCore
import Testing

@Suite struct URLCanonicalizerTests {
    @Test(arguments: [
        ("HTTPS://Example.COM/Story/1", "https://example.com/Story/1"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=c0001&utm_content=5", "https://example.com/a"),
        ("https://example.com/read?id=5&utm_source=rss", "https://example.com/read?id=5"),
        ("https://example.com/a?fbclid=x&gclid=y&dclid=z&msclkid=1&mc_cid=2&mc_eid=3&ocid=4&cmpid=5&_ga=6&igshid=7&yclid=8&ref_src=9",
         "https://example.com/a"),
        ("https://example.com/a?UTM_Source=x&b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?b=2&&a=1&", "https://example.com/a?a=1&b=2"),
        ("https://example.com/%7euser/a%2fb%c3%a9", "https://example.com/~user/a%2Fb%C3%A9"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("tag:example.com,2025:wire/1", "tag:example.com,2025:wire/1"),
        ("https://user@Example.com/a", "https://user@example.com/a"),
        ("https://[::1]:8443/a", "https://[::1]:8443/a"),
    ])
    func canonicalForms(_ input: String, _ expected: String) {
        #expect(URLCanonicalizer.canonical(input) == expected)
    }

    @Test func imageQueriesDropOnlyWhenAsked() {
        let url = "https://cdn.example.com/img/a.JPG?w=640&h=360&cb=123"
        #expect(URLCanonicalizer.canonical(url, dropImageQuery: true) == "https://cdn.example.com/img/a.JPG")
        #expect(URLCanonicalizer.canonical(url) == "https://cdn.example.com/img/a.JPG?cb=123&h=360&w=640")
        #expect(URLCanonicalizer.canonical("https://x.com/page?w=1", dropImageQuery: true) == "https://x.com/page?w=1")
    }

    @Test func storyURLs() {
        #expect(URLCanonicalizer.isStoryURL("https://wire.example.com/story/7"))
        #expect(URLCanonicalizer.isStoryURL("https://tracker.example.net/read?id=5"))
        #expect(!URLCanonicalizer.isStoryURL("https://tracker.example.net/"))
        #expect(!URLCanonicalizer.isStoryURL("tag:x,2025:1"))
        #expect(URLCanonicalizer.isWebURL("HTTP://x"))
        #expect(!URLCanonicalizer.isWebURL("urn:uuid:1"))
    }
}

@Suite struct FingerprintTests {
    @Test func urlKeysGroupByHost() {
        let a = Fingerprint.url("https://wire.example.com/story/1")
        let b = Fingerprint.url("https://wire.example.com/story/2")
        let c = Fingerprint.url("https://kyiv.example.ua/story/1")
        #expect(a != b)
        #expect(a >> 48 == b >> 48)
        #expect(a >> 48 != c >> 48)
        #expect(Fingerprint.url("tag:x,2025:1") == Fingerprint.url("tag:x,2025:1"))
        #expect(Fingerprint.hostPart("https://h.example/a?b") == "h.example")
        #expect(Fingerprint.hostPart("urn:uuid:1") == nil)
    }

    @Test func keysAreStableAndSeparated() {
        #expect(Fingerprint.of("abc") == Fingerprint.of("abc"))
        #expect(Fingerprint.of(["ab", "c"]) != Fingerprint.of(["a", "bc"]))
        #expect(Fingerprint.combine([1, 2]) != Fingerprint.combine([2, 1]))
        #expect(Fingerprint.document([1, 2, 3], base: nil) != Fingerprint.document([1, 2, 3], base: "x"))
    }
}

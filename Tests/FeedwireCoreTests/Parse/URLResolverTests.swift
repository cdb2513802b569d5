import FeedwireCore
import Testing

@Suite struct URLResolverTests {
    /// RFC 3986 §5.4.1 normal examples and §5.4.2 abnormal ones.
    @Test(arguments: [
        ("g:h", "g:h"), ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"), ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"), ("g#s", "http://a/b/c/g#s"), ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"), ("g;x", "http://a/b/c/g;x"), ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"), ("..", "http://a/b/"),
        ("../", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"), ("../../", "http://a/"),
        ("../../g", "http://a/g"),
        ("../../../g", "http://a/g"), ("../../../../g", "http://a/g"), ("/./g", "http://a/g"), ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."), (".g", "http://a/b/c/.g"), ("g..", "http://a/b/c/g.."), ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"), ("./g/.", "http://a/b/c/g/"), ("g/./h", "http://a/b/c/g/h"),
        ("g/../h", "http://a/b/c/h"), ("g;x=1/./y", "http://a/b/c/g;x=1/y"), ("g;x=1/../y", "http://a/b/c/y"),
        ("g?y/./x", "http://a/b/c/g?y/./x"), ("g?y/../x", "http://a/b/c/g?y/../x"), ("g#s/./x", "http://a/b/c/g#s/./x"),
        ("g#s/../x", "http://a/b/c/g#s/../x"),
    ])
    func rfc3986Examples(_ reference: String, _ expected: String) {
        #expect(URLResolver.resolve(reference, against: "http://a/b/c/d;p?q") == expected)
    }

    @Test func absoluteReferencesAreKeptAsWritten() {
        #expect(URLResolver.resolve(" https://x.example/a/../b?q=1 ", against: "http://a/") == "https://x.example/a/../b?q=1")
        #expect(URLResolver.resolve("mailto:desk@x.example", against: "http://a/") == "mailto:desk@x.example")
    }

    @Test func withoutBaseTheReferenceStays() {
        #expect(URLResolver.resolve(" /a/b ", against: nil) == "/a/b")
        #expect(URLResolver.resolve("a", against: "") == "a")
    }

    @Test func baseWithoutPath() {
        #expect(URLResolver.resolve("g", against: "http://a") == "http://a/g")
        #expect(URLResolver.resolve("?x", against: "http://a") == "http://a?x")
    }

    @Test func fileURLs() {
        #expect(URLResolver.fileURL(path: "feeds/a b.xml", currentDirectory: "/home/x") == "file:///home/x/feeds/a%20b.xml")
        #expect(URLResolver.fileURL(path: "/tmp/./x/../y.xml", currentDirectory: "/ignored") == "file:///tmp/y.xml")
        #expect(URLResolver.resolve("img/p.png", against: "file:///tmp/feed.xml") == "file:///tmp/img/p.png")
    }
}

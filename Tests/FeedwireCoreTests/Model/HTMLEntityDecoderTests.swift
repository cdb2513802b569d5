import FeedwireCore
import Testing

@Suite struct HTMLEntityDecoderTests {
    @Test(arguments: [
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("A&nbsp;B &eacute;&mdash;&hellip;", "A\u{00A0}B é—…"),
        ("&#8217;&#x2019;&#X2019;", "’’’"),
        ("&#146;", "’"),                       // windows-1252 via HTML5's C1 rule
        ("&#0;&#xD800;&#x110000;", "\u{FFFD}\u{FFFD}\u{FFFD}"),
        ("AT&T &unknown; & &#; &#x;", "AT&T &unknown; & &#; &#x;"),
        ("&apos;&quot;&lt;&gt;", "'\"<>"),
        ("no references", "no references"),
    ])
    func decodes(_ input: String, _ expected: String) {
        #expect(HTMLEntityDecoder.decode(input) == expected)
    }
}

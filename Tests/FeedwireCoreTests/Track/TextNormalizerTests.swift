@testable import FeedwireCore
import Testing

@Suite struct TextNormalizerTests {
    @Test(arguments: [
        ("<p>Hello <b>world</b></p><p>Again</p>", "Hello world Again"),
        ("<p>One</p>\n\n<p>Two</p>", "One Two"),
        ("a<br>b<br/>c", "a b c"),
        ("in<b>line</b>", "inline"),
        ("Tom &amp; Jerry &#8217;s &#x2019; &eacute; &nbsp;x", "Tom & Jerry ’s ’ é x"),
        ("5 &lt; 7 rule", "5 < 7 rule"),
        ("&lt;script&gt; safety", "<script> safety"),
        ("<script>var x = '<p>';</script>Visible", "Visible"),
        ("<!-- comment -->Text", "Text"),
        ("  lots \t of\n\nspace  ", "lots of space"),
        ("a\u{00A0}b\u{2009}c\u{3000}d", "a b c d"),
        ("<img src=\"https://cdn.x/a.jpg?w=1\" alt=\"x\">Caption", "Caption"),
        ("see https://example.com/a?utm_source=x&id=2.", "see https://example.com/a?id=2."),
        ("photo https://cdn.example.com/p.jpg?w=300 here", "photo https://cdn.example.com/p.jpg here"),
        ("x < y and y > z", "x < y and y > z"),
    ])
    func html(_ input: String, _ expected: String) {
        #expect(TextNormalizer.plainText(html: input) == expected)
    }

    @Test func plainTextDecodesReferencesAndCollapsesWhitespace() {
        #expect(TextNormalizer.plainText(text: "  Q&A panel \n ") == "Q&A panel")
        #expect(TextNormalizer.plainText(text: "AT&amp;T") == "AT&T")
        #expect(TextNormalizer.normalize(nil, type: .text) == "")
        #expect(TextNormalizer.normalize("<b>x</b>", type: .text) == "<b>x</b>")
        #expect(TextNormalizer.normalize("<b>x</b>", type: .html) == "x")
    }

    /// Byte-level noise newsroom.py produces must normalise to the same text.
    @Test func noiseVariantsAreEqual() {
        let base = "<p>Critics argue the costs were “badly underestimated”. A hearing is planned.</p><p>Work starts in <b>spring</b>. <a href=\"https://wire.example.com/story/7\">Read more</a></p>"
        let whitespace1 = "\n  " + base.replacingOccurrences("</p><p>", "</p>\n\n<p>") + "\n"
        let whitespace2 = base.replacingOccurrences(". ", ".  ") + " "
        let numeric = base.replacingOccurrences("“", "&#8220;").replacingOccurrences("”", "&#8221;")
        let attributes = base.replacingOccurrences("<a href=\"https://wire.example.com/story/7\">",
                                                   "<a class=\"x\" href=\"https://wire.example.com/story/7?utm_source=rss\">")
        let expected = TextNormalizer.plainText(html: base)
        for variant in [whitespace1, whitespace2, numeric, attributes] {
            #expect(TextNormalizer.plainText(html: variant) == expected)
        }
        #expect(TextNormalizer.plainText(html: base + "<p><em>Officials later corrected the figures.</em></p>") != expected)
    }

    @Test func itemTextFingerprintsFields() {
        let a = ItemText(title: "Title", titleType: .text, summary: "<p>Body</p>", summaryType: .html, content: nil, contentType: nil)
        let b = ItemText(title: " Title ", titleType: .text, summary: "Body", summaryType: .html, content: nil, contentType: nil)
        let c = ItemText(title: "TITLE", titleType: .text, summary: "<p>Body</p>", summaryType: .html, content: nil, contentType: nil)
        #expect(a.textFP == b.textFP)
        #expect(a.textFP != c.textFP)
        #expect(c.changedFields(from: a) == [.title])
        #expect(a.storyTextKey == c.storyTextKey)  // title case does not matter across sources
        #expect(a.body == "Body")
    }

    @Test func cutKeepsCharactersWhole() {
        #expect(FieldLimits.cut("aé", to: 2) == "a")
        #expect(FieldLimits.cut("abc", to: 5) == "abc")
        #expect(FieldLimits.cut("€€", to: 4) == "€")
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

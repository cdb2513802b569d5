import FeedwireCore
import Testing

@Suite struct XMLTextTests {
    @Test func escapesMarkupInTextAndAttributes() {
        #expect(XMLText.escaped("a < b && c > d ]]> e") == "a &lt; b &amp;&amp; c &gt; d ]]&gt; e")
        #expect(XMLText.escaped("say \"hi\" it's") == "say \"hi\" it's")
        #expect(XMLText.escaped("say \"hi\" it's", attribute: true) == "say &quot;hi&quot; it&#39;s")
        #expect(XMLText.escaped("a\tb\nc\rd", attribute: true) == "a&#9;b&#10;c&#13;d")
        #expect(XMLText.escaped("a\tb\nc\rd") == "a\tb\nc&#13;d")
    }

    @Test(arguments: [
        ("nul\u{0}byte", "nulbyte"),
        ("bell\u{7}\u{1B}[31m", "bell[31m"),
        ("del\u{7F}c1\u{85}\u{9F}", "delc1"),
        ("non\u{FFFE}\u{FFFF}char", "nonchar"),
        ("plane" + String(Unicode.Scalar(0x1FFFE)!) + String(Unicode.Scalar(0x10FFFF)!), "plane"),
        ("arabic-" + String(Unicode.Scalar(0xFDD0)!) + "x", "arabic-x"),
    ] as [(String, String)])
    func removesCharactersXMLForbids(input: String, expected: String) {
        #expect(XMLText.escaped(input) == expected)
        #expect(XMLText.clean(input) == expected)
    }

    @Test func keepsLegalUnicodeIncludingBidiControlsAndEmoji() {
        let s = "Київ \u{202E}evil\u{202C} مرحبا 🇺🇦 e\u{301} \u{FFFD}"
        #expect(XMLText.escaped(s) == s)
    }

    @Test func writerNestsIndentsAndOmitsNilValues() {
        var w = XMLWriter()
        w.start("root", [("xmlns:x", "urn:x"), ("skip", nil)])
        w.element("a", "1 & 2", [("q", "\"quoted\"")])
        w.element("absent", nil)
        w.start("b")
        w.empty("c", [("v", "<>")])
        w.end()
        w.end()
        let text = String(decoding: w.finish(), as: UTF8.self)
        #expect(text == """
        <?xml version="1.0" encoding="UTF-8"?>
        <root xmlns:x="urn:x">
          <a q="&quot;quoted&quot;">1 &amp; 2</a>
          <b>
            <c v="&lt;&gt;"/>
          </b>
        </root>

        """)
    }
}

@Suite struct PlainTextTests {
    @Test(arguments: [
        ("<p>Hello <b>world</b></p>", "Hello world"),
        ("Tom &amp; Jerry&nbsp;&#8217;s", "Tom & Jerry\u{A0}’s"),
        ("a<script>alert('</p>')</script>b", "a b"),
        ("x<style>p{color:red}</style>y", "x y"),
        ("one<!-- hidden <b> -->two", "onetwo"),
        ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
        ("<a href=\"x>y\">link</a>", "link"),
        ("  lots \n\n of\t space ", "lots of space"),
        ("&lt;script&gt;", "<script>"),
        ("<![CDATA[raw <b>]]>", "raw <b>"),
    ])
    func plainTextFromHTML(html: String, text: String) {
        #expect(PlainText.fromHTML(html) == text)
    }

    @Test func truncatesLongTitlesOnCharacterBoundaries() {
        let long = String(repeating: "🇺🇦x", count: 60_000)
        let cut = PlainText.truncated(long, to: 500)
        #expect(cut.count == 501)
        #expect(cut.hasSuffix("…"))
        #expect(cut.hasPrefix("🇺🇦x🇺🇦"))
        #expect(PlainText.truncated("short", to: 500) == "short")
    }

    @Test func htmlTitleBecomesPlainAndTruncated() {
        var item = ItemRecord(id: 1, storyID: 1, feed: "f", title: "Poland <em>reopens</em> &amp; more", titleType: .html,
                              firstSeen: Timestamp(seconds: 0))
        #expect(PlainText.title(of: item) == "Poland reopens & more")
        item.title = String(repeating: "a", count: 100_000)
        item.titleType = .text
        #expect(PlainText.title(of: item).count == PlainText.maxTitleCharacters + 1)
    }

    @Test func textSummaryBecomesEscapedHTML() {
        #expect(PlainText.html("a < b\nc", type: .text) == "<p>a &lt; b<br>c</p>")
        #expect(PlainText.html("a < b", type: .text) == "a &lt; b")
        #expect(PlainText.html("<p>x</p>", type: .html) == "<p>x</p>")
    }
}

@Suite struct LinkPolicyTests {
    @Test(arguments: [
        ("https://example.org/a?b=1&c=2", "https://example.org/a?b=1&c=2"),
        ("  HTTP://Example.org/x  ", "HTTP://Example.org/x"),
        ("javascript:alert(1)", nil),
        ("JaVaScRiPt:alert(1)", nil),
        (" javascript:alert(1)", nil),
        ("data:text/html,<script>", nil),
        ("/relative/path", nil),
        ("//example.org/x", nil),
        ("http:///nohost", nil),
        ("https://exa mple.org/", nil),
        ("https://example.org/\u{0}x", nil),
        ("", nil),
    ] as [(String, String?)])
    func onlyAbsoluteHTTPLinks(url: String, expected: String?) {
        #expect(LinkPolicy.safe(url) == expected)
    }
}

@Suite struct UTCFormatTests {
    @Test func formatsTheUpdatedMarker() {
        let t = Timestamp(year: 2025, month: 11, day: 5, hour: 14, minute: 5, second: 9)
        #expect(UTCFormat.format("Updated %H:%M UTC", t) == "Updated 14:05 UTC")
        #expect(UTCFormat.format("%a %e %b %Y %d/%m %S %% %q", t) == "Wed 5 Nov 2025 05/11 09 % %q")
        #expect(UTCFormat.format("trailing %", t) == "trailing %")
    }
}

import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct HTMLTextTests {
    @Test func paragraphsLineBreaksAndLinks() {
        let r = HTMLText.parse("<p>One <b>two</b>\n  three</p><p>Four<br>five <a href=\"https://x.org/a?b=1&amp;c=2\">link  text</a>.</p>")
        #expect(r.paragraphs == [
            [.text("One two three")],
            [.text("Four"), .lineBreak, .text("five "), .link(text: "link text", url: "https://x.org/a?b=1&c=2"), .text(".")],
        ])
        #expect(r.plainText == "One two three\n\nFour\nfive link text.")
        #expect(!r.truncated)
    }

    @Test func entitiesAreDecodedExactlyOnce() {
        #expect(HTMLText.plainText("AT&amp;amp;T &lt;b&gt; &eacute;t&eacute; &#8217; &#x41; &nbsp;x") == "AT&amp;T <b> été ’ A x")
    }

    @Test func scriptStyleAndCommentsAreDropped() {
        let html = "a<script>var x = '</p>'; alert(1)</script>b<style>p { }</style>c<!-- hidden -->d<SCRIPT type=x>y</SCRIPT >e<noscript><img src=x></noscript>f"
        #expect(HTMLText.plainText(html) == "abcdef")
    }

    @Test func skippedElementsNest() {
        #expect(HTMLText.plainText("a<svg><svg><title>t</title></svg><text>x</text></svg>b<iframe>z</iframe>c") == "abc")
    }

    @Test func cdataIsLiteralText() {
        #expect(HTMLText.plainText("<p><![CDATA[Tom & <Jerry>]]> end</p>") == "Tom & <Jerry> end")
    }

    @Test func onlyHTTPLinksAreKept() {
        let r = HTMLText.parse("<a href=\"javascript:alert(1)\">click</a> <a href='data:text/html,x'>d</a> <a href=mailto:x@y>m</a>")
        #expect(r.paragraphs == [[.text("click d m")]])
    }

    @Test func relativeLinksResolveAgainstTheStory() {
        let r = HTMLText.parse("<a href=\"/news/1\">a</a> <a href=\"//cdn.x.org/i\">b</a> <a href=\"more.html\">c</a> <a href=\"#top\">d</a>",
                               base: "https://site.example/world/story.html?id=3")
        let urls = r.paragraphs.flatMap { $0 }.compactMap { span -> String? in
            if case let .link(_, url) = span { return url }
            return nil
        }
        #expect(urls == ["https://site.example/news/1", "https://cdn.x.org/i", "https://site.example/world/more.html",
                         "https://site.example/world/story.html?id=3#top"])
    }

    @Test func listItemsAreLinesOfOneParagraph() {
        let r = HTMLText.parse("<p>Intro</p><ul><li>one</li><li>two <i>x</i></li></ul><p>After</p>")
        #expect(r.plainText == "Intro\n\n• one\n• two x\n\nAfter")
    }

    @Test func literalLessThanAndBrokenMarkupStayText() {
        #expect(HTMLText.plainText("5 < 7 and 3 <> 4 <3") == "5 < 7 and 3 <> 4 <3")
        #expect(HTMLText.plainText("<a href=\"x>y\" title='>'>q</a>r") == "qr")
        #expect(HTMLText.plainText("unterminated <b class=\"x") == "unterminated")
        #expect(HTMLText.plainText("</ >x</>y") == "xy")
    }

    @Test func whitespaceAroundLinksCollapses() {
        let r = HTMLText.parse("see <a href=\"https://a.b/\"> the story </a> now")
        #expect(r.plainText == "see the story now")
        #expect(r.paragraphs[0].contains(.link(text: "the story", url: "https://a.b/")))
    }

    @Test func preKeepsLines() {
        #expect(HTMLText.plainText("<pre>a\n  b\nc</pre>") == "a\nb\nc")
    }

    @Test func stopsAtTheCharacterBudget() {
        let html = String(repeating: "<p>word word word</p>", count: 10_000)
        let r = HTMLText.parse(html, maxCharacters: 100)
        #expect(r.truncated)
        #expect(r.visibleCount <= 100 + 20)
    }

    @Test func truncatedRichTextEndsWithEllipsisAndKeepsGraphemes() {
        let r = RichText(paragraphs: [[.text("👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦 family"), .lineBreak, .link(text: "link text", url: "https://a.b/")], [.text("second")]])
        let cut = r.truncated(toCharacters: 3)
        #expect(cut.plainText == "👩‍👩‍👧‍👦👩‍👩‍👧‍👦…")
        #expect(cut.visibleCount <= 3)
        for n in 0...30 {
            let t = r.truncated(toCharacters: n)
            #expect(t.visibleCount <= max(n, 0), "budget \(n): \(t.plainText)")
        }
        #expect(r.truncated(toCharacters: 1_000) == r)
    }

    @Test func hostileInputNeverCrashes() {
        var rng = SplitMix64(seed: 42)
        let pieces = ["<", ">", "</", "<!--", "-->", "<![CDATA[", "]]>", "<script>", "</script", "&", "&#", "&#x", ";", "\"", "'",
                      "<a href=", "https://x.org/", "<p>", "<br/>", "<li>", "é", "👩‍👩‍👧‍👦", "\u{0}", "\u{FFFD}", " ", "\n", "<svg>", "</svg>"]
        for _ in 0..<300 {
            var s = ""
            for _ in 0..<Int(rng.next() % 200) { s += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let r = HTMLText.parse(s, maxCharacters: 500)
            #expect(r.visibleCount <= 520)
            for p in r.paragraphs {
                #expect(!p.isEmpty)
                if case .lineBreak? = p.first { Issue.record("paragraph starts with a line break: \(s)") }
                if case .lineBreak? = p.last { Issue.record("paragraph ends with a line break: \(s)") }
            }
        }
        // A large document in one pass.
        let big = String(repeating: "<div><p>Text &amp; <a href=\"https://x.org/\">link</a></p>", count: 20_000)
        #expect(HTMLText.parse(big, maxCharacters: 1_000).truncated)
    }
}

@Suite struct SafeTextTests {
    @Test func massMentionsGetAWordJoiner() {
        let j = "\u{2060}"
        #expect(SafeText.neutralise("@everyone @Here @channel! @all @room") == "@\(j)everyone @\(j)Here @\(j)channel! @\(j)all @\(j)room")
        // Prefixes too: services disagree on where a mention ends (`@everyone_` pings on Discord).
        #expect(SafeText.neutralise("@heretic @everyone_ mail@example.org @alice") == "@\(j)heretic @\(j)everyone_ mail@example.org @alice")
    }

    @Test func userMentionsOnlyWhereTheyPing() {
        #expect(SafeText.neutralise("@alice", userMentions: false) == "@alice")
        #expect(SafeText.neutralise("@alice @ bob", userMentions: true) == "@\u{2060}alice @ bob")
    }

    @Test func markupAndEntitiesAreDefused() {
        let j = "\u{2060}"
        #expect(SafeText.neutralise("<!channel> <@U1> <users/all> </p> <![CDATA[ 5 < 7") == "<\(j)!channel> <\(j)@U1> <\(j)users/all> <\(j)/p> <\(j)![CDATA[ 5 < 7")
        #expect(SafeText.neutralise("AT&amp;T &#8217; &#x41; Tom & Jerry &copy") == "AT&\(j)amp;T &\(j)#8217; &\(j)#x41; Tom & Jerry &copy")
    }

    @Test func controlCharactersGo() {
        #expect(SafeText.neutralise("a\u{0}b\u{7}c\r\nd\re\tf\u{85}g") == "abc\nd\ne\tfg")
    }
}

@Suite struct TextLimitTests {
    @Test func countsByUnit() {
        let s = "é👍🏽a"  // e + combining? no: precomposed é, thumbs with skin tone, a
        #expect(TextUnit.scalars.count(s) == 4)
        #expect(TextUnit.utf16.count(s) == 6)
        #expect(TextUnit.utf8.count(s) == 2 + 8 + 1)
    }

    @Test(arguments: [TextUnit.scalars, .utf16, .utf8])
    func truncationNeverSplitsAGraphemeAndFits(unit: TextUnit) {
        let s = "Київ 🇺🇦 e\u{301}\u{301} 👩‍👩‍👧‍👦 שלום مرحبا " + String(repeating: "x", count: 50)
        for limit in 0...80 {
            let t = TextLimit.truncate(s, to: limit, unit: unit)
            #expect(unit.count(t) <= limit)
            if t != s && !t.isEmpty {
                #expect(t.last == "…")
                // Every Character of the result (but the ellipsis) is a whole Character of the source.
                let body = String(t.dropLast())
                #expect(s.hasPrefix(body) || s.hasPrefix(body + " "))
                #expect(Array(s).starts(with: Array(body)))
            }
        }
        #expect(TextLimit.truncate(s, to: 10_000, unit: unit) == s)
    }

    @Test func singleLineCollapses() {
        #expect(TextLimit.singleLine("  a\n\n b\t c \u{0} ") == "a b c")
    }
}

import FeedwireXML
import Glibc
import Testing

/// Records events as text: `<name n= ns=>`, `</n>`, text runs.
final class Recorder: XMLEventHandler {
    var events: [String] = []
    var text = ""
    var attributes: [String: String] = [:]
    var stopAt: String?
    static let vocabulary = XMLVocabulary(
        names: ["rss", "item", "title", "href", "base", "a"],
        namespaces: [("http://www.w3.org/2005/Atom", 1), ("http://www.w3.org/XML/1998/namespace", 2)],
        namespaceFallback: { $0.lowercased() == "http://www.w3.org/2005/atom/" ? 1 : XMLVocabulary.unknown })

    func startElement(_ tag: XMLStartTag) -> Bool {
        flush()
        events.append("<\(tag.localName) n=\(tag.name) ns=\(tag.namespace)>")
        tag.forEachAttribute { name, ns, value in attributes["\(ns):\(name)"] = value }
        return tag.localName != stopAt
    }

    func endElement(name: Int32, namespace: Int32) {
        flush()
        events.append("</\(name)>")
    }

    func characters(_ bytes: UnsafeRawBufferPointer) {
        text += String(decoding: bytes, as: UTF8.self)
    }

    func flush() {
        if !text.isEmpty { events.append(text); text = "" }
    }
}

func parse(_ xml: String, chunk: Int = 4096, limits: XMLParseLimits = XMLParseLimits(),
           handler: Recorder = Recorder()) -> (Recorder, XMLPushParser) {
    let parser = XMLPushParser(vocabulary: Recorder.vocabulary, handler: handler, limits: limits)
    let bytes = Array(xml.utf8)
    var i = 0
    while i < bytes.count {
        let end = min(bytes.count, i + chunk)
        parser.parse(Array(bytes[i..<end]))
        i = end
    }
    parser.finish()
    handler.flush()
    return (handler, parser)
}

@Suite struct XMLPushParserTests {
    @Test func namesResolveByPointerAndNamespacesByFallback() {
        let (r, p) = parse(#"<rss><item xmlns="http://www.w3.org/2005/Atom/"><title>x</title></item><other/></rss>"#)
        #expect(r.events == ["<rss n=0 ns=0>", "<item n=1 ns=1>", "<title n=2 ns=1>", "x", "</2>", "</1>",
                             "<other n=-1 ns=0>", "</-1>", "</0>"])
        #expect(p.errors.isEmpty)
    }

    @Test func htmlEntitiesDecodeAndAreReported() {
        let (r, p) = parse("<rss><title>A&nbsp;B &eacute; &amp; &mdash;</title></rss>")
        #expect(r.events.contains("A\u{00A0}B é & —"))
        #expect(p.errors.count == 3)
        #expect(p.errors.first?.contains("&nbsp;") == true)
    }

    @Test func referencesSurviveEarlierErrors() {
        // libxml2 drops predefined entity references after the first error
        // unless they reach it as character references.
        // (A stray end tag closes the open element in libxml2's recovery, so
        // the test keeps later text inside the same element.)
        let (r, p) = parse("<rss><title>AT&T</title><item><title>x</b> Tom &amp; Jerry &lt;3 &eacute;</item></rss>")
        #expect(r.events.contains("AT&T"))
        #expect(r.events.contains(" Tom & Jerry <3 é"))
        #expect(p.errorCount >= 2)
        #expect(p.bareAmpersands == 1)
    }

    @Test func attributeValuesExpandReferencesOnce() {
        let (r, _) = parse(#"<rss><a href="x?a=1&amp;b=2&c=3&eacute;&amp;amp;&foo;" xml:base="http://e.com/"/></rss>"#)
        #expect(r.attributes["0:href"] == "x?a=1&b=2&c=3é&amp;&foo;")
        #expect(r.attributes["2:base"] == "http://e.com/")
    }

    @Test func cdataIsNotRewritten() {
        let (r, _) = parse("<rss><title><![CDATA[a &amp; b & c]]> &amp; d</title></rss>")
        #expect(r.events.contains("a &amp; b & c & d"))
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func chunkSizeDoesNotMatter(chunk: Int) {
        let xml = #"<?xml version="1.0"?><rss><title><![CDATA[x&y]]>A&amp;B&nbsp;C Q & A &#233;&#x20AC;</title><a href="p?q=1&r=2"/></rss>"#
        let (r, p) = parse(xml, chunk: chunk)
        let (whole, q) = parse(xml, chunk: 1 << 20)
        #expect(r.events == whole.events)
        #expect(r.attributes == whole.attributes)
        #expect(p.errors == q.errors)
        #expect(r.events.contains("x&yA&B\u{00A0}C Q & A é€"))
    }

    @Test func handlerCanStop() {
        let h = Recorder()
        h.stopAt = "item"
        let (r, p) = parse("<rss><item/><title>no</title></rss>", handler: h)
        #expect(p.isStopped)
        #expect(!r.events.contains("no"))
    }

    @Test func depthIsBounded() {
        let deep = String(repeating: "<a>", count: 100_000) + "x" + String(repeating: "</a>", count: 100_000)
        let (_, p) = parse("<rss>" + deep + "</rss>", chunk: 65536)
        #expect(p.isStopped)
        #expect(p.errors.contains { $0.contains("nested deeper than 256") })
    }

    @Test func textIsBounded() {
        var limits = XMLParseLimits()
        limits.minTextBytes = 1000
        limits.textBytesPerInputByte = 0
        let (_, p) = parse("<rss>" + String(repeating: "<title>0123456789</title>", count: 500) + "</rss>", limits: limits)
        #expect(p.isStopped)
        #expect(p.errors.contains { $0.contains("more than") })
    }

    @Test func declaredPlainEntityExpandsOthersAreRefused() {
        let xml = """
        <!DOCTYPE rss [
          <!ENTITY ok "plain text">
          <!ENTITY nested "&ok;&ok;">
          <!ENTITY % pe "x">
          <!ENTITY ext SYSTEM "file:///etc/passwd">
        ]>
        <rss><title>&ok;|&nested;|&ext;</title><a href="&ok;"/></rss>
        """
        let (r, p) = parse(xml)
        #expect(r.events.contains("plain text||"))
        #expect(r.attributes["0:href"] == "plain text")
        #expect(p.errors.contains { $0.contains("&nested; was not expanded") })
        #expect(p.errors.contains { $0.contains("%pe; was not expanded") })
        #expect(p.errors.contains { $0.contains("&ext; (\"file:///etc/passwd\") was not loaded") })
    }

    @Test func externalDTDIsReported() {
        let (_, p) = parse(#"<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss/>"#)
        #expect(p.errors.contains { $0.contains("external DTD") })
    }

    @Test func contextsAreTornDownMidParse() {
        // Parsers dropped half-way through a document with an internal subset
        // free their context, the SAX-compat document and the entities.
        for _ in 0..<200 {
            let handler = Recorder()
            let p = XMLPushParser(vocabulary: Recorder.vocabulary, handler: handler)
            p.parse(Array("<!DOCTYPE r [<!ENTITY a \"b\">]><rss>&a;&nbsp;".utf8))
        }
    }
}

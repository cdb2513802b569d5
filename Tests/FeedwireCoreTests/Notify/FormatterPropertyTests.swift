import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// Seeded random and hostile text through every formatter: valid UTF-8
/// JSON, within the service's limits by its own count, no live mention.
@Suite struct FormatterPropertyTests {
    static let hostile = [
        "@everyone", "@here", "@channel", "@all", "@room", "@Everyone", "<!channel>", "<!here|here>", "<!everyone>",
        "<!subteam^S0123>", "<@U012ABC>", "<@W99|bob>", "<users/all>", "<users/123456>", "@alice", "&", "&amp;", "&amp;amp;",
        "&lt;", "&#8217;", "&nbsp;", "&bogus;", "<", ">", "</p>", "<br>", "<b>", "</b>", "<a href=\"javascript:x\">", "<a href=\"https://e.org/(x)|y\">",
        "</a>", "<script>alert(1)</script>", "<![CDATA[", "]]>", "]]&gt;", "*", "_", "~", "`", "|", "[", "](", ")", "#", "\\",
        "\"", "'", "\n", "\r\n", "\t", " ", "  ", "\u{0}", "\u{7}", "\u{1F}", "\u{7F}", "\u{85}", "\u{200D}", "\u{200F}", "\u{202E}",
        "\u{2060}", "\u{FEFF}", "\u{FFFD}", "e\u{301}", "\u{301}\u{302}\u{303}", "👩‍👩‍👧‍👦", "🇺🇦", "👍🏽", "🏳️‍🌈", "שלום", "مرحبا",
        "Київ", "日本語", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\u{10FFFF}", "<p>", "<li>", "<ul>", "<users/all", "&#x41;", "%", "%20",
    ]

    struct Gen {
        var rng: SplitMix64
        mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(max(n, 1))) }
        mutating func scalar() -> String {
            switch int(6) {
            case 0: return String(UnicodeScalar(UInt8(32 + int(95))))
            case 1: return String(Character(Unicode.Scalar(UInt32(0x300 + int(0x70)))!))  // combining marks
            case 2: return String(Character(Unicode.Scalar(UInt32(0x1F300 + int(0x300)))!))  // emoji
            case 3: return String(Character(Unicode.Scalar(UInt32(0x590 + int(0x200)))!))  // Hebrew, Arabic
            case 4:
                let v = UInt32(0xA0 + int(0xD000))
                return Unicode.Scalar(v).map { String(Character($0)) } ?? "x"
            default: return FormatterPropertyTests.hostile[int(FormatterPropertyTests.hostile.count)]
            }
        }
        mutating func text(_ maxPieces: Int) -> String {
            var s = ""
            for _ in 0..<int(maxPieces) { s += int(3) == 0 ? scalar() : FormatterPropertyTests.hostile[int(FormatterPropertyTests.hostile.count)] }
            return s
        }
        mutating func link() -> String? {
            switch int(5) {
            case 0: return nil
            case 1: return "https://e.org/a(b)|c<d>e\"f g&h=" + text(5)
            case 2: return "javascript:alert(1)"
            case 3: return "https://e.org/" + String(repeating: "x", count: int(3_000))
            default: return "https://example.org/story?id=\(int(1000))&x=1"
            }
        }
    }

    static func story(_ g: inout Gen, id: Int64, big: Bool) -> (ChangeEvent, StoryEntry) {
        let title = g.text(big ? 3_000 : 60)
        let summary = big ? String(repeating: g.text(40), count: 200) : g.text(300)
        var item = ItemRecord(id: id, storyID: id, feed: "f", link: g.link(), title: title, titleType: g.int(2) == 0 ? .html : .text,
                              summary: summary, summaryType: .html, firstSeen: NotifyFixtures.epoch, revision: 1)
        item.content = g.int(2) == 0 ? summary : nil
        let sources = (0..<(1 + g.int(4))).map { i in
            StorySource(feed: "f\(i)", feedTitle: g.text(20), feedURL: "https://f.example/\(i)", feedLink: g.link(), itemLink: g.link())
        }
        let entry = StoryEntry(item: item, sources: sources)
        var event = NotifyFixtures.newEvent(entry)
        if g.int(2) == 0 {
            event = ChangeEvent(kind: .updated, at: NotifyFixtures.epoch, feed: "f", itemID: id, storyID: id, revision: 2,
                                changedFields: [.title], previousTitle: g.text(40),
                                titleDiff: TextDiff(ops: [.same(g.text(10)), .removed(g.text(10)), .added(g.text(10))]),
                                textDiff: TextDiff(ops: [.same(g.text(50)), .removed(g.text(30)), .added(g.text(30)), .same(g.text(50))]))
        } else if g.int(5) == 0 {
            event.kind = .gone
        }
        return (event, entry)
    }

    static func regex(_ p: String) -> NSRegularExpression { try! NSRegularExpression(pattern: p) }
    static let slackMention = regex(#"<!(?:channel|here|everyone|subteam\^[^>|]*)(?:\|[^>]*)?>|<@[UW][A-Z0-9]+(?:\|[^>]*)?>"#)
    static let mattermostMention = regex(#"(?<![\w@])@(?:channel|all|here)\b|<!(?:channel|here|everyone)>"#)
    static let gchatMention = regex(#"<users/(?:all|\d+)>"#)
    static let massMention = try! NSRegularExpression(pattern: #"@(?:everyone|here|channel|all|room)\b"#, options: [.caseInsensitive])
    static let userMention = regex(#"(?<![\w@])@[A-Za-z0-9_]"#)
    static let slackControl = regex(#"<([^<>]*)>"#)
    static let slackLink = regex(#"^https?://[^|\s]+\|[^|]*$"#)

    static func matches(_ r: NSRegularExpression, _ s: String) -> Bool {
        r.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    static func strings(_ v: JSONValue) -> [String] {
        switch v {
        case let .string(s): return [s]
        case let .array(a): return a.flatMap(strings)
        case let .object(o): return o.flatMap { strings($0.1) }
        default: return []
        }
    }

    /// Telegram's visible text, parsed independently: tags removed, the four entities decoded.
    static func telegramVisible(_ html: String) -> String? {
        var s = html
        let tag = regex(#"<(/?)([a-z]+)(\s[^<>]*)?>"#)
        for m in tag.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
            let name = String(html[Range(m.range(at: 2), in: html)!])
            if !["a", "b", "i", "s"].contains(name) { return nil }
        }
        s = tag.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: "")
        if s.contains("<") || s.contains(">") { return nil }
        if matches(regex(#"&(?!lt;|gt;|amp;|quot;)"#), s) { return nil }
        // Code-unit replacement (NSString, .literal): Swift's String replacement would
        // respect grapheme clusters and miss `&quot;` followed by a combining mark.
        var ns = s as NSString
        for (entity, char) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&amp;", "&")] {
            ns = ns.replacingOccurrences(of: entity, with: char, options: .literal, range: NSRange(location: 0, length: ns.length)) as NSString
        }
        return ns as String
    }

    /// Checks one request against the service's rules; returns the problems.
    static func check(_ type: NotifierType, _ request: HTTPRequest) -> [String] {
        let bytes = request.body ?? []
        guard String(validating: bytes, as: UTF8.self) != nil else { return ["body is not valid UTF-8"] }
        guard let j = try? JSONValue.parse(bytes) else { return ["body is not JSON"] }
        var p: [String] = []
        // Fields that hold only a URL (embed `url`, `click`, `openLink`) are never parsed for mentions.
        let all = strings(j).filter { !(($0.hasPrefix("https://") || $0.hasPrefix("http://")) && !$0.contains(where: \.isWhitespace)) }
        func cp(_ s: String?) -> Int { s?.unicodeScalars.count ?? 0 }
        if type != .webhook {
            for s in all {
                guard let m = massMention.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) else { continue }
                let r = Range(m.range, in: s)!
                let before = s[s.index(r.lowerBound, offsetBy: -min(30, s.distance(from: s.startIndex, to: r.lowerBound)))..<r.lowerBound]
                let after = s[r.upperBound...].prefix(6)
                p.append("mass mention \(before.debugDescription) + \(s[r].debugDescription) + \(after.unicodeScalars.map { String($0.value, radix: 16) })")
            }
        }
        switch type {
        case .discord:
            if cp(j["content"]?.stringValue) > 2000 { p.append("content over 2000") }
            let embeds = j["embeds"]?.arrayValue ?? []
            if embeds.count > 10 { p.append("more than 10 embeds") }
            var total = 0
            for e in embeds {
                let t = cp(e["title"]?.stringValue), d = cp(e["description"]?.stringValue), f = cp(e["footer"]?["text"]?.stringValue)
                if t > 256 || d > 4096 || f > 2048 { p.append("embed field over its limit") }
                total += t + d + f
                for field in e["fields"]?.arrayValue ?? [] {
                    let n = cp(field["name"]?.stringValue), v = cp(field["value"]?.stringValue)
                    if n > 256 || v > 1024 || v == 0 { p.append("field over its limit") }
                    total += n + v
                }
            }
            if total > 6000 { p.append("embeds total \(total) over 6000") }
            if j["allowed_mentions"] != .object([("parse", .array([]))]) { p.append("allowed_mentions missing") }
        case .slack:
            if cp(j["text"]?.stringValue) > 40_000 { p.append("text over 40000") }
            let blocks = j["blocks"]?.arrayValue ?? []
            if blocks.count > 50 { p.append("over 50 blocks") }
            for b in blocks {
                let t = cp(b["text"]?["text"]?.stringValue)
                if b["type"]?.stringValue == "header" ? t > 150 : t > 3000 { p.append("block text over its limit") }
                for e in b["elements"]?.arrayValue ?? [] where cp(e["text"]?.stringValue) > 3000 { p.append("context over 3000") }
            }
            for s in all {
                if matches(slackMention, s) { p.append("slack mention") }
                for m in slackControl.matches(in: s, range: NSRange(s.startIndex..., in: s)) {
                    let inner = String(s[Range(m.range(at: 1), in: s)!])
                    if !matches(slackLink, inner) { p.append("stray control sequence <\(inner.prefix(40))>") }
                }
            }
        case .mattermost:
            if cp(j["text"]?.stringValue) > 16_383 { p.append("text over 16383") }
            for s in all where matches(mattermostMention, s) || matches(userMention, s) { p.append("mattermost mention") }
        case .teams:
            if bytes.count > 28 * 1024 { p.append("payload over 28 KB") }
        case .gchat:
            if bytes.count > 32_000 { p.append("over 32000 bytes") }
            for s in all where matches(gchatMention, s) { p.append("gchat mention") }
        case .matrix:
            if bytes.count + 1024 > 65_536 { p.append("event over 65536 bytes") }
            if j["m.mentions"] == nil { p.append("m.mentions missing") }
        case .telegram:
            guard let visible = telegramVisible(j["text"]?.stringValue ?? "") else { p.append("text is not valid Telegram HTML"); break }
            let stripped = visible.trimmingCharacters(in: .whitespacesAndNewlines)
            if stripped.isEmpty || stripped.utf16.count > 4096 { p.append("visible text \(stripped.utf16.count) outside 1...4096") }
            if matches(userMention, visible) { p.append("telegram @mention") }
        case .ntfy:
            if (j["message"]?.stringValue ?? "").utf8.count > 4096 { p.append("message over 4096 bytes") }
        case .webhook:
            if bytes.count > 20 * 1024 { p.append("over 20 KB") }
        }
        return p
    }

    @Test(arguments: NotifierType.allCases)
    func randomAndHostileStories(type: NotifierType) {
        var g = Gen(rng: SplitMix64(seed: 0xFEED + UInt64(type.rawValue.utf8.count)))
        let f = ChatFormatters.formatter(for: type)
        let endpoint = Endpoints.of(type)
        for i in 0..<100 {
            let (event, entry) = FormatterPropertyTests.story(&g, id: Int64(i + 1), big: i % 50 == 0)
            let modes: [DeliveryMode] = event.kind == .updated ? [.post, .edit(RemoteMessage(id: "42")), .reply(RemoteMessage(id: "42"))] : [.post]
            for mode in modes {
                let d = PlannedDelivery(body: .story(StoryMessage.make(event: event, entry: entry)), mode: mode, rowIDs: [Int64(i)],
                                        idempotencyKey: "fw-\(i)-1-t", storyID: Int64(i + 1))
                let problems = FormatterPropertyTests.check(type, f.makeRequest(d, endpoint: endpoint, now: NotifyFixtures.epoch))
                #expect(problems.isEmpty, "\(type) story \(i) \(mode): \(problems.prefix(3))")
            }
        }
    }

    @Test(arguments: NotifierType.allCases)
    func hostileDigestsAndHealth(type: NotifierType) {
        var g = Gen(rng: SplitMix64(seed: 0xD16E57 + UInt64(type.rawValue.utf8.count)))
        let f = ChatFormatters.formatter(for: type)
        let endpoint = Endpoints.of(type)
        var lines: [DigestLine] = []
        for i in 0..<80 {
            let (event, entry) = FormatterPropertyTests.story(&g, id: Int64(i + 1), big: i == 0)
            lines.append(StoryMessage.make(event: event, entry: entry).digestLine(rowIDs: [Int64(i)]))
            if i % 10 == 0 {
                let h = HealthMessage.make(ChangeEvent(kind: .feedFailing, at: NotifyFixtures.epoch, feed: g.text(10), message: g.text(200)))
                lines.append(h.digestLine(rowIDs: [Int64(1000 + i)]))
                let d = PlannedDelivery(body: .health(h), rowIDs: [1], idempotencyKey: "fw-e1-t")
                let problems = FormatterPropertyTests.check(type, f.makeRequest(d, endpoint: endpoint, now: NotifyFixtures.epoch))
                #expect(problems.isEmpty, "\(type) health: \(problems.prefix(3))")
            }
        }
        var rest = lines[...]
        var messages = 0
        while !rest.isEmpty {
            let n = f.digestCapacity(Array(rest), endpoint: endpoint)
            #expect(n >= 1)
            let chunk = Array(rest.prefix(n))
            rest = rest.dropFirst(n)
            messages += 1
            let d = PlannedDelivery(body: .digest(DigestMessage(lines: chunk)), rowIDs: chunk.flatMap(\.rowIDs), idempotencyKey: "fw-d-t")
            let problems = FormatterPropertyTests.check(type, f.makeRequest(d, endpoint: endpoint, now: NotifyFixtures.epoch))
            #expect(problems.isEmpty, "\(type) digest of \(n): \(problems.prefix(3))")
            // As full as the limits allow: one more line would not fit.
            if let next = rest.first {
                #expect(!f.fits(f.digest(DigestMessage(lines: chunk + [next]), endpoint: endpoint)), "\(type): digest of \(n) not full")
            }
        }
        #expect(messages >= 1 && messages <= 88)
    }
}


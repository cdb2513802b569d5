import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// Endpoints as the formatters see them (no secrets read).
enum Endpoints {
    static func of(_ type: NotifierType, editMode: EditMode = .auto) -> NotifierEndpoint {
        switch type {
        case .matrix:
            return NotifierEndpoint(name: "m", type: .matrix, url: "https://matrix.example.org", token: "tok", room: "!r:example.org", editMode: editMode)
        case .telegram:
            return NotifierEndpoint(name: "t", type: .telegram, url: "https://api.telegram.org", token: "123:ABC", chatID: "-100123", editMode: editMode)
        case .ntfy:
            return NotifierEndpoint(name: "n", type: .ntfy, url: "https://ntfy.sh/news-topic", editMode: editMode)
        case .webhook:
            return NotifierEndpoint(name: "w", type: .webhook, url: "https://hooks.example/x", signingKey: Array("secret".utf8), editMode: editMode)
        case .gchat:
            return NotifierEndpoint(name: "g", type: .gchat, url: "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t", editMode: editMode)
        default:
            return NotifierEndpoint(name: type.rawValue, type: type, url: "https://hooks.example/\(type.rawValue)/123/tok", editMode: editMode)
        }
    }

    static func story(_ entry: StoryEntry, _ event: ChangeEvent? = nil, mode: DeliveryMode = .post) -> PlannedDelivery {
        let e = event ?? NotifyFixtures.newEvent(entry)
        return PlannedDelivery(body: .story(StoryMessage.make(event: e, entry: entry)), mode: mode, rowIDs: [1],
                               idempotencyKey: OutboxMessage.idempotencyKey(event: e, target: "t"), storyID: entry.item.storyID)
    }
}

@Suite struct FormatterShapeTests {
    let entry = NotifyFixtures.entry(id: 7, title: "Ministers meet & agree", summary: NotifyFixtures.richSummary)

    func body(_ type: NotifierType, _ d: PlannedDelivery) throws -> (HTTPRequest, JSONValue) {
        let f = ChatFormatters.formatter(for: type)
        let r = f.makeRequest(d, endpoint: Endpoints.of(type), now: NotifyFixtures.epoch)
        return (r, try JSONValue.parse(r.body ?? []))
    }

    @Test func requestsNeverFollowRedirectsAndCarryTheTimeout() throws {
        for type in NotifierType.allCases {
            let (r, _) = try body(type, Endpoints.story(entry))
            #expect(!r.followRedirects)
            #expect(r.limits.totalTimeout == 15)
            #expect(r.headers["Content-Type"]?.hasPrefix("application/json") == true)
            #expect(r.label.hasPrefix("notifier "))
        }
    }

    @Test func discord() throws {
        let (r, j) = try body(.discord, Endpoints.story(entry))
        #expect(r.method == .post)
        #expect(r.url == "https://hooks.example/discord/123/tok?wait=true")
        #expect(j["allowed_mentions"] == .object([("parse", .array([]))]))
        #expect(j["embeds"]?[0]?["title"]?.stringValue == "Ministers meet & agree")
        #expect(j["embeds"]?[0]?["url"]?.stringValue == "https://example.org/story/7?a=1&b=2")
        #expect(j["embeds"]?[0]?["timestamp"]?.stringValue == "2025-11-25T11:50:00Z")
        let description = j["embeds"]?[0]?["description"]?.stringValue ?? ""
        #expect(description.contains("[grid plan](https://example.org/grid?x=1&y=2)"))
        #expect(!description.contains("&amp;") && !description.contains("</") && !description.contains("<p") && description.contains("5 < 7"))
        let edit = try body(.discord, Endpoints.story(entry, NotifyFixtures.updateEvent(entry), mode: .edit(RemoteMessage(id: "999"))))
        #expect(edit.0.method == .patch)
        #expect(edit.0.url == "https://hooks.example/discord/123/tok/messages/999")
        #expect(edit.1["allowed_mentions"] != nil)
        #expect(edit.1["content"]?.stringValue?.contains("Updated") == true)
    }

    @Test func slack() throws {
        let (_, j) = try body(.slack, Endpoints.story(entry))
        #expect(j["text"]?.stringValue == "New: <https://example.org/story/7?a=1&amp;b=2|Ministers meet &amp; agree>")
        let blocks = j["blocks"]?.arrayValue ?? []
        #expect(blocks.map { $0["type"]?.stringValue } == ["header", "section", "context"])
        #expect(blocks[0]["text"]?["type"]?.stringValue == "plain_text")
        let section = blocks[1]["text"]?["text"]?.stringValue ?? ""
        #expect(section.contains("<https://example.org/grid?x=1&amp;y=2|grid plan>"))
        #expect(section.contains("5 &lt; 7"))
    }

    @Test func mattermost() throws {
        let (_, j) = try body(.mattermost, Endpoints.story(entry))
        let text = j["text"]?.stringValue ?? ""
        #expect(text.hasPrefix("#### [Ministers meet & agree](https://example.org/story/7?a=1&b=2)"))
        #expect(text.contains("@\u{2060}everyone"))
    }

    @Test func teams() throws {
        let (_, j) = try body(.teams, Endpoints.story(entry))
        #expect(j["type"]?.stringValue == "message")
        let att = j["attachments"]?[0]
        #expect(att?["contentType"]?.stringValue == "application/vnd.microsoft.card.adaptive")
        #expect(att?["content"]?["version"]?.stringValue == "1.4")
        #expect(att?["content"]?["type"]?.stringValue == "AdaptiveCard")
        #expect(att?["content"]?["actions"]?[0]?["url"]?.stringValue == "https://example.org/story/7?a=1&b=2")
    }

    @Test func googleChat() throws {
        let (r, j) = try body(.gchat, Endpoints.story(entry))
        #expect(r.url.contains("requestId=fw-7-1-t"))
        #expect(r.url.contains("messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"))
        #expect(r.url.hasPrefix("https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t&"))
        #expect(j["thread"]?["threadKey"]?.stringValue == "feedwire-story-7")
        let card = j["cardsV2"]?[0]?["card"]
        #expect(card?["header"]?["title"]?.stringValue == "Ministers meet & agree")
        let para = card?["sections"]?[0]?["widgets"]?[0]?["textParagraph"]?["text"]?.stringValue ?? ""
        #expect(para.contains("<a href=\"https://example.org/grid?x=1&amp;y=2\">grid plan</a>"))
        #expect(para.contains("5 &lt; 7"))
        // An update with edit = new gets no thread; a thread reply keeps it.
        let update = Endpoints.story(entry, NotifyFixtures.updateEvent(entry), mode: .reply(nil))
        #expect(try body(.gchat, update).1["thread"]?["threadKey"]?.stringValue == "feedwire-story-7")
        let asNew = Endpoints.story(entry, NotifyFixtures.updateEvent(entry), mode: .post)
        #expect(try body(.gchat, asNew).1["thread"] == nil)
    }

    @Test func matrix() throws {
        let (r, j) = try body(.matrix, Endpoints.story(entry))
        #expect(r.method == .put)
        #expect(r.url == "https://matrix.example.org/_matrix/client/v3/rooms/%21r%3Aexample.org/send/m.room.message/fw-7-1-t")
        #expect(r.headers["Authorization"] == "Bearer tok")
        #expect(j["msgtype"]?.stringValue == "m.notice")
        #expect(j["format"]?.stringValue == "org.matrix.custom.html")
        #expect(j["m.mentions"] == .object([]))
        let edit = try body(.matrix, Endpoints.story(entry, NotifyFixtures.updateEvent(entry), mode: .edit(RemoteMessage(id: "$ev"))))
        #expect(edit.1["m.relates_to"] == .object([("rel_type", .string("m.replace")), ("event_id", .string("$ev"))]))
        #expect(edit.1["m.new_content"]?["body"]?.stringValue?.hasPrefix("Updated:") == true)
        #expect(edit.1["body"]?.stringValue?.hasPrefix("* ") == true)
        #expect(edit.1["m.new_content"]?["m.mentions"] == .object([]))
        #expect(edit.0.url.hasSuffix("/fw-7-2-t"))
    }

    @Test func telegram() throws {
        let (r, j) = try body(.telegram, Endpoints.story(entry))
        #expect(r.url == "https://api.telegram.org/bot123:ABC/sendMessage")
        #expect(j["chat_id"] == .int(-100123))
        #expect(j["parse_mode"]?.stringValue == "HTML")
        let text = j["text"]?.stringValue ?? ""
        #expect(text.hasPrefix("<b><a href=\"https://example.org/story/7?a=1&amp;b=2\">Ministers meet &amp; agree</a></b>"))
        let edit = try body(.telegram, Endpoints.story(entry, NotifyFixtures.updateEvent(entry), mode: .edit(RemoteMessage(id: "42"))))
        #expect(edit.0.url.hasSuffix("/editMessageText"))
        #expect(edit.1["message_id"] == .int(42))
        let reply = try body(.telegram, Endpoints.story(entry, NotifyFixtures.updateEvent(entry), mode: .reply(RemoteMessage(id: "42"))))
        #expect(reply.1["reply_parameters"]?["message_id"] == .int(42))
    }

    @Test func ntfyPublishesJSONToTheRoot() throws {
        let (r, j) = try body(.ntfy, Endpoints.story(entry))
        #expect(r.url == "https://ntfy.sh/")
        #expect(j["topic"]?.stringValue == "news-topic")
        #expect(j["markdown"] == .bool(true))
        #expect(j["click"]?.stringValue == "https://example.org/story/7?a=1&b=2")
        #expect(NtfyFormatter.split("https://ntfy.example/sub/path/t_1?x=1")! == ("https://ntfy.example/sub/path/", "t_1"))
        #expect(NtfyFormatter.split("https://ntfy.sh/") == nil)
        #expect(NtfyFormatter.split("https://ntfy.sh/bad.topic") == nil)
    }

    @Test func webhookIsStandardWebhooksSigned() throws {
        let (r, j) = try body(.webhook, Endpoints.story(entry))
        #expect(j["type"]?.stringValue == "item.created")
        #expect(j["timestamp"]?.stringValue == "2025-11-25T12:00:00Z")
        #expect(j["data"]?["item"]?["title"]?.stringValue == "Ministers meet & agree")
        #expect(r.headers["webhook-id"] == "fw-7-1-t")
        #expect(r.headers["webhook-timestamp"] == String(NotifyFixtures.epoch.seconds))
        let sig = try #require(r.headers["webhook-signature"])
        #expect(StandardWebhooks.verify(key: Array("secret".utf8), id: "fw-7-1-t", timestamp: String(NotifyFixtures.epoch.seconds),
                                        body: r.body ?? [], header: sig))
        #expect(!StandardWebhooks.verify(key: Array("other".utf8), id: "fw-7-1-t", timestamp: String(NotifyFixtures.epoch.seconds),
                                         body: r.body ?? [], header: sig))
    }

    @Test func healthMessagesAreShortOpsMessages() throws {
        let h = HealthMessage.make(NotifyFixtures.healthEvent(.feedDisabled, message: "answered 410 Gone; remove it from feeds.conf"))
        let d = PlannedDelivery(body: .health(h), rowIDs: [1], idempotencyKey: "fw-e1-t")
        for type in NotifierType.allCases {
            let (_, j) = try body(type, d)
            #expect(j.serialized.contains("europe"), "\(type)")
            #expect(j.serialized.utf8.count < 4_000, "\(type)")
        }
        #expect(try body(.webhook, d).1["type"]?.stringValue == "feed.disabled")
        #expect(try body(.ntfy, d).1["priority"] == .int(4))
    }

    @Test func digestsListLinkedTitles() throws {
        let lines = (1...12).map { i -> DigestLine in
            let e = NotifyFixtures.entry(id: Int64(i), title: "Story \(i) <b>&</b>")
            return StoryMessage.make(event: NotifyFixtures.newEvent(e), entry: e).digestLine(rowIDs: [Int64(i)])
        }
        let d = PlannedDelivery(body: .digest(DigestMessage(lines: lines)), rowIDs: Array(1...12), idempotencyKey: "fw-d1-12-n12-t")
        #expect(DigestMessage(lines: lines).headline == "12 new stories")
        for type in NotifierType.allCases {
            let (_, j) = try body(type, d)
            let all = j.serialized
            #expect(all.contains("Story 12"), "\(type)")
        }
        let (_, discord) = try body(.discord, d)
        let content = discord["content"]?.stringValue ?? ""
        #expect(content.hasPrefix("📰 **12 new stories · World Wire**\n• [Story 1 <⁠b>&<⁠/b>](https://example.org/story/1?a=1&b=2)\n"))
        #expect(!content.contains(" — World Wire"))
        #expect(try body(.webhook, d).1["data"]?["events"]?.arrayValue?.count == 12)
    }
}

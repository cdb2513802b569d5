import Crypto
import Foundation

/// Generic JSON webhooks per Standard Webhooks v1.0.0
/// (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md):
/// `{"type": "item.created", "timestamp": …, "data": {…}}`, signed with
/// `webhook-id` (the outbox row's idempotency key: stable across retries),
/// `webhook-timestamp` (this attempt) and `webhook-signature: v1,<base64
/// HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`; optionally GitHub's
/// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`. Payloads
/// stay under the recommended 20 KB.
public struct WebhookFormatter: ChatFormatter {
    public init() {}
    public var type: NotifierType { .webhook }
    public var canEdit: Bool { false }
    public var canThread: Bool { false }

    static let maxBytes = 20 * 1024

    /// The Standard Webhooks event type of an event kind.
    public static func eventType(_ kind: EventKind) -> String {
        switch kind {
        case .new: return "item.created"
        case .updated: return "item.updated"
        case .gone: return "item.removed"
        case .feedFailing: return "feed.failing"
        case .feedRecovered: return "feed.recovered"
        case .feedDisabled: return "feed.disabled"
        case .feedMoved: return "feed.moved"
        case .feedSilent: return "feed.silent"
        }
    }

    static func time(_ t: Timestamp?) -> JSONValue? { t.map { .string($0.rfc3339) } }

    static func eventData(_ e: ChangeEvent) -> JSONValue {
        .object(omittingNil: [
            ("id", .int(e.id)), ("kind", .string(e.kind.rawValue)), ("at", .string(e.at.rfc3339)), ("feed", .string(e.feed)),
            ("item_id", e.itemID.map { .int($0) }), ("story_id", e.storyID.map { .int($0) }), ("revision", e.revision.map { .int(Int64($0)) }),
            ("changed_fields", e.changedFields.isEmpty ? nil : .array(e.changedFields.map { .string($0.rawValue) })),
            ("previous_title", e.previousTitle.map { .string(TextLimit.prefix($0, characters: StoryMessage.titleLimit)) }),
            ("title_diff", e.titleDiff.map { ChangeSummary.capped($0, 40).json }),
            ("text_diff", e.textDiff.map { ChangeSummary.capped($0, 80).json }),
            ("message", e.message.map { .string($0) }), ("from_url", e.fromURL.map { .string($0) }), ("to_url", e.toURL.map { .string($0) }),
        ])
    }

    static func storyData(_ s: StoryMessage, summaryBudget: Int) -> JSONValue {
        var data: [(String, JSONValue?)] = [("event", eventData(s.event))]
        if let entry = s.entry {
            let item = entry.item
            data.append(("item", .object(omittingNil: [
                ("id", .int(item.id)), ("story_id", .int(item.storyID)), ("feed", .string(item.feed)),
                ("title", .string(s.title)), ("link", item.link.map { .string($0) }),
                ("summary", summaryBudget > 0 && !s.summary.isEmpty ? .string(s.summary.truncated(toCharacters: summaryBudget).plainText) : nil),
                ("published", time(item.published)), ("updated", time(item.updated)),
                ("first_seen", .string(item.firstSeen.rfc3339)), ("last_changed", .string(item.lastChanged.rfc3339)),
                ("revision", .int(Int64(item.revision))),
                ("authors", item.authors.isEmpty ? nil : .array(item.authors.prefix(10).compactMap { $0.name.map { .string($0) } })),
                ("categories", item.categories.isEmpty ? nil : .array(item.categories.prefix(20).map { .string($0) })),
            ])))
            data.append(("sources", .array(entry.sources.prefix(10).map { src in
                .object(omittingNil: [("feed", .string(src.feed)), ("title", src.feedTitle.map { .string($0) }),
                                      ("url", .string(src.feedURL)), ("link", src.feedLink.map { .string($0) }),
                                      ("item_link", src.itemLink.map { .string($0) })])
            })))
        }
        return .object(omittingNil: data)
    }

    static func envelope(_ kind: EventKind, _ at: Timestamp, _ data: JSONValue) -> JSONValue {
        .object([("type", .string(eventType(kind))), ("timestamp", .string(at.rfc3339)), ("data", data)])
    }

    public func story(_ s: StoryMessage, mode: DeliveryMode, summaryBudget: Int, endpoint: NotifierEndpoint) -> JSONValue {
        WebhookFormatter.envelope(s.kind, s.noticed, WebhookFormatter.storyData(s, summaryBudget: summaryBudget * 3))
    }

    public func health(_ h: HealthMessage, endpoint: NotifierEndpoint) -> JSONValue {
        WebhookFormatter.envelope(h.kind, h.at, .object([("event", WebhookFormatter.eventData(h.event))]))
    }

    /// A batch: `{"type": "digest", "data": {"events": [<event envelopes>]}}`.
    public func digest(_ d: DigestMessage, endpoint: NotifierEndpoint) -> JSONValue {
        let events: [JSONValue] = d.lines.map { line in
            if line.kind.isHealth {
                return WebhookFormatter.envelope(line.kind, line.at, .object([("event", WebhookFormatter.eventData(line.event))]))
            }
            let story = StoryMessage.make(event: line.event, entry: line.entry)
            return WebhookFormatter.envelope(line.kind, line.at, WebhookFormatter.storyData(story, summaryBudget: 300))
        }
        let at = d.lines.map(\.at).max() ?? Timestamp(seconds: 0)
        return .object([("type", .string("digest")), ("timestamp", .string(at.rfc3339)),
                        ("data", .object([("count", .int(Int64(events.count))), ("events", .array(events))]))])
    }

    public func fits(_ body: JSONValue) -> Bool {
        body.serialized.utf8.count <= WebhookFormatter.maxBytes
    }

    public func request(body: [UInt8], delivery: PlannedDelivery, endpoint: NotifierEndpoint, now: Timestamp) -> HTTPRequest {
        var headers: [(String, String)] = []
        if let key = endpoint.signingKey {
            let ts = String(now.seconds)
            headers.append(("webhook-id", delivery.idempotencyKey))
            headers.append(("webhook-timestamp", ts))
            headers.append(("webhook-signature", StandardWebhooks.signature(key: key, id: delivery.idempotencyKey, timestamp: ts, body: body)))
            if endpoint.hubSignature, let raw = endpoint.hubKey {
                headers.append(("X-Hub-Signature-256", StandardWebhooks.hubSignature(key: raw, body: body)))
            }
        } else {
            headers.append(("Idempotency-Key", delivery.idempotencyKey))
        }
        return jsonRequest(.post, endpoint.url, body: body, endpoint: endpoint, extraHeaders: headers)
    }
}

/// Standard Webhooks and GitHub signatures (HMAC-SHA256 from swift-crypto).
public enum StandardWebhooks {
    /// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
    public static func signature(key: [UInt8], id: String, timestamp: String, body: [UInt8]) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return "v1," + Base64.encode(Array(mac))
    }

    /// `sha256=<hex HMAC-SHA256(secret, body)>` (GitHub `X-Hub-Signature-256`).
    public static func hubSignature(key: [UInt8], body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: key))
        let digits = Array("0123456789abcdef")
        return "sha256=" + String(Array(mac).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }

    /// Checks a `webhook-signature` header value (space-separated list) in constant time per candidate.
    public static func verify(key: [UInt8], id: String, timestamp: String, body: [UInt8], header: String) -> Bool {
        let expected = Array(signature(key: key, id: id, timestamp: timestamp, body: body).utf8)
        var ok = false
        for candidate in header.split(separator: " ") {
            let c = Array(candidate.utf8)
            guard c.count == expected.count else { continue }
            var diff: UInt8 = 0
            for i in 0..<c.count { diff |= c[i] ^ expected[i] }
            if diff == 0 { ok = true }
        }
        return ok
    }
}

extension ChangeSummary {
    /// A diff with at most `maxOps` operations, for JSON payloads.
    static func capped(_ diff: TextDiff, _ maxOps: Int) -> TextDiff {
        TextDiff(ops: Array(diff.ops.prefix(maxOps)).map { op in
            switch op {
            case let .same(s): return .same(TextLimit.prefix(s, characters: 500))
            case let .removed(s): return .removed(TextLimit.prefix(s, characters: 500))
            case let .added(s): return .added(TextLimit.prefix(s, characters: 500))
            }
        })
    }
}

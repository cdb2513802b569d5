/// What a notification says, before any service's formatting: built once
/// from an outbox row, then rendered by each `ChatFormatter`.
public enum MessageBody: Sendable, Equatable {
    case story(StoryMessage)
    case health(HealthMessage)
    case digest(DigestMessage)
}

/// A story event (new, updated, gone).
public struct StoryMessage: Sendable, Equatable {
    public var kind: EventKind
    /// One line of plain text (HTML titles converted); not neutralised.
    public var title: String
    /// Absolute http(s) link to the story, when it has a usable one.
    public var link: String?
    public var sources: [Source]
    /// Publication date, else first seen.
    public var date: Timestamp
    /// When Feedwire noticed the change.
    public var noticed: Timestamp
    /// Summary (or content) converted from HTML, at most `summaryLimit` characters.
    public var summary: RichText
    /// For `updated`: the title before the edit, when it changed.
    public var previousTitle: String?
    public var titleDiff: TextDiff?
    public var textDiff: TextDiff?
    public var changedFields: [ItemField]
    public var storyID: Int64?
    /// The event and entry as stored, for formats that carry data (Standard Webhooks).
    public var event: ChangeEvent
    public var entry: StoryEntry?

    public struct Source: Sendable, Equatable {
        public var name: String
        public var link: String?
    }

    /// Longest summary converted from an item (chat messages show "a short summary").
    public static let summaryLimit = 1_500
    /// Longest title kept (stored titles are at most 1 KiB).
    public static let titleLimit = 400
    /// Longest source link kept (the story link may be longer).
    public static let sourceLinkLimit = 500

    public var isUpdate: Bool { kind == .updated }
}

/// A feed health event for ops targets.
public struct HealthMessage: Sendable, Equatable {
    public var kind: EventKind
    public var feed: String
    public var at: Timestamp
    /// The daemon's sentence for people ("answered 503 three times since 10:02; retrying with backoff").
    public var message: String?
    public var fromURL: String?
    public var toURL: String?
    public var event: ChangeEvent

    /// A short headline: "Feed europe is failing".
    public var headline: String {
        switch kind {
        case .feedFailing: return "Feed \(feed) is failing"
        case .feedRecovered: return "Feed \(feed) recovered"
        case .feedDisabled: return "Feed \(feed) was disabled"
        case .feedMoved: return "Feed \(feed) moved"
        case .feedSilent: return "Feed \(feed) has gone silent"
        default: return "Feed \(feed): \(kind.rawValue)"
        }
    }

    /// A marker people can scan for.
    public var symbol: String {
        switch kind {
        case .feedFailing: return "⚠️"
        case .feedRecovered: return "✅"
        case .feedDisabled: return "⛔"
        case .feedMoved: return "➡️"
        case .feedSilent: return "💤"
        default: return "ℹ️"
        }
    }

    /// The detail sentence, with the move's URLs and what to do.
    public var detail: String {
        var parts: [String] = []
        if let message, !message.isEmpty { parts.append(TextLimit.singleLine(message)) }
        if kind == .feedMoved, let to = toURL {
            if message == nil { parts.append("now at \(to); update feeds.conf") }
        }
        if parts.isEmpty {
            switch kind {
            case .feedFailing: parts.append("polling continues with backoff; check the feed URL and `feedwire status`")
            case .feedDisabled: parts.append("the server answered 410 Gone; remove the feed or fix its URL in feeds.conf")
            case .feedSilent: parts.append("nothing new for far longer than usual; check the source")
            default: break
            }
        }
        return parts.joined(separator: " ")
    }
}

/// Several waiting events in one message (a burst, or the end of quiet hours).
public struct DigestMessage: Sendable, Equatable {
    public var lines: [DigestLine]

    public init(lines: [DigestLine]) { self.lines = lines }

    /// The note (source) every line shares, shown once in the headline instead of on every line.
    public var commonNote: String? {
        guard let first = lines.first?.note, !first.isEmpty, lines.count > 1,
              lines.allSatisfy({ $0.note == first && !$0.kind.isHealth }) else { return nil }
        return first
    }

    /// A line's note unless it is the common one.
    public func note(_ line: DigestLine) -> String { commonNote == nil ? line.note : "" }

    /// The headline with the common source: "43 new stories · World Wire".
    public var title: String { headline + (commonNote.map { " · " + $0 } ?? "") }

    /// "12 new stories", "5 stories (3 new, 2 updated)", "2 feed alerts" …
    public var headline: String {
        var new = 0, updated = 0, gone = 0, health = 0
        for l in lines {
            switch l.kind {
            case .new: new += 1
            case .updated: updated += 1
            case .gone: gone += 1
            default: health += 1
            }
        }
        let stories = new + updated + gone
        var parts: [String] = []
        if stories > 0 {
            let noun = stories == 1 ? "story" : "stories"
            if updated == 0 && gone == 0 {
                parts.append("\(new) new \(noun)")
            } else if new == 0 && gone == 0 {
                parts.append("\(updated) updated \(noun)")
            } else {
                var detail: [String] = []
                if new > 0 { detail.append("\(new) new") }
                if updated > 0 { detail.append("\(updated) updated") }
                if gone > 0 { detail.append("\(gone) removed") }
                parts.append("\(stories) \(noun) (\(detail.joined(separator: ", ")))")
            }
        }
        if health > 0 { parts.append("\(health) feed alert\(health == 1 ? "" : "s")") }
        return parts.joined(separator: " and ")
    }
}

/// One entry of a digest.
public struct DigestLine: Sendable, Equatable {
    public var kind: EventKind
    /// Story title, or the health headline.
    public var title: String
    public var link: String?
    /// Source name (story) or detail (health).
    public var note: String
    public var at: Timestamp
    /// The row(s) this line stands for.
    public var rowIDs: [Int64]
    public var event: ChangeEvent
    public var entry: StoryEntry?

    /// Longest title in a digest line.
    public static let titleLimit = 150

    /// "Updated: " / "Removed: " / "" prefix.
    public var marker: String {
        switch kind {
        case .updated: return "Updated: "
        case .gone: return "Removed: "
        default: return ""
        }
    }
}

extension MessageBody {
    /// The message for one outbox row (`entry` may come from a later row
    /// of the same story when updates were folded into it).
    public static func make(_ message: OutboxMessage, entry overriding: StoryEntry? = nil) -> MessageBody {
        let event = message.event
        if event.kind.isHealth { return .health(HealthMessage.make(event)) }
        return .story(StoryMessage.make(event: event, entry: overriding ?? message.entry))
    }
}

extension HealthMessage {
    public static func make(_ event: ChangeEvent) -> HealthMessage {
        HealthMessage(kind: event.kind, feed: event.feed, at: event.at, message: event.message,
                      fromURL: event.fromURL, toURL: event.toURL, event: event)
    }
}

extension StoryMessage {
    /// - Parameter withSummary: false for digest lines, which show no summary (saves the HTML conversion).
    public static func make(event: ChangeEvent, entry: StoryEntry?, withSummary: Bool = true) -> StoryMessage {
        let item = entry?.item
        let link = (item?.link).flatMap { URLText.absoluteHTTP($0) }
        let summaryHTML = withSummary ? item?.summary.flatMap { $0.isEmpty ? nil : $0 } ?? item?.content : nil
        let summaryType = item?.summary.flatMap { $0.isEmpty ? nil : $0 } != nil ? item?.summaryType : item?.contentType
        var summary = RichText()
        if let summaryHTML {
            if summaryType == .html {
                summary = HTMLText.parse(summaryHTML, base: link, maxCharacters: summaryLimit)
            } else {
                summary = RichText(plain: String(summaryHTML.prefix(summaryLimit + 1))).truncated(toCharacters: summaryLimit)
            }
        }
        var title = item.map { plainTitle($0.title, $0.titleType) } ?? ""
        if title.isEmpty {
            title = TextLimit.prefix(TextLimit.singleLine(summary.plainText), characters: 80)
        }
        if title.isEmpty { title = "Untitled story in \(event.feed)" }
        var sources: [Source] = (entry?.sources ?? []).prefix(5).map { s in
            Source(name: TextLimit.prefix(TextLimit.singleLine(s.feedTitle ?? s.feed), characters: 80),
                   link: (s.itemLink.flatMap { URLText.absoluteHTTP($0) } ?? s.feedLink.flatMap { URLText.absoluteHTTP($0) })
                       .flatMap { $0.utf8.count <= sourceLinkLimit ? $0 : nil })
        }
        if sources.isEmpty { sources = [Source(name: event.feed, link: nil)] }
        let previous = event.previousTitle.map { TextLimit.prefix(TextLimit.singleLine($0), characters: titleLimit) }
        return StoryMessage(
            kind: event.kind, title: TextLimit.prefix(title, characters: titleLimit), link: link, sources: sources,
            date: item?.displayDate ?? event.at, noticed: event.at, summary: summary,
            previousTitle: previous == title ? nil : previous, titleDiff: event.titleDiff, textDiff: event.textDiff,
            changedFields: event.changedFields, storyID: event.storyID ?? item?.storyID, event: event, entry: entry)
    }

    static func plainTitle(_ title: String, _ type: TextType) -> String {
        let text = type == .html ? HTMLText.plainText(title, maxCharacters: 2 * titleLimit) : title
        return TextLimit.singleLine(text)
    }

    /// The source names joined: "Kyiv Independent · Reuters".
    public var sourceNames: String { sources.map(\.name).joined(separator: " · ") }

    /// "25 Nov 2025 10:00 UTC".
    public var dateText: String { StoryMessage.format(date) }

    public static func format(_ t: Timestamp) -> String {
        let c = t.components
        return "\(c.day) \(Timestamp.monthNames[c.month - 1]) \(c.year) \(Timestamp.pad(c.hour)):\(Timestamp.pad(c.minute)) UTC"
    }

    /// The digest line for this story.
    public func digestLine(rowIDs: [Int64]) -> DigestLine {
        DigestLine(kind: kind, title: TextLimit.prefix(title, characters: DigestLine.titleLimit), link: link,
                   note: sources.first?.name ?? event.feed, at: noticed, rowIDs: rowIDs, event: event, entry: entry)
    }
}

extension HealthMessage {
    public func digestLine(rowIDs: [Int64]) -> DigestLine {
        DigestLine(kind: kind, title: "\(symbol) \(headline)", link: nil,
                   note: TextLimit.prefix(detail, characters: 200), at: at, rowIDs: rowIDs, event: event, entry: nil)
    }
}

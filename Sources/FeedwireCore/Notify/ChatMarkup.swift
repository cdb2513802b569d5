/// The text markups Feedwire writes, one per way a service reads text.
/// Every function here takes plain text and returns it neutralised
/// (`SafeText`) and escaped by that markup's rules, so no feed text can
/// form markup, mentions or entities of its own.
public enum ChatMarkup: Sendable, Equatable {
    /// Shown verbatim (Discord embed titles, Teams, ntfy titles, Matrix `body`, Google Chat header).
    case plain
    /// Slack mrkdwn: `&amp; &lt; &gt;` and nothing else; links `<url|label>`
    /// (api.slack.com/reference/surfaces/formatting).
    case slack
    /// Discord markdown: backslash escapes, masked links `[label](url)`.
    case discord
    /// Mattermost and ntfy markdown (CommonMark): backslash escapes; `@name` neutralised.
    case markdown
    /// Adaptive Card TextBlock markdown subset: no escapes exist; links `[label](url)`.
    case teams
    /// Telegram Bot API HTML: `&lt; &gt; &amp; &quot;` only; `@name` neutralised.
    case telegramHTML
    /// Matrix `formatted_body` (org.matrix.custom.html) and Google Chat card HTML subset.
    case html
    /// Google Chat message `text` markup.
    case gchatText

    var neutralisesUserMentions: Bool { self == .markdown || self == .telegramHTML }

    /// Neutralised and escaped text.
    public func text(_ s: String) -> String {
        let safe = SafeText.neutralise(s, userMentions: neutralisesUserMentions)
        switch self {
        case .plain, .teams, .gchatText: return safe
        case .slack: return ChatMarkup.escapeSlack(safe)
        case .discord: return ChatMarkup.escapeMarkdown(safe, extra: "|")  // `|` starts Discord spoilers
        case .markdown: return ChatMarkup.escapeMarkdown(safe, extra: "")
        case .telegramHTML, .html: return ChatMarkup.escapeHTML(safe)
        }
    }

    /// A link with visible `label` (plain text); for `.plain`/`.gchatText` the label only.
    public func link(_ label: String, _ url: String) -> String {
        let u = URLText.encodeForMarkup(url)
        switch self {
        case .plain, .gchatText:
            return text(label)
        case .slack:
            // A `|` would end the URL part early: Slack has no escape for it.
            return "<\(ChatMarkup.escapeSlack(u))|\(ChatMarkup.replacing(text(label), ["|": "¦"]))>"
        case .discord, .markdown:
            return "[\(text(label))](\(u))"
        case .teams:
            // Adaptive Card markdown has no escapes: brackets would end the label.
            return "[\(ChatMarkup.replacing(text(label), ["[": "(", "]": ")"]))](\(u))"
        case .telegramHTML, .html:
            return "<a href=\"\(ChatMarkup.escapeHTML(u))\">\(text(label))</a>"
        }
    }

    public func bold(_ escaped: String) -> String {
        if escaped.isEmpty { return escaped }
        switch self {
        case .plain: return escaped
        case .slack, .gchatText: return "*\(escaped)*"
        case .discord, .markdown, .teams: return "**\(escaped)**"
        case .telegramHTML, .html: return "<b>\(escaped)</b>"
        }
    }

    public func italic(_ escaped: String) -> String {
        if escaped.isEmpty { return escaped }
        switch self {
        case .plain: return escaped
        case .slack, .gchatText, .discord, .markdown, .teams: return "_\(escaped)_"
        case .telegramHTML, .html: return "<i>\(escaped)</i>"
        }
    }

    /// Struck-through text, or `[-…-]` where the markup has none.
    public func removed(_ escaped: String) -> String {
        switch self {
        case .plain, .teams: return "[-\(escaped)-]"
        case .slack, .gchatText: return "~\(escaped)~"
        case .discord, .markdown: return "~~\(escaped)~~"
        case .telegramHTML, .html: return "<s>\(escaped)</s>"
        }
    }

    /// Inserted text, or `{+…+}` where the markup has no bold.
    public func added(_ escaped: String) -> String {
        switch self {
        case .plain: return "{+\(escaped)+}"
        default: return bold(escaped)
        }
    }

    public var lineBreak: String {
        switch self {
        case .html: return "<br>"
        default: return "\n"
        }
    }

    public var paragraphBreak: String {
        switch self {
        case .html: return "<br><br>"
        default: return "\n\n"
        }
    }

    /// Rich text in this markup. Links longer than `URLText.maxLinkLength`
    /// never reach here (the converter drops them).
    public func render(_ rich: RichText) -> String {
        var out = ""
        for (i, p) in rich.paragraphs.enumerated() {
            if i > 0 { out += paragraphBreak }
            for span in p {
                switch span {
                case let .text(t): out += text(t)
                case let .link(t, url): out += link(t, url)
                case .lineBreak: out += lineBreak
                }
            }
        }
        return out
    }

    // MARK: Escaping

    static func replacing(_ s: String, _ map: [Unicode.Scalar: String]) -> String {
        guard s.unicodeScalars.contains(where: { map[$0] != nil }) else { return s }
        var out = ""
        for c in s.unicodeScalars {
            if let r = map[c] { out += r } else { out.unicodeScalars.append(c) }
        }
        return out
    }

    static func escapeSlack(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func escapeHTML(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// CommonMark-style backslash escapes for the characters that format
    /// inline text, plus `#`, `>`, `-`, `+` at the start of a line.
    static let markdownInline: Set<Unicode.Scalar> = Set("\\*_~`[]".unicodeScalars)
    static let discordInline: Set<Unicode.Scalar> = markdownInline.union(["|"])

    static func escapeMarkdown(_ s: String, extra: String) -> String {
        let inline = extra.isEmpty ? markdownInline : discordInline
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        var lineStart = true
        for c in s.unicodeScalars {
            if inline.contains(c) || (lineStart && (c == "#" || c == ">" || c == "-" || c == "+")) {
                out.unicodeScalars.append("\\")
            }
            out.unicodeScalars.append(c)
            if c == "\n" {
                lineStart = true
            } else if c != " " {
                lineStart = false
            }
        }
        return out
    }
}

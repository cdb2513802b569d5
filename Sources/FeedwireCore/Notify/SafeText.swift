/// Makes feed text safe to show in a chat message, before any service
/// escaping is applied.
///
/// Feed text is untrusted. Three things in it would otherwise misbehave:
/// - **Mentions.** `@everyone`, `@here`, `@channel`, `@all`, `@room` and the
///   Slack/Mattermost/Google Chat control forms (`<!channel>`, `<@U…>`,
///   `<users/all>`) would notify a whole channel. On services where a plain
///   `@name` notifies that person (Mattermost, Telegram groups) every such
///   mention is neutralised too.
/// - **Markup-looking text.** After HTML has been converted and entities
///   decoded once, text can still hold things that look like markup: a
///   publisher that double-escaped its headline (`AT&amp;amp;T` decodes to
///   `AT&amp;T`), or an article about HTML (`</p>`). Services that interpret
///   markup would swallow them, and services that show text verbatim would
///   show something that reads like a rendering bug.
/// - **Control characters** (other than newline and tab), which some
///   services reject.
///
/// The fix keeps the text readable and exactly as the publisher wrote it:
/// an invisible U+2060 WORD JOINER is inserted after the `@`, `&` or `<`
/// that starts such a sequence, so no parser recognises it and nothing
/// visible changes. (A backslash would show in most services; HTML escaping
/// is not understood by services that show text verbatim.)
public enum SafeText {
    /// U+2060 WORD JOINER: invisible, not whitespace, its own grapheme cluster.
    public static let joiner: Unicode.Scalar = "\u{2060}"

    /// Mass-mention keywords neutralised on every service.
    static let massMentions: [String] = ["everyone", "here", "channel", "all", "room"]

    /// - Parameter userMentions: also neutralise `@name` (services where it notifies that person).
    public static func neutralise(_ text: String, userMentions: Bool = false) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        out.reserveCapacity(scalars.count + 8)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            switch s {
            case "@":
                out.append(s)
                if mentionFollows(scalars, after: i, userMentions: userMentions) { out.append(joiner) }
            case "&":
                out.append(s)
                if entityFollows(scalars, after: i) { out.append(joiner) }
            case "<":
                out.append(s)
                if i + 1 < scalars.count, markupStart(scalars[i + 1]) { out.append(joiner) }
            case "\n", "\t":
                out.append(s)
            case "\r":
                // CR LF and lone CR become LF.
                if i + 1 < scalars.count, scalars[i + 1] == "\n" { break }
                out.append("\n")
            default:
                if s.value < 0x20 || s.value == 0x7F || (0x80...0x9F).contains(s.value) { break }
                if s.value == 0xFFFE || s.value == 0xFFFF { break }
                out.append(s)
            }
            i += 1
        }
        return String(out)
    }

    /// A character that, after `<`, lets some parser see a tag, a comment,
    /// a CDATA section or a Slack/Google Chat control sequence.
    static func markupStart(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "/", "!", "?", "@", "#": return true
        default: return false
        }
    }

    static func isASCIIAlnum(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return false
        }
    }

    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        s == "_" || s.properties.isAlphabetic || s.properties.numericType != nil
    }

    static func mentionFollows(_ scalars: [Unicode.Scalar], after at: Int, userMentions: Bool) -> Bool {
        let next = at + 1
        guard next < scalars.count else { return false }
        if userMentions, isWordScalar(scalars[next]) { return true }
        for word in massMentions {
            var j = next
            var matched = true
            for w in word.unicodeScalars {
                guard j < scalars.count else { matched = false; break }
                let c = scalars[j]
                let lower = ("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32)! : c
                guard lower == w else { matched = false; break }
                j += 1
            }
            // Whatever follows: services disagree on where a mention ends
            // (`@everyone_` pings on Discord), and a joiner in `@heretic` is invisible.
            if matched { return true }
        }
        return false
    }

    /// `&name;`, `&#123;` or `&#x1F;` starts at `amp + 1`: a character
    /// reference some renderer would decode.
    static func entityFollows(_ scalars: [Unicode.Scalar], after amp: Int) -> Bool {
        var j = amp + 1
        guard j < scalars.count else { return false }
        if scalars[j] == "#" {
            j += 1
            var hex = false
            if j < scalars.count, scalars[j] == "x" || scalars[j] == "X" { hex = true; j += 1 }
            let start = j
            while j < scalars.count, j - start < 8,
                  hex ? (isASCIIAlnum(scalars[j]) && scalars[j].properties.isASCIIHexDigit) : ("0"..."9").contains(scalars[j]) {
                j += 1
            }
            return j > start && j < scalars.count && scalars[j] == ";"
        }
        let start = j
        while j < scalars.count, j - start <= 32, isASCIIAlnum(scalars[j]) { j += 1 }
        guard j > start, j < scalars.count, scalars[j] == ";" else { return false }
        // Any name: renderers disagree on which names they know.
        return ("a"..."z").contains(scalars[start]) || ("A"..."Z").contains(scalars[start])
    }
}

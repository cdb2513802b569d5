/// How a chat service counts the length of a text against its limit.
///
/// Services document "characters" without saying which: Discord and
/// Telegram validate in UTF-16 code units in practice (JavaScript and
/// TDLib), Mattermost counts runes (code points), chat_sink counts code
/// points (Python `len`). A UTF-16 count is never smaller than a code-point
/// count, so counting UTF-16 units satisfies both readings. Byte limits
/// (ntfy 4096, Google Chat 32,000, Teams 28 KB, Matrix 65,536) count UTF-8
/// bytes of what goes on the wire.
public enum TextUnit: Sendable, Equatable {
    /// Unicode scalars (code points).
    case scalars
    /// UTF-16 code units: the safe reading of "characters".
    case utf16
    /// UTF-8 bytes.
    case utf8

    public func count(_ s: String) -> Int {
        switch self {
        case .scalars: return s.unicodeScalars.count
        case .utf16: return s.utf16.count
        case .utf8: return s.utf8.count
        }
    }

    public func count(_ c: Character) -> Int {
        switch self {
        case .scalars: return c.unicodeScalars.count
        case .utf16: return c.utf16.count
        case .utf8: return c.utf8.count
        }
    }
}

/// Cutting text to a limit without splitting a grapheme cluster.
public enum TextLimit {
    /// The ellipsis that marks a cut (one code point, one UTF-16 unit, three bytes).
    public static let ellipsis: Character = "…"

    /// `text` if it fits in `limit` units, else its longest prefix of whole
    /// `Character`s that fits together with a trailing "…". Trailing
    /// whitespace before the ellipsis is dropped. A limit too small for
    /// even the ellipsis yields "".
    public static func truncate(_ text: String, to limit: Int, unit: TextUnit) -> String {
        if limit <= 0 { return "" }
        // Fast path: the whole text fits (counting is linear, no copy).
        if unit.count(text) <= limit { return text }
        let room = limit - unit.count(ellipsis)
        if room < 0 { return "" }
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let c = text[index]
            let n = unit.count(c)
            if used + n > room { break }
            used += n
            end = text.index(after: index)
        }
        var head = text[..<end]
        while let last = head.last, last.isWhitespace { head = head.dropLast() }
        return String(head) + String(ellipsis)
    }

    /// The first `characters` Characters of `text` with "…" when cut (a
    /// visible-length budget, before any service counting).
    public static func prefix(_ text: String, characters: Int) -> String {
        if characters <= 0 { return "" }
        var count = 0
        var end = text.startIndex
        for index in text.indices {
            if count == characters {
                var head = text[..<end]
                while let last = head.last, last.isWhitespace { head = head.dropLast() }
                return String(head) + String(ellipsis)
            }
            count += 1
            end = text.index(after: index)
        }
        return text
    }

    /// Collapses runs of whitespace (including newlines) into single spaces
    /// and trims the ends: for one-line fields such as titles.
    public static func singleLine(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.unicodeScalars.append(" ")
                pendingSpace = false
            }
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}

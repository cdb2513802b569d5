/// Which URLs outputs may emit as links.
///
/// Feeds are hostile input: a `javascript:` or `data:` link in an item would
/// run script in a reader that follows it (or in our own HTML page), and a
/// relative or scheme-less value means nothing outside its source document.
/// Only absolute `http` and `https` URLs become links; anything else is
/// dropped (the story is still shown, without that link).
public enum LinkPolicy {
    /// The URL, trimmed, when it is an absolute http(s) URL without
    /// characters that cannot appear in one; nil otherwise.
    public static func safe(_ url: String?) -> String? {
        guard let url else { return nil }
        let utf8 = url.utf8
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else {
            return nil
        }
        let trimmed = String(Substring(utf8[first...last]))
        guard !trimmed.isEmpty, trimmed.utf8.count <= 8 * 1024 else { return nil }
        let lower = trimmed.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        // Controls and spaces never belong in a URL (RFC 3986 §2); a value
        // with them was not produced by our canonicaliser.
        for u in trimmed.unicodeScalars where u.value <= 0x20 || u.value == 0x7F { return nil }
        let hostStart = trimmed.index(trimmed.startIndex, offsetBy: lower.hasPrefix("https://") ? 8 : 7)
        guard hostStart < trimmed.endIndex, trimmed[hostStart] != "/" else { return nil }
        return trimmed
    }
}

/// Small URL helpers for links in chat messages and request URLs. Only
/// http(s) URLs are ever linked: a `javascript:` or `data:` href from a
/// feed must never become clickable in a newsroom channel.
public enum URLText {
    /// Longest URL put into a message as a link; longer ones are not linked
    /// (stored URLs may be 8 KiB; no chat service wants that in a message).
    public static let maxLinkLength = 2_000

    /// `href` as an absolute http(s) URL, resolved against `base` when it is
    /// relative (`//host/x`, `/path`, `path`), or nil when it is another
    /// scheme, empty or unusable.
    public static func absoluteHTTP(_ href: String, base: String? = nil) -> String? {
        let trimmed = href.trimmingASCIIWhitespace
        guard !trimmed.isEmpty, !trimmed.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) else {
            return trimmed.isEmpty ? nil : absoluteHTTP(trimmed.replacingSpaces, base: base)
        }
        if let scheme = scheme(of: trimmed) {
            guard scheme == "http" || scheme == "https", trimmed.utf8.count > scheme.utf8.count + 3 else { return nil }
            return valid(trimmed)
        }
        guard let base, let baseScheme = scheme(of: base), baseScheme == "http" || baseScheme == "https" else { return nil }
        if trimmed.hasPrefix("//") { return valid(baseScheme + ":" + trimmed) }
        let afterScheme = base.dropFirst(baseScheme.count + 3)
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let origin = String(base[..<authorityEnd])
        if trimmed.hasPrefix("/") { return valid(origin + trimmed) }
        if trimmed.hasPrefix("#") || trimmed.hasPrefix("?") {
            let noFragment = base.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? base
            if trimmed.hasPrefix("#") { return valid(noFragment + trimmed) }
            let noQuery = noFragment.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? noFragment
            return valid(noQuery + trimmed)
        }
        // A relative path: replace the base's last path segment.
        let path = afterScheme[authorityEnd...].prefix { $0 != "?" && $0 != "#" }
        let directory = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        return valid(origin + directory + trimmed)
    }

    /// The lower-cased scheme when `s` starts with one (`[A-Za-z][A-Za-z0-9+.-]*:`).
    public static func scheme(of s: String) -> String? {
        var out = ""
        for (i, c) in s.unicodeScalars.enumerated() {
            if c == ":" { return i > 0 ? out.lowercased() : nil }
            let ok: Bool
            switch c {
            case "a"..."z", "A"..."Z": ok = true
            case "0"..."9", "+", ".", "-": ok = i > 0
            default: ok = false
            }
            if !ok || i > 32 { return nil }
            out.unicodeScalars.append(c)
        }
        return nil
    }

    /// A usable link: characters that may not appear in a URI (RFC 3986
    /// §2: space, `<`, `>`, `"`, `{`, `}`, `|`, `\`, `^`, `` ` ``, controls,
    /// non-ASCII) percent-encoded, at most `maxLinkLength` bytes.
    static func valid(_ url: String) -> String? {
        var out = ""
        out.reserveCapacity(url.utf8.count)
        for b in url.utf8 {
            switch b {
            case 0...0x20, 0x7F...0xFF, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "{"),
                 UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "^"), UInt8(ascii: "`"):
                out += "%" + hex2(b)
            default:
                out.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        guard out.utf8.count <= maxLinkLength else { return nil }
        return out
    }

    /// Percent-encodes every byte outside RFC 3986 unreserved characters:
    /// for path segments and query values built from configuration or keys.
    public static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + hex2(b)
            }
        }
        return out
    }

    /// Percent-encodes the few characters that would break a link inside
    /// markup (`<`, `>`, `|`, `(`, `)`, `"`, space, control, non-ASCII),
    /// leaving the URL otherwise as given.
    public static func encodeForMarkup(_ url: String) -> String {
        var out = ""
        out.reserveCapacity(url.utf8.count)
        // `@` after the authority is percent-encoded too, so a URL in message
        // text can never read as a mention (`…?by=@channel`).
        let bytes = Array(url.utf8)
        var pathStart = bytes.count
        if let sep = ByteSearch.index(of: Array("://".utf8), in: bytes) {
            pathStart = bytes[(sep + 3)...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        }
        for (i, b) in bytes.enumerated() {
            if b == UInt8(ascii: "@"), i >= pathStart {
                out += "%40"
                continue
            }
            switch b {
            case 0...0x20, 0x7F...0xFF, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "|"), UInt8(ascii: "("),
                 UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "\\"), UInt8(ascii: "["), UInt8(ascii: "]"),
                 UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "^"):
                out += "%" + hex2(b)
            default:
                out.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        return out
    }

    /// A URL as plain message text (Matrix `body`): as `encodeForMarkup`.
    public static func display(_ url: String) -> String { encodeForMarkup(url) }

    /// Appends `name=value` to a URL's query string.
    public static func appendingQuery(_ url: String, _ name: String, _ value: String) -> String {
        let (head, fragment) = splitFragment(url)
        let sep = head.contains("?") ? (head.hasSuffix("?") || head.hasSuffix("&") ? "" : "&") : "?"
        return head + sep + percentEncode(name) + "=" + percentEncode(value) + fragment
    }

    /// The URL with a path suffix inserted before its query string.
    public static func appendingPath(_ url: String, _ suffix: String) -> String {
        let (head, fragment) = splitFragment(url)
        let parts = head.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var path = String(parts[0])
        while path.hasSuffix("/") && suffix.hasPrefix("/") { path.removeLast() }
        let query = parts.count > 1 ? "?" + parts[1] : ""
        return path + suffix + query + fragment
    }

    static func splitFragment(_ url: String) -> (String, String) {
        guard let hash = url.firstIndex(of: "#") else { return (url, "") }
        return (String(url[..<hash]), String(url[hash...]))
    }

    static func hex2(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String(digits[Int(b >> 4)]) + String(digits[Int(b & 0xF)])
    }

    /// A URL fit to show in messages and logs: no userinfo, no query (where
    /// webhook URLs keep their secrets), path cut after the host for
    /// services whose path is the secret.
    public static func redacted(_ url: String) -> String {
        guard let scheme = scheme(of: url) else { return "<url>" }
        let rest = url.dropFirst(scheme.count + 3)
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return "\(scheme)://\(authority)/…"
    }
}

extension StringProtocol {
    var trimmingASCIIWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }

}

extension String {
    fileprivate var replacingSpaces: String {
        var out = ""
        for c in unicodeScalars {
            switch c {
            case " ": out += "%20"
            case "\n", "\t", "\r": break
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

enum ByteSearch {
    static func index(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard !needle.isEmpty, needle.count <= bytes.count else { return nil }
        outer: for i in 0...(bytes.count - needle.count) {
            for k in 0..<needle.count where bytes[i + k] != needle[k] { continue outer }
            return i
        }
        return nil
    }
}

/// RFC 3986 §5 reference resolution, for feed links relative to `xml:base`
/// (XML Base, RFC 3986 as its §4.4 requires) and to the document URL.
///
/// A reference that already has a scheme is returned as written (only
/// trimmed): feeds' absolute URLs are kept byte for byte. Without a base
/// the reference is returned trimmed, unresolved (the parse contract's rule
/// for standard input without `--base`).
public enum URLResolver {
    public static func resolve(_ reference: String, against base: String?) -> String {
        let ref = reference.trimmingFeedWhitespace()
        if hasScheme(ref) { return ref }
        guard let base, !base.isEmpty else { return ref }
        let r = Parts(ref)
        let b = Parts(base)
        var t = Parts()
        if r.authority != nil {
            t.authority = r.authority
            t.path = removeDotSegments(r.path)
            t.query = r.query
        } else if r.path.isEmpty {
            t.authority = b.authority
            t.path = b.path
            t.query = r.query ?? b.query
        } else {
            t.authority = b.authority
            if r.path.hasPrefix("/") {
                t.path = removeDotSegments(r.path)
            } else {
                t.path = removeDotSegments(merge(b, r.path))
            }
            t.query = r.query
        }
        t.scheme = b.scheme
        t.fragment = r.fragment
        return t.recomposed
    }

    /// `file://` + the absolute path (the parse contract's default base for
    /// files), with dot segments removed and bytes other than unreserved
    /// characters and `/` percent-encoded (RFC 8089, RFC 3986 §2).
    public static func fileURL(path: String, currentDirectory: String) -> String {
        let absolute = path.hasPrefix("/") ? path : currentDirectory + (currentDirectory.hasSuffix("/") ? "" : "/") + path
        let clean = removeDotSegments(absolute)
        var out = "file://"
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for c in clean.utf8 {
            let unreserved = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "~")
                || c == UInt8(ascii: "/")
            if unreserved {
                bytes.append(c)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hex[Int(c >> 4)])
                bytes.append(hex[Int(c & 15)])
            }
        }
        out += String(decoding: bytes, as: UTF8.self)
        return out
    }

    /// `scheme ":"` with scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1).
    static func hasScheme(_ s: String) -> Bool {
        var first = true
        for c in s.utf8 {
            if c == UInt8(ascii: ":") { return !first }
            let alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
            if first {
                guard alpha else { return false }
                first = false
            } else {
                guard alpha || (c >= 48 && c <= 57) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") else {
                    return false
                }
            }
        }
        return false
    }

    /// RFC 3986 §5.2.3.
    static func merge(_ base: Parts, _ path: String) -> String {
        if base.authority != nil, base.path.isEmpty { return "/" + path }
        guard let slash = base.path.lastIndex(of: "/") else { return path }
        return String(base.path[...slash]) + path
    }

    /// RFC 3986 §5.2.4.
    static func removeDotSegments(_ path: String) -> String {
        guard hasDotSegment(path) else { return path }
        var input = Substring(path)
        var output: [Substring] = []
        var out = ""
        while !input.isEmpty {
            if input.hasPrefix("../") {
                input = input.dropFirst(3)
            } else if input.hasPrefix("./") {
                input = input.dropFirst(2)
            } else if input.hasPrefix("/./") {
                input = input.dropFirst(2)
            } else if input == "/." {
                input = "/"
            } else if input.hasPrefix("/../") {
                input = input.dropFirst(3)
                if !output.isEmpty { output.removeLast() }
            } else if input == "/.." {
                input = "/"
                if !output.isEmpty { output.removeLast() }
            } else if input == "." || input == ".." {
                input = ""
            } else {
                // Move the first segment (with its leading "/", if any) to the output.
                let start = input.startIndex
                var end = input.index(after: start)
                if input[start] != "/" { end = start }
                let next = input[end...].firstIndex(of: "/") ?? input.endIndex
                output.append(input[start..<next])
                input = input[next...]
            }
        }
        for segment in output { out += segment }
        return out
    }

    /// Whether some segment of `path` is `.` or `..` (most paths have none,
    /// and the general algorithm works on `Substring`s).
    static func hasDotSegment(_ path: String) -> Bool {
        var atSegmentStart = true
        var dots = 0
        for c in path.utf8 {
            if c == UInt8(ascii: "/") {
                if atSegmentStart && (dots == 1 || dots == 2) { return true }
                atSegmentStart = true
                dots = 0
            } else if c == UInt8(ascii: "."), atSegmentStart {
                dots += 1
                if dots > 2 { atSegmentStart = false }
            } else {
                atSegmentStart = false
            }
        }
        return atSegmentStart && (dots == 1 || dots == 2)
    }

    struct Parts {
        var scheme: String?
        var authority: String?
        var path = ""
        var query: String?
        var fragment: String?

        init() {}

        /// Splits by RFC 3986 Appendix B's regular expression.
        init(_ s: String) {
            var rest = Substring(s)
            if let hash = rest.firstIndex(of: "#") {
                fragment = String(rest[rest.index(after: hash)...])
                rest = rest[..<hash]
            }
            if let q = rest.firstIndex(of: "?") {
                query = String(rest[rest.index(after: q)...])
                rest = rest[..<q]
            }
            if URLResolver.hasScheme(String(rest)), let colon = rest.firstIndex(of: ":") {
                scheme = String(rest[..<colon])
                rest = rest[rest.index(after: colon)...]
            }
            if rest.hasPrefix("//") {
                rest = rest.dropFirst(2)
                let end = rest.firstIndex(of: "/") ?? rest.endIndex
                authority = String(rest[..<end])
                rest = rest[end...]
            }
            path = String(rest)
        }

        /// RFC 3986 §5.3.
        var recomposed: String {
            var s = ""
            if let scheme { s += scheme + ":" }
            if let authority { s += "//" + authority }
            s += path
            if let query { s += "?" + query }
            if let fragment { s += "#" + fragment }
            return s
        }
    }
}

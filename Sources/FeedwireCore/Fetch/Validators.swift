/// The validators of a stored representation (RFC 9110 §8.8): its entity tag
/// and modification date, kept per feed so the next poll is a conditional GET
/// that costs the publisher a 304 when nothing changed.
public struct Validators: Sendable, Hashable {
    /// `ETag`, verbatim (strong `"x"` or weak `W/"x"`).
    public var etag: String?
    /// `Last-Modified`, verbatim (an HTTP-date; sent back exactly as received,
    /// RFC 9110 §13.1.3 recommends that over a date of our own).
    public var lastModified: String?

    public init(etag: String? = nil, lastModified: String? = nil) {
        self.etag = Validators.clean(etag)
        self.lastModified = Validators.clean(lastModified)
    }

    /// From a 200 or 304 response.
    public init(headers: HTTPHeaders) {
        self.init(etag: headers["ETag"], lastModified: headers["Last-Modified"])
    }

    public var isEmpty: Bool { etag == nil && lastModified == nil }

    /// Adds `If-None-Match` (§13.1.2) and `If-Modified-Since` (§13.1.3).
    /// Both are sent when both are known: a server that understands
    /// If-None-Match ignores the date, an older cache uses it.
    public func apply(to headers: inout HTTPHeaders) {
        if let etag { headers.set("If-None-Match", etag) }
        if let lastModified { headers.set("If-Modified-Since", lastModified) }
    }

    /// The validators to keep after a response: a 304 may carry fresh ones
    /// (§15.4.5: the server sends those it would have sent with a 200); keep
    /// the old value of any it left out.
    public func updated(with newer: Validators) -> Validators {
        var v = self  // both sides are already clean
        if let e = newer.etag { v.etag = e }
        if let d = newer.lastModified { v.lastModified = d }
        return v
    }

    /// Empty, blank or line-breaking values are dropped (they would corrupt a
    /// request header or the validators file).
    static func clean(_ value: String?) -> String? {
        guard var value, !value.isEmpty else { return nil }
        // One pass over the bytes: reject line breaks, tabs and NUL, note
        // whether anything but spaces is there and whether spaces surround it
        // (this runs several times per poll).
        let verdict = value.withUTF8 { b -> UInt8 in  // 0 reject, 1 keep, 2 trim
            var printable = false
            for c in b where c <= 0x20 {
                if c == 0x0A || c == 0x0D || c == 0x00 || c == 0x09 { return 0 }
            }
            for c in b where c != 0x20 {
                printable = true
                break
            }
            guard printable else { return 0 }
            return b[0] == 0x20 || b[b.count - 1] == 0x20 ? 2 : 1
        }
        switch verdict {
        case 0: return nil
        case 1: return value
        default: return String(value.trimmingWhitespace)
        }
    }
}

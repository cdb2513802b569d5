/// Canonical form of an item link, so that the same story is recognised
/// whatever tracking decoration a feed serves it with.
///
/// What `canonical(_:)` does (RFC 3986 §6.2.2 syntax-based normalisation,
/// plus removal of parameters that only track the reader):
/// 1. trims surrounding whitespace;
/// 2. lower-cases the scheme and the host (§6.2.2.1);
/// 3. drops the port when it is the scheme's default (`http` 80, `https`
///    443) or empty (§6.2.3);
/// 4. drops the fragment (`#…`: never sent to the server, so never part of
///    what the link names);
/// 5. writes percent-encodings with upper-case hex digits and decodes those
///    of unreserved characters (`%7E` → `~`, §6.2.2.1–2);
/// 6. an empty `http(s)` path becomes `/` (§6.2.3);
/// 7. drops tracking parameters from the query: every `utm_*`, and
///    `fbclid`, `gclid`, `dclid`, `gbraid`, `wbraid`, `msclkid`, `yclid`,
///    `twclid`, `ttclid`, `li_fat_id`, `mc_cid`, `mc_eid`, `ocid`, `ncid`,
///    `cmpid`, `_ga`, `_gl`, `igshid`, `ref_src`, `ref_url`, `xtor`,
///    `at_medium`, `at_campaign`, `_hsenc`, `_hsmi`, `mkt_tok`, `vero_id`,
///    `oly_anon_id`, `oly_enc_id`, `rb_clickid`, `s_cid`, `smid`, `wt_mc`,
///    `__twitter_impression` (names compared case-insensitively);
/// 8. drops empty parameters and sorts the rest (byte order), and drops a
///    query left empty.
///
/// Deliberately not done: `http` ↔ `https`, `www.` removal, trailing-slash
/// changes — sites serve different things there, and a false merge of two
/// stories is worse than a missed one. Strings without a `scheme://` (tag
/// URIs, relative references) come back trimmed and otherwise unchanged.
public enum URLCanonicalizer {
    /// Exact parameter names removed (lower case).
    public static let trackingParameters: Set<String> = [
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id",
        "mc_cid", "mc_eid", "ocid", "ncid", "cmpid", "_ga", "_gl", "igshid", "ref_src", "ref_url", "xtor",
        "at_medium", "at_campaign", "_hsenc", "_hsmi", "mkt_tok", "vero_id", "oly_anon_id", "oly_enc_id",
        "rb_clickid", "s_cid", "smid", "wt_mc", "__twitter_impression",
    ]

    /// Parameter name prefixes removed (lower case).
    public static let trackingPrefixes: [String] = ["utm_"]

    /// Path endings that mark an image; inside text, such URLs lose their
    /// whole query (image CDNs put sizes, crops and cache busters there).
    static let imageExtensions: [String] = [".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".bmp"]

    public static func canonical(_ url: String) -> String { canonical(url, dropImageQuery: false) }

    /// - Parameter dropImageQuery: also drop the whole query of image URLs
    ///   (used for URLs inside text when fingerprinting).
    public static func canonical(_ url: String, dropImageQuery: Bool) -> String {
        let bytes = Array(url.utf8)
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        guard let schemeEnd = schemeLength(bytes, start, end) else {
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        for b in bytes[start..<schemeEnd] { out.append(lower(b)) }
        let scheme = String(decoding: out, as: UTF8.self)
        out.append(contentsOf: [0x3A, 0x2F, 0x2F])  // "://"
        var i = schemeEnd + 3

        // Authority: [userinfo@]host[:port]
        var authorityEnd = i
        while authorityEnd < end, bytes[authorityEnd] != 0x2F, bytes[authorityEnd] != 0x3F, bytes[authorityEnd] != 0x23 {
            authorityEnd += 1
        }
        var hostStart = i
        if let at = bytes[i..<authorityEnd].lastIndex(of: 0x40) {
            out.append(contentsOf: bytes[i...at])
            hostStart = at + 1
        }
        var portStart: Int?
        var k = hostStart
        var inBrackets = false
        while k < authorityEnd {
            let b = bytes[k]
            if b == 0x5B { inBrackets = true } else if b == 0x5D { inBrackets = false } else if b == 0x3A, !inBrackets {
                portStart = k
                break
            }
            k += 1
        }
        let hostEnd = portStart ?? authorityEnd
        for b in bytes[hostStart..<hostEnd] { out.append(lower(b)) }
        if let portStart {
            let port = String(decoding: bytes[(portStart + 1)..<authorityEnd], as: UTF8.self)
            let isDefault = port.isEmpty || (scheme == "http" && port == "80") || (scheme == "https" && port == "443")
            if !isDefault { out.append(contentsOf: bytes[portStart..<authorityEnd]) }
        }
        i = authorityEnd

        // Path
        var pathEnd = i
        while pathEnd < end, bytes[pathEnd] != 0x3F, bytes[pathEnd] != 0x23 { pathEnd += 1 }
        let pathOut = out.count
        if pathEnd == i, scheme == "http" || scheme == "https" {
            out.append(0x2F)
        } else {
            appendNormalisingPercent(bytes[i..<pathEnd], to: &out)
        }
        let isImage = dropImageQuery && hasImageExtension(out[pathOut...])
        i = pathEnd

        // Query (the fragment after it is dropped).
        if i < end, bytes[i] == 0x3F, !isImage {
            var queryEnd = i + 1
            while queryEnd < end, bytes[queryEnd] != 0x23 { queryEnd += 1 }
            var kept: [[UInt8]] = []
            var p = i + 1
            while p <= queryEnd {
                var q = p
                while q < queryEnd, bytes[q] != 0x26 { q += 1 }
                if q > p {
                    var parameter: [UInt8] = []
                    appendNormalisingPercent(bytes[p..<q], to: &parameter)
                    if !isTracking(parameter) { kept.append(parameter) }
                }
                p = q + 1
            }
            if !kept.isEmpty {
                kept.sort { $0.lexicographicallyPrecedes($1) }
                out.append(0x3F)
                for (n, parameter) in kept.enumerated() {
                    if n > 0 { out.append(0x26) }
                    out.append(contentsOf: parameter)
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True for an `http(s)` URL that names a page below the site root (a
    /// path other than `/`, or a query): only such URLs identify a story
    /// across feeds. A bare home page shared by many items does not.
    public static func isStoryURL(_ canonical: String) -> Bool {
        guard isWebURL(canonical) else { return false }
        let bytes = Array(canonical.utf8)
        guard let schemeEnd = schemeLength(bytes, 0, bytes.count) else { return false }
        var i = schemeEnd + 3
        while i < bytes.count, bytes[i] != 0x2F, bytes[i] != 0x3F { i += 1 }
        let rest = bytes[i...]
        return !(rest.isEmpty || (rest.count == 1 && rest.first == 0x2F))
    }

    /// True when the string starts with `http://` or `https://` (any case).
    public static func isWebURL(_ text: String) -> Bool {
        var it = text.utf8.makeIterator()
        var prefix: [UInt8] = []
        while prefix.count < 8, let b = it.next() { prefix.append(lower(b)) }
        return prefix.starts(with: Array("http://".utf8)) || prefix.starts(with: Array("https://".utf8))
    }

    // MARK: Helpers

    /// Length up to the end of a valid `scheme` followed by `://`.
    static func schemeLength(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Int? {
        var i = start
        guard i < end, isAlpha(bytes[i]) else { return nil }
        i += 1
        while i < end, isAlpha(bytes[i]) || isDigit(bytes[i]) || bytes[i] == 0x2B || bytes[i] == 0x2D || bytes[i] == 0x2E {
            i += 1
        }
        guard i + 3 <= end, bytes[i] == 0x3A, bytes[i + 1] == 0x2F, bytes[i + 2] == 0x2F else { return nil }
        return i
    }

    static func appendNormalisingPercent(_ slice: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var i = slice.startIndex
        while i < slice.endIndex {
            let b = slice[i]
            if b == 0x25, i + 2 < slice.endIndex, let h = hexValue(slice[i + 1]), let l = hexValue(slice[i + 2]) {
                let value = h << 4 | l
                if isUnreserved(value) {
                    out.append(value)
                } else {
                    out.append(0x25)
                    out.append(upperHex(slice[i + 1]))
                    out.append(upperHex(slice[i + 2]))
                }
                i += 3
            } else {
                out.append(b)
                i += 1
            }
        }
    }

    static func isTracking(_ parameter: [UInt8]) -> Bool {
        let nameEnd = parameter.firstIndex(of: 0x3D) ?? parameter.count
        guard nameEnd > 0, nameEnd <= 32 else { return false }
        let name = String(decoding: parameter[0..<nameEnd].map(lower), as: UTF8.self)
        if trackingParameters.contains(name) { return true }
        return trackingPrefixes.contains { name.hasPrefix($0) }
    }

    static func hasImageExtension(_ path: ArraySlice<UInt8>) -> Bool {
        let lowered = path.suffix(6).map(lower)
        return imageExtensions.contains { ext in lowered.count >= ext.utf8.count && lowered.suffix(ext.utf8.count).elementsEqual(ext.utf8) }
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C }

    static func isUnreserved(_ b: UInt8) -> Bool {
        isAlpha(b) || isDigit(b) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    static func upperHex(_ b: UInt8) -> UInt8 { (b >= 0x61 && b <= 0x66) ? b - 0x20 : b }
}

import Crypto

/// 64-bit keys and fingerprints: the first 8 bytes of a SHA-256 digest,
/// read as a big-endian signed integer so SQLite stores them as INTEGER.
///
/// Why 64 bits of SHA-256 rather than the whole digest: every item carries
/// six of them in indexed columns, and 8 bytes instead of 32 keeps those
/// indexes a quarter of the size. A collision needs ~2^32 distinct values
/// in one comparison set (birthday bound) — one feed's items, or the items
/// sharing one canonical link — far beyond anything a feed holds. GUIDs,
/// whose keys decide identity, are additionally compared by their stored
/// text. SHA-256 (swift-crypto, BoringSSL's assembly) rather than a
/// non-cryptographic hash because feed text is attacker-controlled: a
/// publisher must not be able to craft two texts with one fingerprint to
/// hide an edit.
public enum Fingerprint {
    /// Key of a string (its UTF-8 bytes).
    public static func of<S: StringProtocol>(_ text: S) -> Int64 {
        var hasher = SHA256()
        var text = String(text)
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return prefix(hasher.finalize())
    }

    /// Key of a canonical URL (links and URL-shaped GUIDs): the top 16 bits
    /// come from the host, the low 48 from the whole URL. Items of one feed
    /// mostly share a host, so their keys sit together in the global link
    /// index and a refresh dirties a couple of its pages instead of one page
    /// per item — the write volume of WAL commits depends on it. 48 bits per
    /// host still need ~2^24 stories on one host before a collision is likely.
    public static func url(_ canonical: String) -> Int64 {
        let whole = of(canonical)
        let host = hostPart(canonical).map { UInt64(bitPattern: of($0)) } ?? UInt64(bitPattern: whole)
        let mixed = (host & 0xFFFF_0000_0000_0000) | (UInt64(bitPattern: whole) & 0x0000_FFFF_FFFF_FFFF)
        return Int64(bitPattern: mixed)
    }

    /// `example.com` of `https://example.com/a`, nil without `scheme://`.
    static func hostPart(_ url: String) -> Substring? {
        let utf8 = url.utf8
        guard let colon = utf8.firstIndex(of: 0x3A) else { return nil }
        let rest = url[colon...]
        guard rest.utf8.starts(with: "://".utf8) else { return nil }
        let start = url.utf8.index(colon, offsetBy: 3)
        let end = url.utf8[start...].firstIndex { $0 == 0x2F || $0 == 0x3F || $0 == 0x23 } ?? url.utf8.endIndex
        return url[start..<end]
    }

    /// Key of raw bytes (a whole feed document).
    public static func of(bytes: [UInt8]) -> Int64 {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return prefix(hasher.finalize())
    }

    /// Key of several strings, each followed by a NUL separator so that
    /// ("ab", "c") and ("a", "bc") differ.
    public static func of(_ parts: [String]) -> Int64 {
        var hasher = SHA256()
        var zero: UInt8 = 0
        for var part in parts {
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            withUnsafeBytes(of: &zero) { hasher.update(bufferPointer: $0) }
        }
        return prefix(hasher.finalize())
    }

    /// Key of a list of 64-bit values (combining per-field fingerprints).
    public static func combine(_ values: [Int64]) -> Int64 {
        var hasher = SHA256()
        for value in values {
            var big = value.bigEndian
            withUnsafeBytes(of: &big) { hasher.update(bufferPointer: $0) }
        }
        return prefix(hasher.finalize())
    }

    /// Key of a document's bytes together with what else changes how it is
    /// read (the base URL relative links resolve against).
    public static func document(_ bytes: [UInt8], base: String?) -> Int64 {
        var hasher = SHA256()
        var base = base ?? ""
        base.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        var zero: UInt8 = 0
        withUnsafeBytes(of: &zero) { hasher.update(bufferPointer: $0) }
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return prefix(hasher.finalize())
    }

    static func prefix(_ digest: SHA256.Digest) -> Int64 {
        digest.withUnsafeBytes { raw in
            var value: UInt64 = 0
            for i in 0..<8 { value = value << 8 | UInt64(raw[i]) }
            return Int64(bitPattern: value)
        }
    }
}

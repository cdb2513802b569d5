/// The file `feedwire fetch --save-validators` writes and `--validators`
/// reads, so a second round is conditional:
///
/// ```
/// # feedwire validators v1: URL<TAB>ETag<TAB>Last-Modified (empty field: none)
/// https://example.com/feed.xml<TAB>"5e1f-61a"<TAB>Tue, 25 Nov 2025 10:00:00 GMT
/// ```
///
/// Tabs cannot occur in any of the three fields (URLs are percent-encoded,
/// an ETag is `%x21 / %x23-7E / obs-text`, an HTTP-date has spaces only), so
/// no quoting is needed. Lines starting with `#` and blank lines are ignored.
public enum ValidatorsFile {
    public static let header = "# feedwire validators v1: URL\tETag\tLast-Modified (empty field: none)\n"

    /// One line (with its newline), or nil when there is nothing to store
    /// or a field would break the format.
    public static func line(url: String, validators: Validators) -> String? {
        guard !validators.isEmpty, !url.isEmpty,
              !url.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return nil }
        return "\(url)\t\(validators.etag ?? "")\t\(validators.lastModified ?? "")\n"
    }

    /// URL → validators. Malformed lines are skipped (their line numbers are
    /// returned so a tool can warn).
    public static func parse(_ bytes: [UInt8]) -> (validators: [String: Validators], badLines: [Int]) {
        var out: [String: Validators] = [:]
        var bad: [Int] = []
        bytes.withUnsafeBufferPointer { b in
            // One entry per line: size the table once instead of rehashing as it grows.
            var lines = 0
            for c in b where c == 0x0A { lines += 1 }
            out.reserveCapacity(lines)
            var lineNumber = 0
            var start = 0
            while start < b.count {
                lineNumber += 1
                var end = start
                while end < b.count, b[end] != 0x0A { end += 1 }
                let next = end + 1
                if end > start, b[end - 1] == 0x0D { end -= 1 }
                defer { start = next }
                if end == start || b[start] == 0x23 { continue }
                var tabs = (-1, -1)
                var count = 0
                for k in start..<end where b[k] == 0x09 {
                    count += 1
                    if count == 1 { tabs.0 = k } else if count == 2 { tabs.1 = k } else { break }
                }
                guard count == 2, tabs.0 > start else {
                    bad.append(lineNumber)
                    continue
                }
                func text(_ from: Int, _ to: Int) -> String? {
                    from < to ? String(decoding: UnsafeBufferPointer(rebasing: b[from..<to]), as: UTF8.self) : nil
                }
                let v = Validators(etag: text(tabs.0 + 1, tabs.1), lastModified: text(tabs.1 + 1, end))
                if !v.isEmpty, let url = text(start, tabs.0) { out[url] = v }
            }
        }
        return (out, bad)
    }
}

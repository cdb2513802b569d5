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
        bytes.withUnsafeBytes { b in
            // One entry per line: size the table once instead of rehashing as it grows.
            out.reserveCapacity(ByteLines.newlines(in: b))
            var lineNumber = 0
            for line in ByteLines(b) {
                lineNumber += 1
                if line.isEmpty || b[line.lowerBound] == 0x23 { continue }
                guard let tab1 = ByteLines.first(0x09, in: b, line), tab1 > line.lowerBound,
                      let tab2 = ByteLines.first(0x09, in: b, tab1 + 1..<line.upperBound),
                      ByteLines.first(0x09, in: b, tab2 + 1..<line.upperBound) == nil else {
                    bad.append(lineNumber)
                    continue
                }
                func text(_ r: Range<Int>) -> String? { r.isEmpty ? nil : ByteLines.text(b, r) }
                let v = Validators(etag: text(tab1 + 1..<tab2), lastModified: text(tab2 + 1..<line.upperBound))
                if !v.isEmpty { out[ByteLines.text(b, line.lowerBound..<tab1)] = v }
            }
        }
        return (out, bad)
    }
}

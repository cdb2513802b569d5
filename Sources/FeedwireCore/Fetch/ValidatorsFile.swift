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
        var lineNumber = 0
        for rawLine in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine[...]
            if line.last == 0x0D { line = line.dropLast() }
            if line.isEmpty || line.first == 0x23 { continue }
            let fields = line.split(separator: 0x09, omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[0].isEmpty else {
                bad.append(lineNumber)
                continue
            }
            let url = String(decoding: fields[0], as: UTF8.self)
            let etag = fields[1].isEmpty ? nil : String(decoding: fields[1], as: UTF8.self)
            let date = fields[2].isEmpty ? nil : String(decoding: fields[2], as: UTF8.self)
            let v = Validators(etag: etag, lastModified: date)
            if !v.isEmpty { out[url] = v }
        }
        return (out, bad)
    }
}

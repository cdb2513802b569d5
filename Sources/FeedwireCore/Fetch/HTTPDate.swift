/// HTTP-date (RFC 9110 §5.6.7), parsed strictly: exactly one of the three
/// forms, case-sensitive names, fixed field widths, "GMT", valid ranges.
///
/// ```
/// IMF-fixdate  = Sun, 06 Nov 1994 08:49:37 GMT
/// rfc850-date  = Sunday, 06-Nov-94 08:49:37 GMT     (obsolete)
/// asctime-date = Sun Nov  6 08:49:37 1994           (obsolete)
/// ```
///
/// Recipients must accept all three (§5.6.7: "A recipient that parses a
/// timestamp value in an HTTP header field MUST accept all three
/// HTTP-date formats"). A two-digit rfc850 year that would lie more than 50
/// years in the future is the most recent past year with those digits (same
/// section), which is why `now` is a parameter.
public enum HTTPDate {
    /// Three-letter names packed back to back, compared as bytes.
    static let shortDays = Array("MonTueWedThuFriSatSun".utf8)
    static let months = Array("JanFebMarAprMayJunJulAugSepOctNovDec".utf8)
    static let longDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"].map { Array($0.utf8) }

    /// The time `text` denotes, or nil when it is not an HTTP-date.
    /// - Parameter now: used only to place two-digit rfc850 years.
    public static func parse(_ text: String, now: Timestamp = Timestamp(seconds: 0)) -> Timestamp? {
        var text = text
        return text.withUTF8 { b in
            if let t = parseIMF(b) { return t }
            if let t = parseRFC850(b, now: now) { return t }
            return parseAsctime(b)
        }
    }

    // IMF-fixdate: day-name "," SP 2DIGIT SP month SP 4DIGIT SP hh:mm:ss SP "GMT" (29 bytes)
    private static func parseIMF(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard b.count == 29, match(b, 0, shortDays) != nil, b[3] == 0x2C, b[4] == 0x20,
              let day = digits(b, 5, 2), b[7] == 0x20,
              let month = match(b, 8, months), b[11] == 0x20,
              let year = digits(b, 12, 4), b[16] == 0x20,
              let time = timeOfDay(b, 17), b[25] == 0x20,
              b[26] == 0x47, b[27] == 0x4D, b[28] == 0x54 else { return nil }
        return make(year, month + 1, day, time)
    }

    // rfc850-date: day-name-l "," SP 2DIGIT "-" month "-" 2DIGIT SP hh:mm:ss SP "GMT"
    private static func parseRFC850(_ b: UnsafeBufferPointer<UInt8>, now: Timestamp) -> Timestamp? {
        guard let dayIndex = longDays.firstIndex(where: { b.starts(with: $0) }) else { return nil }
        var i = longDays[dayIndex].count
        guard b.count == i + 24, b[i] == 0x2C, b[i + 1] == 0x20 else { return nil }
        i += 2
        guard let day = digits(b, i, 2), b[i + 2] == 0x2D, let month = match(b, i + 3, months), b[i + 6] == 0x2D,
              let yy = digits(b, i + 7, 2), b[i + 9] == 0x20, let time = timeOfDay(b, i + 10), b[i + 18] == 0x20,
              b[i + 19] == 0x47, b[i + 20] == 0x4D, b[i + 21] == 0x54 else { return nil }
        // Same century as now, unless that is more than 50 years ahead.
        let nowYear = now.components.year
        var year = (nowYear / 100) * 100 + yy
        if year > nowYear + 50 { year -= 100 }
        return make(year, month + 1, day, time)
    }

    // asctime-date: day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP hh:mm:ss SP 4DIGIT (24 bytes)
    private static func parseAsctime(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard b.count == 24, match(b, 0, shortDays) != nil, b[3] == 0x20,
              let month = match(b, 4, months), b[7] == 0x20 else { return nil }
        let day: Int
        if b[8] == 0x20, let d = digits(b, 9, 1) {
            day = d
        } else if let d = digits(b, 8, 2) {
            day = d
        } else {
            return nil
        }
        guard b[10] == 0x20, let time = timeOfDay(b, 11), b[19] == 0x20, let year = digits(b, 20, 4) else { return nil }
        return make(year, month + 1, day, time)
    }

    private static func make(_ year: Int, _ month: Int, _ day: Int, _ t: (Int, Int, Int)) -> Timestamp? {
        guard (1...12).contains(month), day >= 1, day <= daysIn(month, year) else { return nil }
        return Timestamp(year: year, month: month, day: day, hour: t.0, minute: t.1, second: t.2)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `hh:mm:ss` at `i`; second may be 60 (leap second, §5.6.7).
    private static func timeOfDay(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, Int, Int)? {
        guard i + 8 <= b.count, let h = digits(b, i, 2), b[i + 2] == 0x3A, let m = digits(b, i + 3, 2), b[i + 5] == 0x3A,
              let s = digits(b, i + 6, 2), h <= 23, m <= 59, s <= 60 else { return nil }
        return (h, m, s)
    }

    private static func digits(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int) -> Int? {
        guard i + n <= b.count else { return nil }
        var v = 0
        for k in i..<(i + n) {
            let c = b[k]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    /// Index of the three-letter name at `i` in a packed table (case-sensitive, as the ABNF's %s).
    private static func match(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ names: [UInt8]) -> Int? {
        guard i + 3 <= b.count else { return nil }
        var k = 0
        while k + 3 <= names.count {
            if b[i] == names[k] && b[i + 1] == names[k + 1] && b[i + 2] == names[k + 2] { return k / 3 }
            k += 3
        }
        return nil
    }
}

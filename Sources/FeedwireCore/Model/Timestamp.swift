/// A point in time in whole seconds since 1970-01-01T00:00:00Z (UTC).
///
/// Feed dates carry at most second precision and every output format writes
/// whole seconds (RFC 3339 with `Z`), so persisted times are whole seconds.
/// Conversions use the proleptic Gregorian calendar directly (Howard
/// Hinnant's `days_from_civil`), so they need no Foundation, no time zone
/// database and no locale.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    /// From fractional Unix seconds (a clock reading), rounded down.
    public init(unix: Double) { self.seconds = Int64(unix.rounded(.down)) }

    /// From a civil UTC date and time. Fields outside their usual range are
    /// normalised arithmetically (e.g. hour 24 is the next day's midnight).
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        seconds = Int64(days) * 86_400 + Int64(hour) * 3_600 + Int64(minute) * 60 + Int64(second)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.seconds < b.seconds }

    public static func + (a: Timestamp, b: Int64) -> Timestamp { Timestamp(seconds: a.seconds + b) }
    public static func - (a: Timestamp, b: Int64) -> Timestamp { Timestamp(seconds: a.seconds - b) }
    public static func - (a: Timestamp, b: Timestamp) -> Int64 { a.seconds - b.seconds }

    /// The UTC civil fields.
    public var components: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let rem = Int(seconds - Int64(days) * 86_400)
        let (y, m, d) = Timestamp.civilFromDays(days)
        // 1970-01-01 was a Thursday; 0 = Sunday.
        let weekday = ((days % 7) + 11) % 7
        return (y, m, d, rem / 3_600, (rem / 60) % 60, rem % 60, weekday)
    }

    /// `2025-11-25T10:00:00Z`, as the parse contract and Atom require (RFC 3339).
    public var rfc3339: String {
        let c = components
        return "\(Timestamp.pad(c.year, 4))-\(Timestamp.pad(c.month))-\(Timestamp.pad(c.day))T"
            + "\(Timestamp.pad(c.hour)):\(Timestamp.pad(c.minute)):\(Timestamp.pad(c.second))Z"
    }

    /// `Tue, 25 Nov 2025 10:00:00 +0000`, for RSS 2.0 (RFC 822 with four-digit year).
    public var rfc822: String {
        let c = components
        return "\(Timestamp.weekdayNames[c.weekday]), \(Timestamp.pad(c.day)) \(Timestamp.monthNames[c.month - 1]) "
            + "\(Timestamp.pad(c.year, 4)) \(Timestamp.pad(c.hour)):\(Timestamp.pad(c.minute)):\(Timestamp.pad(c.second)) +0000"
    }

    /// `Tue, 25 Nov 2025 10:00:00 GMT` (RFC 9110 IMF-fixdate), for HTTP headers.
    public var httpDate: String {
        let c = components
        return "\(Timestamp.weekdayNames[c.weekday]), \(Timestamp.pad(c.day)) \(Timestamp.monthNames[c.month - 1]) "
            + "\(Timestamp.pad(c.year, 4)) \(Timestamp.pad(c.hour)):\(Timestamp.pad(c.minute)):\(Timestamp.pad(c.second)) GMT"
    }

    public var description: String { rfc3339 }

    public static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    public static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        // Normalise the month into 1...12 first so callers may pass overflowed values.
        var y = year + (month - 1).floorDiv(12)
        let m = (month - 1).floorMod(12) + 1
        y -= m <= 2 ? 1 : 0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func pad(_ v: Int, _ width: Int = 2) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

extension Int {
    @usableFromInline func floorDiv(_ d: Int) -> Int { self >= 0 ? self / d : (self - d + 1) / d }
    @usableFromInline func floorMod(_ d: Int) -> Int { self - floorDiv(d) * d }
}

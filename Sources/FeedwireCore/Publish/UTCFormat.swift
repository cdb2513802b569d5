/// A small strftime for the "Updated" marker (`OutputConfig.updatedMarker`,
/// default `"Updated %H:%M UTC"`), always in UTC and in English, so the same
/// state renders to the same bytes on every machine.
///
/// Supported: `%Y` year, `%m` month 01–12, `%d` day 01–31, `%e` day 1–31,
/// `%H` hour 00–23, `%M` minute, `%S` second, `%b` month name (Nov),
/// `%a` weekday (Tue), `%%`. Any other `%x` is written as it stands.
public enum UTCFormat {
    public static func format(_ pattern: String, _ time: Timestamp) -> String {
        let c = time.components
        var out = ""
        var percent = false
        for ch in pattern {
            if !percent {
                if ch == "%" { percent = true } else { out.append(ch) }
                continue
            }
            percent = false
            switch ch {
            case "Y": out += Timestamp.pad(c.year, 4)
            case "m": out += Timestamp.pad(c.month)
            case "d": out += Timestamp.pad(c.day)
            case "e": out += String(c.day)
            case "H": out += Timestamp.pad(c.hour)
            case "M": out += Timestamp.pad(c.minute)
            case "S": out += Timestamp.pad(c.second)
            case "b": out += Timestamp.monthNames[c.month - 1]
            case "a": out += Timestamp.weekdayNames[c.weekday]
            case "%": out += "%"
            default: out.append("%"); out.append(ch)
            }
        }
        if percent { out.append("%") }
        return out
    }
}

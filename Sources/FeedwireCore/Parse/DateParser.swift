/// Reads the dates feeds publish.
///
/// Two families:
/// - RFC 3339 / ISO 8601 / W3C-DTF (Atom, JSON Feed, `dc:date`), including
///   partial dates (`2025`, `2025-11`, `2025-11-25` → midnight UTC), the
///   basic format (`20251125T100000Z`), a space instead of `T`, fractions
///   (truncated to whole seconds) and a missing zone (UTC).
/// - RFC 822/1123 (RSS `pubDate`) and what publishers really send: RFC 850
///   and asctime, two-digit years (00–49 → 20xx, 50–99 → 19xx), no seconds,
///   no or wrong weekday, lower case, named zones (RFC 822 §5 plus CET, EET,
///   MSK …), military letters (as UTC, RFC 1123 §5.2.14 says they were
///   specified wrongly), `+0200` and `+02:00`, and day and month names in
///   other languages (`mar., 25 nov. 2025 15:05:00 +0100`).
///
/// Anything else is nil: never "now" (parse contract).
public enum DateParser {
    public static func parse(_ text: String) -> Timestamp? {
        var text = text
        // Trim ASCII white space on the bytes and try the two forms nearly
        // every feed uses without building anything.
        var tooLong = false
        let quick: Timestamp? = text.withUTF8 { u in
            var start = 0, end = u.count
            while start < end, u[start] == 0x20 || u[start] == 0x09 || u[start] == 0x0A || u[start] == 0x0D { start += 1 }
            while end > start, u[end - 1] == 0x20 || u[end - 1] == 0x09 || u[end - 1] == 0x0A || u[end - 1] == 0x0D { end -= 1 }
            if end - start > 128 { tooLong = true; return nil }
            let b = UnsafeBufferPointer(rebasing: u[start..<end])
            return parseRFC3339Strict(b) ?? parseRFC822Strict(b)
        }
        if let quick { return quick }
        if tooLong { return nil }
        let bytes: [UInt8] = text.withUTF8 { u in
            var start = 0, end = u.count
            while start < end, u[start] == 0x20 || u[start] == 0x09 || u[start] == 0x0A || u[start] == 0x0D { start += 1 }
            while end > start, u[end - 1] == 0x20 || u[end - 1] == 0x09 || u[end - 1] == 0x0A || u[end - 1] == 0x0D { end -= 1 }
            return Array(u[start..<end])
        }
        guard !bytes.isEmpty else { return nil }
        if looksISO(bytes), let t = parseISO(bytes) { return t }
        let trimmed = String(decoding: bytes, as: UTF8.self).trimmingFeedWhitespace()
        guard !trimmed.isEmpty else { return nil }
        return parseLoose(trimmed)
    }

    /// The common case in one pass over the bytes:
    /// `[Www, ]D[D] Mmm YYYY HH:MM[:SS] (+HHMM|-HHMM|zone name)`.
    /// Anything else goes to `parseLoose`.
    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, RFC 3339 exactly, in one
    /// pass; anything else goes to `parseISO`.
    static func parseRFC3339Strict(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = b.count
        guard n >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] | 0x20 == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":") else { return nil }
        @inline(__always) func d(_ k: Int) -> Int? { isDigit(b[k]) ? Int(b[k] - 48) : nil }
        guard let y0 = d(0), let y1 = d(1), let y2 = d(2), let y3 = d(3), let m0 = d(5), let m1 = d(6), let d0 = d(8), let d1 = d(9),
              let h0 = d(11), let h1 = d(12), let n0 = d(14), let n1 = d(15), let s0 = d(17), let s1 = d(18) else { return nil }
        var i = 19
        if b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
            i += 1
            while i < n, isDigit(b[i]) { i += 1 }
        }
        let offset: Int
        if i + 1 == n, b[i] | 0x20 == UInt8(ascii: "z") {
            offset = 0
        } else if i + 6 == n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b[i + 3] == UInt8(ascii: ":"),
                  let a0 = d(i + 1), let a1 = d(i + 2), let b0 = d(i + 4), let b1 = d(i + 5) {
            let hours = a0 * 10 + a1, minutes = b0 * 10 + b1
            guard hours <= 18, minutes < 60 else { return nil }
            offset = (b[i] == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
        } else {
            return nil
        }
        return make(y0 * 1000 + y1 * 100 + y2 * 10 + y3, m0 * 10 + m1, d0 * 10 + d1, h0 * 10 + h1, n0 * 10 + n1, s0 * 10 + s1, offset)
    }

    static func parseRFC822Strict(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = b.count
        var i = 0
        @inline(__always) func letter(_ k: Int) -> Bool { k < n && (b[k] | 0x20) >= 0x61 && (b[k] | 0x20) <= 0x7A }
        @inline(__always) func digit(_ k: Int) -> Bool { k < n && isDigit(b[k]) }
        @inline(__always) func value(_ k: Int) -> Int { Int(b[k] - 48) }
        if letter(0), letter(1), letter(2), n > 5, b[3] == UInt8(ascii: ","), b[4] == 0x20 { i = 5 }
        guard digit(i) else { return nil }
        var day = value(i)
        i += 1
        if digit(i) { day = day * 10 + value(i); i += 1 }
        guard i < n, b[i] == 0x20, letter(i + 1), letter(i + 2), letter(i + 3), i + 4 < n, b[i + 4] == 0x20 else { return nil }
        let key = (UInt32(b[i + 1] | 0x20) << 16) | (UInt32(b[i + 2] | 0x20) << 8) | UInt32(b[i + 3] | 0x20)
        guard let month = englishMonth(key) else { return nil }
        i += 5
        guard digit(i), digit(i + 1), digit(i + 2), digit(i + 3), i + 4 < n, b[i + 4] == 0x20 else { return nil }
        let year = value(i) * 1000 + value(i + 1) * 100 + value(i + 2) * 10 + value(i + 3)
        i += 5
        guard digit(i), digit(i + 1), i + 2 < n, b[i + 2] == UInt8(ascii: ":"), digit(i + 3), digit(i + 4) else { return nil }
        let hour = value(i) * 10 + value(i + 1)
        let minute = value(i + 3) * 10 + value(i + 4)
        i += 5
        var second = 0
        if i < n, b[i] == UInt8(ascii: ":") {
            guard digit(i + 1), digit(i + 2) else { return nil }
            second = value(i + 1) * 10 + value(i + 2)
            i += 3
        }
        guard i < n, b[i] == 0x20 else { return nil }
        i += 1
        let offset: Int
        if i + 5 == n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), digit(i + 1), digit(i + 2), digit(i + 3), digit(i + 4) {
            let hours = value(i + 1) * 10 + value(i + 2), minutes = value(i + 3) * 10 + value(i + 4)
            guard hours <= 18, minutes < 60 else { return nil }
            offset = (b[i] == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
        } else if n - i >= 1, n - i <= 4, (i..<n).allSatisfy(letter) {
            guard let z = namedZones[String(decoding: b[i..<n], as: UTF8.self).lowercased()] else { return nil }
            offset = z
        } else {
            return nil
        }
        return make(year, month, day, hour, minute, second, offset)
    }

    /// The English month of three lower-case letters packed into a word.
    @inline(__always)
    private static func englishMonth(_ key: UInt32) -> Int? {
        switch key {
        case 0x6A_61_6E: return 1   // jan
        case 0x66_65_62: return 2   // feb
        case 0x6D_61_72: return 3   // mar
        case 0x61_70_72: return 4   // apr
        case 0x6D_61_79: return 5   // may
        case 0x6A_75_6E: return 6   // jun
        case 0x6A_75_6C: return 7   // jul
        case 0x61_75_67: return 8   // aug
        case 0x73_65_70: return 9   // sep
        case 0x6F_63_74: return 10  // oct
        case 0x6E_6F_76: return 11  // nov
        case 0x64_65_63: return 12  // dec
        default: return nil
        }
    }

    // MARK: ISO 8601 / RFC 3339 / W3C-DTF

    static func looksISO(_ b: [UInt8]) -> Bool {
        guard b.count >= 4, b[0..<4].allSatisfy(isDigit) else { return false }
        return b.count == 4 || b[4] == UInt8(ascii: "-") || b[4] == UInt8(ascii: "/") || isDigit(b[4])
    }

    static func parseISO(_ b: [UInt8]) -> Timestamp? {
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= b.count else { return nil }
            var v = 0
            for k in 0..<digits {
                guard isDigit(b[i + k]) else { return nil }
                v = v * 10 + Int(b[i + k] - 48)
            }
            i += digits
            return v
        }
        func accept(_ c: Character) -> Bool {
            if i < b.count, b[i] == c.asciiValue! { i += 1; return true }
            return false
        }
        guard let year = number(4) else { return nil }
        var month = 1, day = 1
        if i == b.count { return make(year, 1, 1, 0, 0, 0, 0) }
        let basic = isDigit(b[i])
        if !basic { guard accept("-") || accept("/") else { return nil } }
        guard let m = number(2) else { return nil }
        month = m
        if i < b.count, !basic { guard accept("-") || accept("/") else { return finishDate(b, &i, year, month, 1) } }
        if i == b.count { return make(year, month, 1, 0, 0, 0, 0) }
        guard let d = number(2) else { return nil }
        day = d
        return finishDate(b, &i, year, month, day)
    }

    /// After the date: optional `T`/space and time, optional zone.
    private static func finishDate(_ b: [UInt8], _ i: inout Int, _ year: Int, _ month: Int, _ day: Int) -> Timestamp? {
        if i == b.count { return make(year, month, day, 0, 0, 0, 0) }
        guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
        func two() -> Int? {
            guard i + 2 <= b.count, isDigit(b[i]), isDigit(b[i + 1]) else { return nil }
            defer { i += 2 }
            return Int(b[i] - 48) * 10 + Int(b[i + 1] - 48)
        }
        guard let hour = two() else { return nil }
        var minute = 0, second = 0
        let colon = i < b.count && b[i] == UInt8(ascii: ":")
        if colon { i += 1 }
        if let m = two() {
            minute = m
            if i < b.count, b[i] == UInt8(ascii: ":") || (!colon && isDigit(b[i])) {
                if b[i] == UInt8(ascii: ":") { i += 1 }
                guard let s = two() else { return nil }
                second = s
                if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
                    i += 1
                    while i < b.count, isDigit(b[i]) { i += 1 }
                }
            }
        } else if colon {
            return nil
        }
        while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
        var offset = 0
        let left = b.count - i
        if left == 1, b[i] | 0x20 == UInt8(ascii: "z") {
            offset = 0
        } else if left == 6 || left == 5, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"),
                  isDigit(b[i + 1]), isDigit(b[i + 2]), isDigit(b[b.count - 2]), isDigit(b[b.count - 1]),
                  left == 5 || b[i + 3] == UInt8(ascii: ":") {
            // ±HH:MM or ±HHMM, the forms RFC 3339 and most feeds use.
            let hours = Int(b[i + 1] - 48) * 10 + Int(b[i + 2] - 48)
            let minutes = Int(b[b.count - 2] - 48) * 10 + Int(b[b.count - 1] - 48)
            guard hours <= 18, minutes < 60 else { return nil }
            offset = (b[i] == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
        } else if i < b.count {
            let rest = String(decoding: b[i...], as: UTF8.self)
            guard let o = zoneOffset(rest) else { return nil }
            offset = o
        }
        return make(year, month, day, hour, minute, second, offset)
    }

    /// `Z`, `+02:00`, `+0200`, `+02`, `-5`, or a zone name (`UTC`, `GMT+2` …), in minutes east of UTC.
    static func zoneOffset(_ text: String) -> Int? {
        let t = text.lowercased()
        if let named = namedZones[t] { return named }
        var b = Array(t.utf8)
        // "gmt+2", "utc-05:00"
        for prefix in ["gmt", "utc", "ut"] where t.hasPrefix(prefix) && b.count > prefix.count {
            let c = b[prefix.count]
            if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                b.removeFirst(prefix.count)
                break
            }
        }
        guard let sign = b.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        let digits = b.dropFirst().filter { $0 != UInt8(ascii: ":") }
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy(isDigit),
              b.dropFirst().allSatisfy({ isDigit($0) || $0 == UInt8(ascii: ":") }) else { return nil }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
        let hours: Int, minutes: Int
        switch digits.count {
        case 1, 2: hours = value; minutes = 0
        case 3: hours = value / 100; minutes = value % 100
        default: hours = value / 100; minutes = value % 100
        }
        guard hours <= 18, minutes < 60 else { return nil }
        let total = hours * 60 + minutes
        return sign == UInt8(ascii: "-") ? -total : total
    }

    // MARK: RFC 822 and friends

    private enum Token {
        case word(String)
        case number(Int, digits: Int)
        case time(Int, Int, Int)
        case offset(Int)
    }

    static func parseLoose(_ text: String) -> Timestamp? {
        let tokens = tokenize(text.lowercased())
        var day: Int?, month: Int?, year: Int?
        var hour = 0, minute = 0, second = 0
        var sawTime = false
        var offset: Int?
        var pm: Bool?
        var monthCandidates: [(index: Int, month: Int)] = []
        for (index, token) in tokens.enumerated() {
            if case let .word(w) = token, let m = monthNumber(w) { monthCandidates.append((index, m)) }
        }
        // "mar., 25 nov. 2025": a leading word that could be a month (French
        // "mar." = Tuesday, English "Mar") is the weekday when another month follows.
        if monthCandidates.count > 1, monthCandidates[0].index == 0 { monthCandidates.removeFirst() }
        let monthIndex = monthCandidates.first?.index
        month = monthCandidates.first?.month

        var pendingZoneWord = false
        for (index, token) in tokens.enumerated() {
            switch token {
            case let .word(w):
                if index == monthIndex { continue }
                if w == "am" || w == "a.m." { pm = false; continue }
                if w == "pm" || w == "p.m." { pm = true; continue }
                if sawTime, offset == nil || pendingZoneWord {
                    if let z = namedZones[w] { offset = z; pendingZoneWord = true; continue }
                    if w.utf8.count == 1, let c = w.utf8.first, c >= UInt8(ascii: "a"), c <= UInt8(ascii: "z"), c != UInt8(ascii: "j") {
                        offset = 0   // military zone letters: read as UTC (contract)
                        continue
                    }
                }
                // Weekdays and anything unrecognised are ignored.
            case let .number(v, digits):
                if digits == 4 || digits == 3 {
                    guard year == nil, digits == 4 else { return nil }
                    year = v
                } else if digits <= 2 {
                    if day == nil, v >= 1, v <= 31 {
                        day = v
                    } else if year == nil {
                        year = v < 50 ? 2000 + v : 1900 + v
                    } else {
                        return nil
                    }
                } else {
                    return nil
                }
            case let .time(h, m, s):
                guard !sawTime else { return nil }
                sawTime = true
                hour = h; minute = m; second = s
            case let .offset(o):
                guard sawTime else { return nil }
                if pendingZoneWord { offset = (offset ?? 0) + o; pendingZoneWord = false } else if offset == nil { offset = o }
            }
        }
        guard let d = day, let m = month, let y = year else { return nil }
        if let pm {
            guard hour >= 1, hour <= 12 else { return nil }
            if pm, hour < 12 { hour += 12 }
            if !pm, hour == 12 { hour = 0 }
        }
        return make(y, m, d, hour, minute, second, offset ?? 0)
    }

    private static func tokenize(_ s: String) -> [Token] {
        var tokens: [Token] = []
        let b = Array(s.utf8)
        var i = 0
        var sawTime = false
        while i < b.count {
            let c = b[i]
            if isDigit(c) {
                var j = i
                var v = 0
                while j < b.count, isDigit(b[j]), j - i < 9 { v = v * 10 + Int(b[j] - 48); j += 1 }
                if j < b.count, b[j] == UInt8(ascii: ":"), j - i <= 2 {
                    // h:mm[:ss[.frac]]
                    var parts = [v]
                    var k = j
                    while k < b.count, b[k] == UInt8(ascii: ":"), parts.count < 3 {
                        var p = 0, n = 0
                        k += 1
                        while k < b.count, isDigit(b[k]), n < 2 { p = p * 10 + Int(b[k] - 48); k += 1; n += 1 }
                        guard n == 2 else { return [] }
                        parts.append(p)
                    }
                    if k < b.count, b[k] == UInt8(ascii: ".") || b[k] == UInt8(ascii: ",") {
                        k += 1
                        while k < b.count, isDigit(b[k]) { k += 1 }
                    }
                    tokens.append(.time(parts[0], parts[1], parts.count > 2 ? parts[2] : 0))
                    sawTime = true
                    i = k
                    continue
                }
                tokens.append(.number(v, digits: j - i))
                i = j
                continue
            }
            if (c == UInt8(ascii: "+") || c == UInt8(ascii: "-")), sawTime, i + 1 < b.count, isDigit(b[i + 1]) {
                var j = i + 1
                while j < b.count, isDigit(b[j]) || b[j] == UInt8(ascii: ":") { j += 1 }
                if let o = zoneOffset(String(decoding: b[i..<j], as: UTF8.self)) { tokens.append(.offset(o)) } else { return [] }
                i = j
                continue
            }
            if isLetter(c) {
                var j = i
                while j < b.count, isLetter(b[j]) || b[j] == UInt8(ascii: ".") { j += 1 }
                var word = String(decoding: b[i..<j], as: UTF8.self)
                if word.hasSuffix("."), !(word == "a.m." || word == "p.m.") {
                    while word.hasSuffix(".") { word.removeLast() }
                }
                tokens.append(.word(word))
                i = j
                continue
            }
            i += 1   // separators: space , - / ( )
        }
        return tokens
    }

    // MARK: Assembly

    static func make(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int, _ offsetMinutes: Int) -> Timestamp? {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= daysIn(month, year),
              (0...24).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        if hour == 24, minute != 0 || second != 0 { return nil }
        let s = min(second, 59)   // a leap second is read as :59
        let t = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: s)
        return t - Int64(offsetMinutes * 60)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c >= 0x80 }
}

extension String {
    /// Without leading and trailing XML whitespace (and no-break spaces).
    func trimmingFeedWhitespace() -> String {
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        let clean: Bool? = utf8.withContiguousStorageIfAvailable { u in
            guard let first = u.first, let last = u.last else { return true }
            return !isSpace(first) && !isSpace(last) && first != 0xC2 && last != 0xA0
        }
        if clean == true || isEmpty { return self }
        func isTrimmed(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{00A0}" }
        var scalars = Substring(self).unicodeScalars
        while let c = scalars.first, isTrimmed(c) { scalars.removeFirst() }
        while let c = scalars.last, isTrimmed(c) { scalars.removeLast() }
        return String(scalars)
    }
}

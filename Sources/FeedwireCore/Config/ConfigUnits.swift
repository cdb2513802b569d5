import Foundation

/// The small languages inside `feeds.conf` values: durations, sizes, rates,
/// quiet hours and names. Each parser returns nil or a reason; callers add
/// the key and line.
public enum ConfigUnits {
    // MARK: Durations

    static let durationUnits: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
    /// Words people write instead of the unit letters, for suggestions.
    static let durationWords: [String: String] = [
        "sec": "s", "secs": "s", "second": "s", "seconds": "s",
        "min": "m", "mins": "m", "minute": "m", "minutes": "m",
        "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
        "day": "d", "days": "d", "week": "w", "weeks": "w",
        "msec": "ms", "millisecond": "ms", "milliseconds": "ms",
    ]

    /// `"90s"`, `"15m"`, `"2h"`, `"1d"`, `"1h30m"`, `"1.5h"`, `"500ms"` → seconds.
    public static func duration(_ text: String) -> Double? {
        guard let parts = quantities(text), !parts.isEmpty else { return nil }
        var total = 0.0
        for (number, unit) in parts {
            guard let factor = durationUnits.first(where: { $0.0 == unit })?.1 else { return nil }
            total += number * factor
        }
        return total
    }

    /// A corrected spelling for a duration written with words ("15 minutes" → "15m").
    public static func durationSuggestion(_ text: String) -> String? {
        guard let parts = quantities(text.lowercased()), !parts.isEmpty else { return nil }
        var out = ""
        for (number, unit) in parts {
            let u = durationWords[unit] ?? unit
            guard durationUnits.contains(where: { $0.0 == u }) else { return nil }
            out += format(number) + u
        }
        return out == text ? nil : out
    }

    /// `"900s"` for 900, `"1h30m"` for 5400: the shortest exact spelling.
    public static func formatDuration(_ seconds: Double) -> String {
        if seconds < 1 && seconds > 0 { return format(seconds * 1000) + "ms" }
        var rest = Int(seconds.rounded())
        if rest == 0 { return "0s" }
        var out = ""
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    static func format(_ n: Double) -> String {
        n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
    }

    /// Splits "1h 30m" into [(1, "h"), (30, "m")]; nil when it is not numbers followed by letters.
    static func quantities(_ text: String) -> [(Double, String)]? {
        var out: [(Double, String)] = []
        var chars = Array(text.trimmingSpaces())[...]
        while !chars.isEmpty {
            var number = ""
            while let c = chars.first, c.isASCII, c.isNumber || c == "." {
                number.append(c)
                chars = chars.dropFirst()
            }
            while chars.first == " " { chars = chars.dropFirst() }
            var unit = ""
            while let c = chars.first, c.isASCII, c.isLetter {
                unit.append(c)
                chars = chars.dropFirst()
            }
            while chars.first == " " { chars = chars.dropFirst() }
            guard let n = Double(number), n.isFinite, !unit.isEmpty else { return nil }
            out.append((n, unit))
        }
        return out
    }

    // MARK: Sizes

    static let sizeUnits: [(String, Int)] = [
        ("b", 1), ("kb", 1000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("tb", 1_000_000_000_000),
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
    ]

    /// `"15MiB"`, `"10MB"`, `"512KiB"`, `"100B"`, `"1.5GiB"` → bytes (units case-insensitive).
    public static func size(_ text: String) -> Int? {
        guard let parts = quantities(text), parts.count == 1 else { return nil }
        let (number, unit) = parts[0]
        guard let factor = sizeUnits.first(where: { $0.0 == unit.lowercased() })?.1 else { return nil }
        let bytes = number * Double(factor)
        guard bytes < Double(Int.max) else { return nil }
        return Int(bytes)
    }

    /// For "15M" or "15k": both readings.
    public static func sizeSuggestion(_ text: String) -> String? {
        guard let parts = quantities(text), parts.count == 1 else { return nil }
        let (number, unit) = parts[0]
        let n = format(number)
        switch unit.lowercased() {
        case "k": return "\"\(n)KiB\" or \"\(n)KB\""
        case "m": return "\"\(n)MiB\" or \"\(n)MB\""
        case "g": return "\"\(n)GiB\" or \"\(n)GB\""
        case "bytes", "byte": return "\"\(n)B\""
        default: return nil
        }
    }

    // MARK: Quiet hours and rates

    /// `"22:00-07:00"` (UTC) → minutes after midnight of start and end; may wrap midnight.
    public static func quietHours(_ text: String) -> (start: Int, end: Int)? {
        let halves = text.trimmingSpaces().split(separator: "-", omittingEmptySubsequences: false)
        guard halves.count == 2, let a = clock(halves[0].trimmingSpaces()), let b = clock(halves[1].trimmingSpaces()), a != b else { return nil }
        return (a, b)
    }

    static func clock(_ s: String) -> Int? {
        let hm = s.split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, (1...2).contains(hm[0].count), hm[1].count == 2,
              let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0..<60).contains(m) else { return nil }
        if h == 24 { return m == 0 ? 1440 : nil }
        return h * 60 + m
    }

    /// `"5/2s"`, `"30/1m"`, `"1/s"` → (messages, per seconds).
    public static func rate(_ text: String) -> (count: Int, per: Double)? {
        let halves = text.trimmingSpaces().split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, let count = Int(halves[0].trimmingSpaces()), count > 0 else { return nil }
        var unit = halves[1].trimmingSpaces()
        if let first = unit.first, first.isLetter { unit = "1" + unit }
        guard let per = duration(unit), per > 0 else { return nil }
        return (count, per)
    }

    // MARK: Names

    /// `[a-z0-9-]+`: names of feeds, outputs and notifiers end up in
    /// idempotency keys, file names and metric labels.
    public static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    public static let maxNameLength = 64

    /// A name made from free text: "Ukrainska Pravda (EN)" → "ukrainska-pravda-en",
    /// "Українська правда" → "ukrainska-pravda". Letters lose their accents,
    /// Cyrillic and Greek are transliterated, anything else becomes `-`;
    /// the result is cut at a word boundary to `maxLength`. Empty when
    /// nothing usable is left.
    public static func slug(_ text: String, maxLength: Int = 48) -> String {
        var out = ""
        var pendingDash = false
        func add(_ piece: String) {
            if pendingDash && !out.isEmpty { out.append("-") }
            pendingDash = false
            out += piece
        }
        for original in text.lowercased().unicodeScalars {
            // Transliterate before decomposing: й and ї must not lose their marks first.
            if let t = Transliteration.latin[original.value] {
                add(t)
                continue
            }
            for scalar in String(original).decomposedStringWithCanonicalMapping.unicodeScalars {
                let v = scalar.value
                if (0x61...0x7A).contains(v) || (0x30...0x39).contains(v) {
                    add(String(scalar))
                } else if (0x300...0x36F).contains(v) || scalar == "'" || scalar == "\u{2019}" {
                    continue  // combining accents; "Europe's" → "europes"
                } else if let t = Transliteration.latin[v] {
                    add(t)
                } else if scalar == "&" {
                    pendingDash = true
                    add("and")
                    pendingDash = true
                } else {
                    pendingDash = true
                }
            }
        }
        if out.count > maxLength {
            let cut = String(out.prefix(maxLength))
            if let dash = cut.lastIndex(of: "-"), cut.distance(from: cut.startIndex, to: dash) >= maxLength / 2 {
                out = String(cut[..<dash])
            } else {
                out = cut
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

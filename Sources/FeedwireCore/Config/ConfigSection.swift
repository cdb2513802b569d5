/// Diagnostics collected while a configuration is read: every error and
/// warning, not just the first. Local to one load.
final class DiagnosticLog {
    private(set) var items: [ConfigDiagnostic] = []

    func error(_ line: Int, _ message: String, suggestion: String? = nil) {
        items.append(ConfigDiagnostic(.error, line: line, message, suggestion: suggestion))
    }

    func warning(_ line: Int, _ message: String, suggestion: String? = nil) {
        items.append(ConfigDiagnostic(.warning, line: line, message, suggestion: suggestion))
    }

    var hasErrors: Bool { items.contains { $0.severity == .error } }

    /// By line, errors before warnings on the same line, otherwise in the order found.
    var sorted: [ConfigDiagnostic] {
        items.enumerated().sorted { a, b in
            if a.element.line != b.element.line { return a.element.line < b.element.line }
            if a.element.severity != b.element.severity { return a.element.severity == .error }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// One table of `feeds.conf` (`[daemon]`, one `[[feed]]` …) read key by
/// key: each typed getter reports a wrong type or a bad value with the
/// line and returns nil, so the caller keeps its default and goes on.
final class ConfigSection {
    let table: TOMLTable
    /// How messages name the table: `[daemon]`, `[[feed]] "kyiv"`.
    var context: String
    let log: DiagnosticLog
    /// Directory of the config file, for relative paths (nil: leave them).
    let baseDirectory: String?

    init(_ table: TOMLTable, context: String, log: DiagnosticLog, baseDirectory: String?) {
        self.table = table
        self.context = context
        self.log = log
        self.baseDirectory = baseDirectory
    }

    var line: Int { table.line }

    func has(_ key: String) -> Bool { table.entry(key) != nil }

    /// Line of the key (the table's header line if absent).
    func line(of key: String) -> Int { table.entry(key)?.keyLine ?? table.line }

    func value(_ key: String) -> TOMLValue? { table[key] }

    func wrongType(_ key: String, _ v: TOMLValue, expected: String, suggestion: String? = nil) {
        log.error(v.line, "`\(key)` in \(context) must be \(expected), found \(v.typeName)", suggestion: suggestion)
    }

    /// Reports keys that are not in `known`, with the nearest known key as a suggestion.
    func rejectUnknownKeys(_ known: [String], elsewhere: [String: String] = [:]) {
        for entry in table.entries where !known.contains(entry.key) {
            let message = "unknown key `\(entry.key)` in \(context)"
            if let near = ConfigSuggestion.closest(to: entry.key, in: known) {
                log.error(entry.keyLine, message, suggestion: "did you mean `\(near)`?")
            } else if let home = elsewhere[entry.key] {
                log.error(entry.keyLine, message, suggestion: "`\(entry.key)` belongs in \(home)")
            } else {
                log.error(entry.keyLine, message, suggestion: "the sample feeds.conf lists every key")
            }
        }
    }

    // MARK: Typed getters

    func string(_ key: String, allowEmpty: Bool = true) -> String? {
        guard let v = value(key) else { return nil }
        // A switch over the kind rather than `v.string` then `v.integer.map`:
        // Swift 6.3.1's optimizer (CopyPropagation, -O) crashed on that form.
        let s: String
        switch v.kind {
        case let .string(text):
            s = text
        case let .integer(i):
            wrongType(key, v, expected: "a string", suggestion: "write \(key) = \"\(i)\"")
            return nil
        default:
            wrongType(key, v, expected: "a string", suggestion: nil)
            return nil
        }
        if !allowEmpty && s.trimmingSpaces().isEmpty {
            log.error(v.line, "`\(key)` in \(context) is empty")
            return nil
        }
        return s
    }

    func bool(_ key: String) -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.boolean else {
            let hint: String?
            switch v.string?.lowercased() {
            case "true", "yes", "on", "1": hint = "write \(key) = true (no quotes)"
            case "false", "no", "off", "0": hint = "write \(key) = false (no quotes)"
            default: hint = nil
            }
            wrongType(key, v, expected: "true or false", suggestion: hint)
            return nil
        }
        return b
    }

    func int(_ key: String, min: Int = 0, max: Int = Int.max) -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.integer else {
            var hint: String?
            if let s = v.string, Int(s) != nil { hint = "write \(key) = \(s) (no quotes)" }
            if let d = v.float, d == d.rounded(), abs(d) < 1e15 { hint = "write \(key) = \(Int64(d))" }
            wrongType(key, v, expected: "an integer", suggestion: hint)
            return nil
        }
        guard i >= Int64(min), i <= Int64(max) else {
            let range = max == Int.max ? "at least \(min)" : "between \(min) and \(max)"
            log.error(v.line, "`\(key)` in \(context) must be \(range), found \(i)")
            return nil
        }
        return Int(i)
    }

    /// A duration string (`"15m"`) in seconds.
    func duration(_ key: String, allowZero: Bool = false) -> Double? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else {
            var hint = "durations are strings such as \"90s\", \"15m\", \"2h\", \"1d\""
            if let i = v.integer { hint = "write \(key) = \"\(i)s\" for \(i) seconds" }
            wrongType(key, v, expected: "a duration string", suggestion: hint)
            return nil
        }
        guard let d = ConfigUnits.duration(s) else {
            let hint = ConfigUnits.durationSuggestion(s).map { "did you mean \"\($0)\"?" }
                ?? "write a number and a unit (ms, s, m, h, d, w), e.g. \"90s\", \"15m\", \"1h30m\""
            log.error(v.line, "`\(key)` in \(context): \"\(s)\" is not a duration", suggestion: hint)
            return nil
        }
        if d == 0 && !allowZero {
            log.error(v.line, "`\(key)` in \(context) must be longer than zero")
            return nil
        }
        return d
    }

    /// A size: `"15MiB"`, `"10MB"`, `"512KiB"` or an integer of bytes.
    func size(_ key: String, allowZero: Bool = false) -> Int? {
        guard let v = value(key) else { return nil }
        let bytes: Int
        if let i = v.integer {
            guard i >= 0 else {
                log.error(v.line, "`\(key)` in \(context) must not be negative")
                return nil
            }
            bytes = Int(i)
        } else if let s = v.string {
            guard let b = ConfigUnits.size(s) else {
                let hint = ConfigUnits.sizeSuggestion(s).map { "did you mean \($0)?" }
                    ?? "write a number and a unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. \"15MiB\", or an integer of bytes"
                log.error(v.line, "`\(key)` in \(context): \"\(s)\" is not a size", suggestion: hint)
                return nil
            }
            bytes = b
        } else {
            wrongType(key, v, expected: "a size such as \"15MiB\" or an integer of bytes")
            return nil
        }
        if bytes == 0 && !allowZero {
            log.error(v.line, "`\(key)` in \(context) must be larger than zero")
            return nil
        }
        return bytes
    }

    /// A number (integer or float).
    func number(_ key: String) -> Double? {
        guard let v = value(key) else { return nil }
        if let d = v.float, d.isFinite { return d }
        if let i = v.integer { return Double(i) }
        wrongType(key, v, expected: "a number")
        return nil
    }

    /// An array of strings (a single string is accepted as a one-element list
    /// only with an error, because it is almost always a forgotten `[…]`).
    func strings(_ key: String) -> [String]? {
        guard let v = value(key) else { return nil }
        guard let items = v.array else {
            if let s = v.string {
                wrongType(key, v, expected: "an array of strings", suggestion: "write \(key) = [\"\(s)\"]")
            } else {
                wrongType(key, v, expected: "an array of strings")
            }
            return nil
        }
        var out: [String] = []
        var ok = true
        for item in items {
            guard let s = item.string else {
                log.error(item.line, "`\(key)` in \(context) must hold strings, found \(item.typeName)")
                ok = false
                continue
            }
            out.append(s)
        }
        return ok ? out : nil
    }

    /// `env:NAME`, `file:/path` (relative to the config file) or an inline
    /// value. Never echoes the value.
    func secret(_ key: String) -> Secret? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else {
            wrongType(key, v, expected: "a string (inline, \"env:NAME\" or \"file:/path\")")
            return nil
        }
        let secret = Secret(parsing: s)
        switch secret.source {
        case let .environment(name):
            guard ConfigSection.isEnvironmentName(name) else {
                log.error(v.line, "`\(key)` in \(context): \"env:\(name)\" is not a valid environment variable name",
                          suggestion: "use letters, digits and _, e.g. \"env:FEEDWIRE_TOKEN\"")
                return nil
            }
            return secret
        case let .file(path):
            guard !path.isEmpty else {
                log.error(v.line, "`\(key)` in \(context): \"file:\" needs a path, e.g. \"file:/etc/feedwire/token\"")
                return nil
            }
            return Secret(.file(resolve(path, line: v.line, key: key)))
        case let .inline(text):
            guard !text.isEmpty else {
                log.error(v.line, "`\(key)` in \(context) is empty")
                return nil
            }
            return secret
        }
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return name.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    /// A path, made absolute against the config file's directory.
    func path(_ key: String, allowEmpty: Bool = false) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = string(key, allowEmpty: allowEmpty) else { return nil }
        if s.isEmpty { return s }
        return resolve(s, line: v.line, key: key)
    }

    func resolve(_ path: String, line: Int, key: String) -> String {
        if path.hasPrefix("~") {
            log.error(line, "`\(key)` in \(context): `~` is not expanded in feeds.conf", suggestion: "write the full path")
            return path
        }
        return ConfigSection.resolve(path, against: baseDirectory)
    }

    static func resolve(_ path: String, against base: String?) -> String {
        guard !path.hasPrefix("/"), let base, !base.isEmpty else { return path }
        var rest = Substring(path)
        while rest.hasPrefix("./") { rest = rest.dropFirst(2) }
        if rest.isEmpty || rest == "." { return base }
        return base.hasSuffix("/") ? base + rest : base + "/" + rest
    }

    /// A string that must be one of `allowed`.
    func choice(_ key: String, _ allowed: [String]) -> String? {
        guard let v = value(key), let s = string(key) else { return nil }
        guard allowed.contains(s) else {
            let near = ConfigSuggestion.closest(to: s, in: allowed)
            log.error(v.line, "`\(key)` in \(context): \"\(s)\" is not one of \(allowed.joined(separator: ", "))",
                      suggestion: near.map { "did you mean \"\($0)\"?" })
            return nil
        }
        return s
    }
}

/// One problem found in `feeds.conf`, with where it is and what to do.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    /// 1-based line in the file (0 when not tied to a line).
    public var line: Int
    public var message: String
    /// e.g. "did you mean `interval`?"
    public var suggestion: String?

    public init(_ severity: Severity, line: Int, _ message: String, suggestion: String? = nil) {
        self.severity = severity
        self.line = line
        self.message = message
        self.suggestion = suggestion
    }

    /// `feeds.conf:12: error: unknown key `intervall` in [[feed]]; did you mean `interval`?`
    public func formatted(file: String) -> String {
        var s = line > 0 ? "\(file):\(line): \(severity.rawValue): \(message)" : "\(file): \(severity.rawValue): \(message)"
        if let suggestion { s += "; \(suggestion)" }
        return s
    }

    public var description: String { formatted(file: "feeds.conf") }
}

/// `feeds.conf` could not be used: every error found, plus warnings.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Path of the file, as given.
    public var file: String
    public var diagnostics: [ConfigDiagnostic]
    /// True when the file could not be read at all (exit code 3 for `run`/`once`).
    public var unreadable: Bool

    public init(file: String, diagnostics: [ConfigDiagnostic], unreadable: Bool = false) {
        self.file = file
        self.diagnostics = diagnostics
        self.unreadable = unreadable
    }

    public var description: String { diagnostics.map { $0.formatted(file: file) }.joined(separator: "\n") }
}

/// A configuration that parsed, with the warnings found on the way
/// (unreachable values, deprecated keys …).
public struct LoadedConfig: Sendable, Equatable {
    public var config: FeedwireConfig
    public var warnings: [ConfigDiagnostic]

    public init(config: FeedwireConfig, warnings: [ConfigDiagnostic] = []) {
        self.config = config
        self.warnings = warnings
    }
}

/// Reads and validates `feeds.conf`.
public enum ConfigLoader {
    /// Reads the file and parses it; relative paths resolve against its directory.
    public static func load(path: String) throws(ConfigError) -> LoadedConfig {
        throw ConfigError(file: path, diagnostics: [ConfigDiagnostic(.error, line: 0, "the configuration reader is not written yet")])
    }

    /// Parses TOML text. `path` (absolute) names the file in messages and
    /// anchors relative paths; without it relative paths stay as written.
    public static func parse(text: String, path: String?) throws(ConfigError) -> LoadedConfig {
        throw ConfigError(file: path ?? "feeds.conf", diagnostics: [ConfigDiagnostic(.error, line: 0, "the configuration reader is not written yet")])
    }
}

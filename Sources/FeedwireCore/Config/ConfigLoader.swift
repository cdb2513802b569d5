import Glibc

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

/// Reads and validates `feeds.conf` (`../shared/contracts/feeds-conf.md`):
/// TOML (`TOMLParser`) → values (`ConfigDecoder`) → whole-file checks
/// (`ConfigValidator`). Every problem is collected with its line; the
/// configuration is returned only when there is no error.
public enum ConfigLoader {
    /// Reads the file and parses it; relative paths resolve against its directory.
    /// `unreadable` is set when the file cannot be read at all.
    public static func load(path: String) throws(ConfigError) -> LoadedConfig {
        let bytes: [UInt8]
        switch ConfigFileReader.read(path) {
        case let .success(b): bytes = b
        case let .failure(failure):
            throw ConfigError(file: path, diagnostics: [ConfigDiagnostic(.error, line: 0, "cannot read the configuration: \(failure.description)",
                                                                         suggestion: "check the path, or pass --config PATH")],
                              unreadable: true)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, diagnostics: [ConfigDiagnostic(.error, line: invalidUTF8Line(bytes),
                                                                         "the file is not valid UTF-8", suggestion: "save it as UTF-8")])
        }
        return try parse(text: text, path: path, shownAs: path)
    }

    /// Parses TOML text. `path` (absolute) names the file in messages and
    /// anchors relative paths; without it relative paths stay as written.
    public static func parse(text: String, path: String?) throws(ConfigError) -> LoadedConfig {
        try parse(text: text, path: path, shownAs: path ?? "feeds.conf")
    }

    static func parse(text: String, path: String?, shownAs: String) throws(ConfigError) -> LoadedConfig {
        let absolute = path.map(absolutePath)
        let log = DiagnosticLog()
        let document = TOMLParser.parse(text)
        for e in document.errors { log.error(e.line, e.message) }
        if document.hasSyntaxError {
            throw ConfigError(file: shownAs, diagnostics: log.sorted)
        }
        let decoder = ConfigDecoder(log: log, baseDirectory: absolute.map(directory))
        let decoded = decoder.decode(document.root)
        ConfigValidator(log: log).validate(decoded)
        if log.hasErrors {
            throw ConfigError(file: shownAs, diagnostics: log.sorted)
        }
        var config = decoded.config
        config.path = absolute
        return LoadedConfig(config: config, warnings: log.sorted)
    }

    /// Resolves every secret of a loaded configuration now, as the daemon
    /// would when it delivers: an unset `env:` variable or an unreadable
    /// `file:` becomes a warning (the daemon would start but could not
    /// deliver there). Values are never put in a message.
    public static func secretDiagnostics(_ config: FeedwireConfig, environment: [String: String]? = nil) -> [ConfigDiagnostic] {
        var out: [ConfigDiagnostic] = []
        for n in config.notifiers {
            let context = "[[notify]] \"\(n.name)\""
            let secrets: [(String, Secret?)] = [("url", n.url), ("token", n.token), ("secret", n.secret)]
            for case let (key, secret?) in secrets {
                do {
                    let value = try secret.resolve(environment: environment)
                    if key == "url", ConfigURL.parse(value.trimmingSpaces()) == nil {
                        out.append(ConfigDiagnostic(.warning, line: n.line, "`url` of \(context) (\(secret.description)) does not hold an http(s) URL",
                                                    suggestion: "the daemon could not deliver to this target"))
                    }
                } catch {
                    out.append(ConfigDiagnostic(.warning, line: n.line, "`\(key)` of \(context): \(error.description)",
                                                suggestion: "the daemon could not deliver to this target"))
                }
            }
        }
        return out
    }

    // MARK: - Files

    /// `path` made absolute against the working directory.
    public static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return ConfigSection.resolve(path, against: cwd)
    }

    static func directory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func invalidUTF8Line(_ bytes: [UInt8]) -> Int {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var line = 1
        loop: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): if s == "\n" { line += 1 }
            case .emptyInput: break loop
            case .error: return line
            }
        }
        return line
    }
}

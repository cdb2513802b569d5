/// The `include`/`exclude` filter of an `[[output]]` or `[[notify]]`:
/// case-insensitive regular expressions (Swift `Regex` syntax, which is
/// PCRE/ICU-like) tried against an item's title and text. An item passes
/// when some `include` matches (or there are none) and no `exclude` does.
///
/// `ConfigLoader` compiles every pattern when it reads the file, so a
/// filter built from a loaded configuration cannot fail.
public struct TextFilter: @unchecked Sendable {
    // @unchecked: Regex<AnyRegexOutput> is an immutable value once compiled.
    private let include: [Regex<AnyRegexOutput>]
    private let exclude: [Regex<AnyRegexOutput>]

    public struct PatternError: Error, Sendable, CustomStringConvertible {
        public var pattern: String
        public var description: String
    }

    public init(include: [String], exclude: [String]) throws(PatternError) {
        self.include = try include.map(TextFilter.compile)
        self.exclude = try exclude.map(TextFilter.compile)
    }

    /// No patterns: everything passes.
    public var isEmpty: Bool { include.isEmpty && exclude.isEmpty }

    public func matches(_ texts: [String]) -> Bool {
        func any(_ patterns: [Regex<AnyRegexOutput>]) -> Bool {
            patterns.contains { r in texts.contains { (try? r.firstMatch(in: $0)) != nil } }
        }
        if !include.isEmpty && !any(include) { return false }
        return !any(exclude)
    }

    static func compile(_ pattern: String) throws(PatternError) -> Regex<AnyRegexOutput> {
        do {
            return try Regex(pattern).ignoresCase()
        } catch {
            throw PatternError(pattern: pattern, description: "\(error)")
        }
    }

    /// Why `pattern` does not compile, or nil when it does.
    public static func problem(in pattern: String) -> String? {
        do {
            _ = try compile(pattern)
            return nil
        } catch {
            return error.description
        }
    }
}

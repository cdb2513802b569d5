import Foundation

/// The `include`/`exclude` filter of an `[[output]]` or `[[notify]]`:
/// case-insensitive regular expressions (ICU syntax, `NSRegularExpression`,
/// the engine the notification router matches with) tried against an
/// item's title and text. An item passes when some `include` matches (or
/// there are none) and no `exclude` does.
///
/// `ConfigLoader` compiles every pattern with this type when it reads the
/// file, so `feedwire check` rejects exactly the patterns the daemon could
/// not use.
public struct TextFilter: @unchecked Sendable {
    // @unchecked: NSRegularExpression is immutable and documented as safe from any thread.
    private let include: [NSRegularExpression]
    private let exclude: [NSRegularExpression]

    public struct PatternError: Error, Sendable, CustomStringConvertible {
        public var pattern: String
        public var description: String
    }

    public init(include: [String], exclude: [String]) throws(PatternError) {
        self.include = try include.map(TextFilter.compile)
        self.exclude = try exclude.map(TextFilter.compile)
    }

    /// A filter without patterns: everything passes.
    public init() {
        include = []
        exclude = []
    }

    /// No patterns: everything passes.
    public var isEmpty: Bool { include.isEmpty && exclude.isEmpty }

    public func matches(_ texts: [String]) -> Bool {
        func any(_ patterns: [NSRegularExpression]) -> Bool {
            patterns.contains { r in
                texts.contains { r.firstMatch(in: $0, options: [], range: NSRange($0.startIndex..., in: $0)) != nil }
            }
        }
        if !include.isEmpty && !any(include) { return false }
        return !any(exclude)
    }

    static func compile(_ pattern: String) throws(PatternError) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        } catch {
            throw PatternError(pattern: pattern, description: "\"\(pattern)\" is not a valid regular expression")
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

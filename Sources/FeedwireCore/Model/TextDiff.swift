/// A short word-level difference between two texts, as edit events carry it
/// for titles and body text ("what changed").
public struct TextDiff: Sendable, Equatable {
    public enum Op: Sendable, Equatable {
        case same(String)
        case removed(String)
        case added(String)
    }

    public var ops: [Op]

    public init(ops: [Op]) { self.ops = ops }

    /// True when nothing was added or removed.
    public var isEmpty: Bool {
        !ops.contains { if case .same = $0 { return false }; return true }
    }

    /// A plain rendering: `[-old-]{+new+}`, as `git diff --word-diff` writes it.
    public var plain: String {
        ops.map { op in
            switch op {
            case let .same(s): return s
            case let .removed(s): return "[-\(s)-]"
            case let .added(s): return "{+\(s)+}"
            }
        }.joined(separator: " ")
    }

    /// JSON form for the change log and the store: `[["=", "a b"], ["-", "c"], ["+", "d"]]`.
    public var json: JSONValue {
        .array(ops.map { op in
            switch op {
            case let .same(s): return .array([.string("="), .string(s)])
            case let .removed(s): return .array([.string("-"), .string(s)])
            case let .added(s): return .array([.string("+"), .string(s)])
            }
        })
    }

    public init?(json: JSONValue) {
        guard let items = json.arrayValue else { return nil }
        var ops: [Op] = []
        for item in items {
            guard let kind = item[0]?.stringValue, let text = item[1]?.stringValue else { return nil }
            switch kind {
            case "=": ops.append(.same(text))
            case "-": ops.append(.removed(text))
            case "+": ops.append(.added(text))
            default: return nil
            }
        }
        self.ops = ops
    }
}

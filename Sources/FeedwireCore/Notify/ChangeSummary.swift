/// A short "what changed" from an edit's word diffs: unchanged runs longer
/// than a few words are elided, the whole is capped.
public struct ChangeSummary: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case same(String)
        case removed(String)
        case added(String)
    }

    public var pieces: [Piece]

    /// Words of unchanged context kept on each side of a change.
    static let context = 6

    public init(_ diff: TextDiff, maxCharacters: Int = 300) {
        var pieces: [Piece] = []
        let ops = diff.ops
        for (i, op) in ops.enumerated() {
            switch op {
            case let .removed(s): pieces.append(.removed(TextLimit.singleLine(s)))
            case let .added(s): pieces.append(.added(TextLimit.singleLine(s)))
            case let .same(s):
                let words = TextLimit.singleLine(s).split(separator: " ")
                let first = i == 0, last = i == ops.count - 1
                let keepHead = first ? 0 : ChangeSummary.context
                let keepTail = last ? 0 : ChangeSummary.context
                if words.count <= keepHead + keepTail {
                    if !words.isEmpty { pieces.append(.same(words.joined(separator: " "))) }
                } else {
                    var text = ""
                    if keepHead > 0 { text += words.prefix(keepHead).joined(separator: " ") + " " }
                    text += "…"
                    if keepTail > 0 { text += " " + words.suffix(keepTail).joined(separator: " ") }
                    pieces.append(.same(text))
                }
            }
        }
        // Cap the total visible length, cutting the piece that crosses it.
        var budget = maxCharacters
        var capped: [Piece] = []
        for piece in pieces {
            let text: String
            switch piece { case let .same(t), let .removed(t), let .added(t): text = t }
            if budget <= 1 { break }
            let n = text.count + 1
            if n <= budget {
                capped.append(piece)
                budget -= n
            } else {
                let cut = TextLimit.prefix(text, characters: budget - 2)
                switch piece {
                case .same: capped.append(.same(cut))
                case .removed: capped.append(.removed(cut))
                case .added: capped.append(.added(cut))
                }
                break
            }
        }
        self.pieces = capped.filter {
            switch $0 { case let .same(t), let .removed(t), let .added(t): return !t.isEmpty }
        }
    }

    public var isEmpty: Bool { !pieces.contains { if case .same = $0 { return false }; return true } }

    /// Rendered in a markup: removed struck through, added in bold.
    public func render(_ markup: ChatMarkup) -> String {
        pieces.map { piece in
            switch piece {
            case let .same(t): return markup.text(t)
            case let .removed(t): return markup.removed(markup.text(t))
            case let .added(t): return markup.added(markup.text(t))
            }
        }.joined(separator: " ")
    }
}

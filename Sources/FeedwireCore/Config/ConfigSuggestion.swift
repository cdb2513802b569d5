/// "Did you mean …?" for misspelt keys and names.
public enum ConfigSuggestion {
    /// The closest candidate to `word`, if it is close enough to be a likely typo:
    /// an exact match after folding case, `-` and camelCase to snake_case, or
    /// an edit distance (with transpositions) of at most 1 for words of up to
    /// three characters, 2 up to eight, 3 beyond.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let folded = fold(word)
        if let exact = candidates.first(where: { fold($0) == folded }) { return exact }
        let limit = word.count <= 3 ? 1 : word.count <= 8 ? 2 : 3
        var best: (String, Int)?
        for c in candidates {
            let d = distance(folded, fold(c))
            if d <= limit, best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    /// Lower case, `-` → `_`, `maxBody` → `max_body`.
    static func fold(_ s: String) -> String {
        var out = ""
        var previousLower = false
        for ch in s {
            if ch.isUppercase {
                if previousLower { out.append("_") }
                out.append(contentsOf: ch.lowercased())
                previousLower = false
            } else {
                out.append(ch == "-" ? "_" : ch)
                previousLower = ch.isLowercase || ch.isNumber
            }
        }
        return out
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }
}

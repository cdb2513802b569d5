/// Short word-level differences for edit events ("what changed"): the
/// changed words with a little context, bounded in size so that a rewritten
/// 1 MiB article does not produce a 1 MiB event.
public enum WordDiff {
    /// Words kept around each change.
    public static let context = 6
    /// Longest text kept in one operation before it is cut with "…".
    public static let maxOperationCharacters = 300
    /// Most operations kept; the rest is summarised as one "…".
    public static let maxOperations = 40
    /// Above this many cells (old × new words between the common prefix and
    /// suffix) the middle is reported as wholly replaced instead of aligned.
    static let maxCells = 60_000

    /// The word diff from `old` to `new` (both normalised plain text).
    public static func diff(_ old: String, _ new: String) -> TextDiff {
        let a = old.split(separator: " ").map(String.init)
        let b = new.split(separator: " ").map(String.init)
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
            suffix += 1
        }
        let midA = Array(a[prefix..<(a.count - suffix)])
        let midB = Array(b[prefix..<(b.count - suffix)])

        var words: [(Character, String)] = []  // "=", "-", "+"
        // Unchanged edges are kept whole up to twice the context (a title stays
        // readable), else cut to `context` words with "…".
        if prefix > 0 {
            let keep = prefix <= 2 * context ? a[0..<prefix] : a[(prefix - context)..<prefix]
            if prefix > 2 * context { words.append(("=", "…")) }
            for w in keep { words.append(("=", w)) }
        }
        words.append(contentsOf: align(midA, midB))
        if suffix > 0 {
            let length = suffix <= 2 * context ? suffix : context
            for w in a[(a.count - suffix)..<(a.count - suffix + length)] { words.append(("=", w)) }
            if suffix > 2 * context { words.append(("=", "…")) }
        }
        return TextDiff(ops: compress(words))
    }

    /// Aligns two word lists by longest common subsequence (small inputs) or
    /// reports a whole replacement (large ones).
    static func align(_ a: [String], _ b: [String]) -> [(Character, String)] {
        if a.isEmpty { return b.map { ("+", $0) } }
        if b.isEmpty { return a.map { ("-", $0) } }
        guard a.count * b.count <= maxCells else { return a.map { ("-", $0) } + b.map { ("+", $0) } }
        let n = a.count, m = b.count
        var table = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i * (m + 1) + j] = a[i] == b[j]
                    ? table[(i + 1) * (m + 1) + j + 1] + 1
                    : max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1])
            }
        }
        var out: [(Character, String)] = []
        var i = 0, j = 0
        while i < n, j < m {
            if a[i] == b[j] {
                out.append(("=", a[i])); i += 1; j += 1
            } else if table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1] {
                out.append(("-", a[i])); i += 1
            } else {
                out.append(("+", b[j])); j += 1
            }
        }
        while i < n { out.append(("-", a[i])); i += 1 }
        while j < m { out.append(("+", b[j])); j += 1 }
        return out
    }

    /// Merges runs of one kind into operations, shortens long unchanged runs
    /// to their edges, and bounds the whole.
    static func compress(_ words: [(Character, String)]) -> [TextDiff.Op] {
        var runs: [(Character, [String])] = []
        for (kind, word) in words {
            if let last = runs.last, last.0 == kind {
                runs[runs.count - 1].1.append(word)
            } else {
                runs.append((kind, [word]))
            }
        }
        var ops: [TextDiff.Op] = []
        for (index, run) in runs.enumerated() {
            var list = run.1
            if run.0 == "=", list.count > 2 * context + 1, index > 0, index < runs.count - 1 {
                list = Array(list.prefix(context)) + ["…"] + Array(list.suffix(context))
            }
            let text = bounded(list.joined(separator: " "))
            switch run.0 {
            case "-": ops.append(.removed(text))
            case "+": ops.append(.added(text))
            default: ops.append(.same(text))
            }
        }
        if ops.count > maxOperations {
            ops = Array(ops.prefix(maxOperations - 1)) + [.same("…")]
        }
        return ops
    }

    static func bounded(_ text: String) -> String {
        guard text.count > maxOperationCharacters else { return text }
        return String(text.prefix(maxOperationCharacters - 1)) + "…"
    }
}

/// Word shingles of a text and the similarity of two texts, for recognising
/// an item whose guid, link and title all changed at once by its unchanged
/// body (Broder 1997, "On the resemblance and containment of documents").
public struct Shingles: Sendable, Equatable {
    public let hashes: Set<UInt64>

    /// Word `k`-shingles of normalised text (lower-cased); texts shorter than
    /// `k` words use single words.
    public init(_ text: String, k: Int = 3) {
        let words = text.lowercased().split(separator: " ")
        var set = Set<UInt64>()
        let size = words.count >= k ? k : 1
        if words.count >= size {
            set.reserveCapacity(words.count)
            for start in 0...(words.count - size) {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
                for w in words[start..<(start + size)] {
                    for byte in w.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
                    h = (h ^ 0x20) &* 0x100_0000_01b3
                }
                set.insert(h)
            }
        }
        hashes = set
    }

    public var isEmpty: Bool { hashes.isEmpty }

    /// |A ∩ B| / |A ∪ B|.
    public func jaccard(_ other: Shingles) -> Double {
        guard !hashes.isEmpty || !other.hashes.isEmpty else { return 0 }
        let common = hashes.intersection(other.hashes).count
        return Double(common) / Double(hashes.count + other.hashes.count - common)
    }

    /// |A ∩ B| / min(|A|, |B|): 1 when one text contains the other (an
    /// appended correction keeps the old text whole).
    public func containment(_ other: Shingles) -> Double {
        guard !hashes.isEmpty, !other.hashes.isEmpty else { return 0 }
        let common = hashes.intersection(other.hashes).count
        return Double(common) / Double(min(hashes.count, other.hashes.count))
    }
}

/// A binary min-heap of (due time, feed name) with a name → position index,
/// so a feed can be rescheduled or removed in O(log n) without scanning.
///
/// One heap and one timer for all feeds, instead of one timer per feed: with
/// 10,000 feeds the daemon holds 10,000 small entries, not 10,000 kernel
/// timers. Ties are broken by name, so the order is deterministic.
public struct DueHeap: Sendable, Equatable {
    private var dues: [Double] = []
    private var names: [String] = []
    private var position: [String: Int] = [:]

    public init() {}

    public var count: Int { names.count }
    public var isEmpty: Bool { names.isEmpty }

    /// The earliest entry.
    public var first: (due: Double, name: String)? { names.isEmpty ? nil : (dues[0], names[0]) }

    public func contains(_ name: String) -> Bool { position[name] != nil }

    public func due(of name: String) -> Double? { position[name].map { dues[$0] } }

    /// Inserts the feed, or moves it to the new time when already present.
    public mutating func schedule(_ name: String, at due: Double) {
        if let i = position[name] {
            let old = dues[i]
            dues[i] = due
            if less(due, name, old, name) { siftUp(i) } else { siftDown(i) }
            return
        }
        dues.append(due)
        names.append(name)
        position[name] = names.count - 1
        siftUp(names.count - 1)
    }

    /// Removes the feed; returns its due time if it was scheduled.
    @discardableResult
    public mutating func remove(_ name: String) -> Double? {
        guard let i = position[name] else { return nil }
        let due = dues[i]
        let last = names.count - 1
        if i != last { swapAt(i, last) }
        dues.removeLast()
        names.removeLast()
        position[name] = nil
        if i < names.count {
            siftDown(i)
            siftUp(i)
        }
        return due
    }

    /// Removes and returns the earliest entry.
    public mutating func popFirst() -> (due: Double, name: String)? {
        guard let top = first else { return nil }
        remove(top.name)
        return top
    }

    /// All entries in no particular order (for status and tests).
    public var entries: [(due: Double, name: String)] { Array(zip(dues, names)) }

    public static func == (a: DueHeap, b: DueHeap) -> Bool {
        a.entries.sorted { ($0.due, $0.name) < ($1.due, $1.name) }.elementsEqual(
            b.entries.sorted { ($0.due, $0.name) < ($1.due, $1.name) }) { $0.due == $1.due && $0.name == $1.name }
    }

    /// Checks the heap property and the index (tests).
    public func isValid() -> Bool {
        guard dues.count == names.count, position.count == names.count else { return false }
        for (i, name) in names.enumerated() {
            guard position[name] == i else { return false }
            if i > 0 {
                let p = (i - 1) / 2
                if less(dues[i], names[i], dues[p], names[p]) { return false }
            }
        }
        return true
    }

    // MARK: - Heap mechanics

    private func less(_ d1: Double, _ n1: String, _ d2: Double, _ n2: String) -> Bool {
        d1 < d2 || (d1 == d2 && n1 < n2)
    }

    private func less(_ i: Int, _ j: Int) -> Bool { less(dues[i], names[i], dues[j], names[j]) }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        dues.swapAt(i, j)
        names.swapAt(i, j)
        position[names[i]] = i
        position[names[j]] = j
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let p = (i - 1) / 2
            guard less(i, p) else { break }
            swapAt(i, p)
            i = p
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = names.count
        while true {
            let l = 2 * i + 1
            guard l < n else { break }
            var m = l
            if l + 1 < n && less(l + 1, l) { m = l + 1 }
            guard less(m, i) else { break }
            swapAt(i, m)
            i = m
        }
    }
}

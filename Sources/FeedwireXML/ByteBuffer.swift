/// A growable byte buffer whose appends are a bounds check and a memcpy.
///
/// Why not `[UInt8]`: `Array.append(contentsOf:)` costs about 100
/// instructions per call (uniqueness check, generic capacity logic), and the
/// parser appends small runs hundreds of thousands of times per megabyte
/// (captured text, JSON output) — measured with callgrind at ~4% of
/// `feedwire parse`. Used by the input repair here and by FeedwireCore's
/// parse layer. One owner, one thread; the properties are
/// `@exclusivity(unchecked)` for the same reason as in `XMLFeedReader`.
public final class ByteBuffer {
    @exclusivity(unchecked) @usableFromInline var storage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var used = 0
    @exclusivity(unchecked) @usableFromInline var capacity: Int

    /// Start of the bytes (valid until the next append).
    @inlinable public var base: UnsafeMutablePointer<UInt8> { storage }
    @inlinable public var count: Int { used }

    public init(capacity: Int = 4096) {
        self.capacity = max(16, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    @inlinable public var isEmpty: Bool { count == 0 }

    @inlinable public var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    @inlinable @inline(__always)
    public func append(_ p: UnsafePointer<UInt8>, count n: Int) {
        if used + n > capacity { grow(to: used + n) }
        (storage + used).update(from: p, count: n)
        used += n
    }

    @inlinable @inline(__always)
    public func append(_ raw: UnsafeRawBufferPointer) {
        guard let p = raw.baseAddress, raw.count > 0 else { return }
        append(p.assumingMemoryBound(to: UInt8.self), count: raw.count)
    }

    @inlinable @inline(__always)
    public func append(_ byte: UInt8) {
        if used == capacity { grow(to: used + 1) }
        storage[used] = byte
        used += 1
    }

    @inlinable @inline(__always)
    public func append(_ s: StaticString) {
        append(s.utf8Start, count: s.utf8CodeUnitCount)
    }

    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { if let p = $0.baseAddress { append(p, count: $0.count) } }
    }

    @inlinable public func removeAll() { used = 0 }

    /// Drops everything from `index` on.
    public func truncate(to index: Int) { used = min(used, max(0, index)) }

    @usableFromInline
    func grow(to needed: Int) {
        var c = capacity
        while c < needed { c *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        fresh.update(from: storage, count: used)
        storage.deallocate()
        storage = fresh
        capacity = c
    }
}

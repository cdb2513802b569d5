import Glibc

/// The lines of a byte buffer, found with `memchr` (the line-oriented files
/// and header blocks Feedwire reads per poll or per URL: response header
/// lines, `feedwire fetch`'s URL and validator files). Each line is the
/// half-open range `start..<end` of `bytes`, without its `\n` and without
/// trailing `\r`s; the last line need not end with `\n`; an empty buffer has
/// no lines.
public struct ByteLines: Sequence, IteratorProtocol {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public mutating func next() -> Range<Int>? {
        guard let base = bytes.baseAddress, position < bytes.count else { return nil }
        let start = position
        var end: Int
        if let nl = memchr(base + start, 0x0A, bytes.count - start) {
            end = base.distance(to: UnsafeRawPointer(nl))
            position = end + 1
        } else {
            end = bytes.count
            position = end
        }
        while end > start, bytes[end - 1] == 0x0D { end -= 1 }
        return start..<end
    }

    /// The number of `\n` bytes (for sizing tables before a pass).
    public static func newlines(in bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var n = 0, at = 0
        while at < bytes.count, let nl = memchr(base + at, 0x0A, bytes.count - at) {
            n += 1
            at = base.distance(to: UnsafeRawPointer(nl)) + 1
        }
        return n
    }

    /// The first `byte` in `range`, or nil.
    public static func first(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        guard let base = bytes.baseAddress, !range.isEmpty,
              let p = memchr(base + range.lowerBound, Int32(byte), range.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(p))
    }

    /// `range` without leading and trailing spaces and tabs.
    public static func trimmed(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var from = range.lowerBound, to = range.upperBound
        while from < to, bytes[from] == 0x20 || bytes[from] == 0x09 { from += 1 }
        while to > from, bytes[to - 1] == 0x20 || bytes[to - 1] == 0x09 { to -= 1 }
        return from..<to
    }

    /// The bytes in `range` as a String (invalid UTF-8 repaired).
    public static func text(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}

import Glibc

/// Buffered writes to a file descriptor (stdout for the CLI). Glibc's
/// `stdout`/`stderr` globals are not usable under Swift 6 strict
/// concurrency, and a JSON Lines tool wants large buffered writes anyway.
/// Not thread-safe: one owner writes.
public final class FileOutput {
    public let fd: Int32
    /// Raw storage, written with memcpy: per-line writers (`feedwire fetch`
    /// prints 10,000 lines a round) should not pay for array bookkeeping.
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    private let capacity: Int

    public init(fd: Int32, capacity: Int = 64 * 1024) {
        self.fd = fd
        self.capacity = max(capacity, 64)
        buffer = .allocate(capacity: self.capacity)
    }

    deinit {
        flush()
        buffer.deallocate()
    }

    public func write(_ s: String) {
        var s = s
        s.withUTF8 { write(raw: UnsafeRawBufferPointer($0)) }
    }

    public func write(_ s: StaticString) {
        s.withUTF8Buffer { write(raw: UnsafeRawBufferPointer($0)) }
    }

    public func write(bytes: [UInt8]) {
        bytes.withUnsafeBytes { write(raw: $0) }
    }

    public func write(byte: UInt8) {
        if count == capacity { flush() }
        buffer[count] = byte
        count += 1
    }

    /// A non-negative integer in decimal (negative values print as 0).
    public func write(decimal n: Int) {
        if capacity - count < 20 { flush() }
        var n = max(0, n)
        var digits = 1
        var rest = n / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var i = count + digits - 1
        repeat {
            buffer[i] = UInt8(truncatingIfNeeded: 0x30 + n % 10)
            n /= 10
            i -= 1
        } while n > 0
        count += digits
    }

    public func write(raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress, raw.count > 0 else { return }
        if capacity - count < raw.count {
            flush()
            if raw.count >= capacity { return writeAll(base, raw.count) }
        }
        (buffer + count).update(from: base.assumingMemoryBound(to: UInt8.self), count: raw.count)
        count += raw.count
    }

    public func flush() {
        guard count > 0 else { return }
        writeAll(UnsafeRawPointer(buffer), count)
        count = 0
    }

    private func writeAll(_ base: UnsafeRawPointer, _ total: Int) {
        var offset = 0
        while offset < total {
            let n = Glibc.write(fd, base + offset, total - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return  // EPIPE and the like: the reader went away
            }
            offset += n
        }
    }

    /// Writes one line to standard error, unbuffered.
    public static func standardError(_ message: String) {
        var line = message
        if !line.hasSuffix("\n") { line += "\n" }
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return }
                offset += n
            }
        }
    }
}

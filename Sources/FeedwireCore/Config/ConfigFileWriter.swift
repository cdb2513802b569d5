import Glibc

/// Replaces a file all at once, for `import-opml` (which appends to
/// feeds.conf) and `export-opml -o`: a reader (the daemon on SIGHUP, an
/// editor) sees either the old file or the new one, never half, and a crash
/// leaves the old one. Temporary file in the same directory → write →
/// fsync → rename → fsync(directory) (PostgreSQL's durable_rename).
public enum ConfigFileWriter {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// An existing file keeps its mode and, when the caller may set it,
    /// its owner and group; a new file gets `createMode`.
    public static func replace(path: String, with bytes: [UInt8], createMode: mode_t = 0o644) throws(Failure) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path

        var existing = stat()
        let exists = stat(path, &existing) == 0
        var template = Array("\(directory)/.\(base).feedwire-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Failure(description: "cannot write in \(directory): \(String(cString: strerror(errno)))") }
        let temporary = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        func fail(_ what: String) -> Failure {
            let reason = String(cString: strerror(errno))
            close(fd)
            return Failure(description: "cannot \(what) \(path): \(reason)")
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("write")
            }
            offset += n
        }
        if exists {
            _ = fchown(fd, existing.st_uid, existing.st_gid)  // allowed for root only; keep going otherwise
            guard fchmod(fd, existing.st_mode & 0o7777) == 0 else { throw fail("set the mode of") }
        } else {
            guard fchmod(fd, createMode) == 0 else { throw fail("set the mode of") }
        }
        guard fsync(fd) == 0 else { throw fail("sync") }
        close(fd)
        guard rename(temporary, path) == 0 else {
            throw Failure(description: "cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        renamed = true
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}

/// Reads a whole file (feeds.conf, an OPML export) as bytes.
public enum ConfigFileReader {
    /// The bytes, or why not: the reason is errno's text (it names no secret).
    public static func read(_ path: String, limit: Int = 16 * 1024 * 1024) -> Result<[UInt8], ConfigFileWriter.Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.init(description: String(cString: strerror(errno)))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.init(description: String(cString: strerror(errno))))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { return .failure(.init(description: "larger than \(limit / 1_048_576) MiB; is this the right file?")) }
        }
        return .success(bytes)
    }
}

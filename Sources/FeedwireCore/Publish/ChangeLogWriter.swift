import Glibc

/// Appends every event to the JSON Lines change log, with size-based
/// rotation (`changes.jsonl` → `changes.jsonl.1` … `.N`, `changelog_keep`
/// old files), resumable across restarts without writing any event twice.
///
/// ## Never twice, never lost
/// The log itself is the record of progress: on start the writer reads the
/// `id` of the last complete line of the current file (or, when that file
/// is empty or missing right after a rotation, of `<path>.1`) and from then
/// on ignores every event with an id at or below it. The caller feeds
/// batches from `StoryReader.events(afterID: lastWrittenID, …)`, oldest
/// first (`catchUp(from:)` does exactly that). A line cut short by a crash
/// has no line feed; it is truncated away on start and its event written
/// again (its id was never recorded as written).
///
/// ## Durability
/// Each line goes out in one `write(2)` (no user-space buffer), and the file
/// is `fsync`ed at the end of every batch. Rotation writes the first line
/// of the new file into `<path>.tmp`, syncs it, shifts the old files, then
/// renames the temporary file into place and syncs the directory, so at
/// every instant the newest written id is on disk in the current file or
/// in `.1` (also with `changelog_keep = 0`).
///
/// Owned by one queue (the daemon's publishing queue); not thread-safe.
public final class ChangeLogWriter {
    public let path: String
    /// Rotate before a line would make the file larger than this (0: never).
    public let maxSize: Int
    /// Old files kept (`.1` newest).
    public let keep: Int
    /// The id of the newest event in the log (0 when the log is new).
    public private(set) var lastWrittenID: Int64 = 0
    private var fd: Int32 = -1
    private var size = 0

    public init(path: String, maxSize: Int, keep: Int) throws(AtomicWriteError) {
        self.path = path
        self.maxSize = maxSize
        self.keep = max(0, keep)
        unlink(path + ".tmp")
        try open()
        try repairTail()
        if let id = ChangeLogWriter.lastEventID(fd: fd, size: size) {
            lastWrittenID = id
        } else {
            let old = Glibc.open(path + ".1", O_RDONLY | O_CLOEXEC)
            if old >= 0 {
                var st = stat()
                if fstat(old, &st) == 0, let id = ChangeLogWriter.lastEventID(fd: old, size: Int(st.st_size)) {
                    lastWrittenID = id
                }
                Glibc.close(old)
            }
        }
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// Appends the events of `batch` newer than `lastWrittenID`, in order,
    /// and syncs. Returns how many were written.
    @discardableResult
    public func append(_ batch: [EventWithItem]) throws(AtomicWriteError) -> Int {
        guard fd >= 0 else { throw AtomicWriteError(path: path, step: "append after close", code: EBADF) }
        var wrote = 0
        for e in batch where e.event.id > lastWrittenID {
            let line = ChangeLogRecord.line(e)
            if maxSize > 0, size > 0, size + line.count > maxSize {
                try rotate(startingWith: line)
            } else {
                try ChangeLogWriter.writeAll(fd, line, path: path)
                size += line.count
            }
            lastWrittenID = e.event.id
            wrote += 1
        }
        if wrote > 0, fsync(fd) != 0 { throw AtomicWriteError(path: path, step: "fsync", code: errno) }
        return wrote
    }

    /// Reads events after `lastWrittenID` from the store and appends them
    /// until there are no more. Returns how many were written.
    @discardableResult
    public func catchUp(from reader: any StoryReader, batchSize: Int = 500) throws -> Int {
        var total = 0
        while true {
            let batch = try reader.events(afterID: lastWrittenID, limit: batchSize)
            if batch.isEmpty { return total }
            let before = lastWrittenID
            total += try append(batch)
            // A store that returns nothing newer would loop forever; stop instead.
            if lastWrittenID == before || batch.count < batchSize { return total }
        }
    }

    // MARK: Files

    private func open() throws(AtomicWriteError) {
        fd = Glibc.open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)  // read too: the last line is read back on start
        guard fd >= 0 else { throw AtomicWriteError(path: path, step: "open change log", code: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw AtomicWriteError(path: path, step: "stat change log", code: errno) }
        size = Int(st.st_size)
    }

    /// Drops a last line without its line feed (a write cut short by a crash).
    private func repairTail() throws(AtomicWriteError) {
        guard size > 0 else { return }
        let rfd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard rfd >= 0 else { throw AtomicWriteError(path: path, step: "read change log", code: errno) }
        defer { Glibc.close(rfd) }
        var keepBytes = size
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var end = size
        scan: while end > 0 {
            let start = max(0, end - chunk.count)
            let n = chunk.withUnsafeMutableBytes { pread(rfd, $0.baseAddress!, end - start, off_t(start)) }
            guard n == end - start else { throw AtomicWriteError(path: path, step: "read change log", code: errno) }
            if end == size && chunk[n - 1] == 0x0A { return }
            for i in stride(from: n - 1, through: 0, by: -1) where chunk[i] == 0x0A {
                keepBytes = start + i + 1
                break scan
            }
            end = start
            keepBytes = 0
        }
        guard ftruncate(fd, off_t(keepBytes)) == 0, fsync(fd) == 0 else {
            throw AtomicWriteError(path: path, step: "truncate a partial last line", code: errno)
        }
        size = keepBytes
    }

    private func rotate(startingWith line: [UInt8]) throws(AtomicWriteError) {
        guard fsync(fd) == 0 else { throw AtomicWriteError(path: path, step: "fsync", code: errno) }
        close()
        let temp = path + ".tmp"
        let tfd = Glibc.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard tfd >= 0 else { throw AtomicWriteError(path: temp, step: "create", code: errno) }
        do {
            try ChangeLogWriter.writeAll(tfd, line, path: temp)
        } catch {
            Glibc.close(tfd)
            throw error
        }
        guard fsync(tfd) == 0 else {
            let e = AtomicWriteError(path: temp, step: "fsync", code: errno)
            Glibc.close(tfd)
            throw e
        }
        Glibc.close(tfd)
        if keep > 0 {
            unlink("\(path).\(keep)")
            if keep > 1 {
                for n in stride(from: keep - 1, through: 1, by: -1) {
                    if rename("\(path).\(n)", "\(path).\(n + 1)") != 0 && errno != ENOENT {
                        throw AtomicWriteError(path: "\(path).\(n)", step: "rename during rotation", code: errno)
                    }
                }
            }
            guard rename(path, path + ".1") == 0 else { throw AtomicWriteError(path: path, step: "rename to .1 during rotation", code: errno) }
        }
        guard rename(temp, path) == 0 else { throw AtomicWriteError(path: path, step: "rename new file into place", code: errno) }
        let (dir, _) = AtomicFileWriter.split(path)
        let dfd = Glibc.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); Glibc.close(dfd) }
        try open()
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(AtomicWriteError) {
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        if !ok { throw AtomicWriteError(path: path, step: "write", code: errno) }
    }

    /// The id of the last line that is a record, reading backwards in chunks.
    static func lastEventID(fd: Int32, size: Int) -> Int64? {
        var end = size
        var carry: [UInt8] = []  // bytes of the line that continues past the current chunk
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while end > 0 {
            let start = max(0, end - chunk.count)
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, end - start, off_t(start)) }
            guard n == end - start else { return nil }
            var buffer = Array(chunk[0..<n])
            buffer.append(contentsOf: carry)
            var lineEnd = buffer.count
            for i in stride(from: buffer.count - 1, through: 0, by: -1) where buffer[i] == 0x0A {
                if i + 1 < lineEnd, let id = ChangeLogRecord.eventID(line: buffer[(i + 1)..<lineEnd]) { return id }
                lineEnd = i
            }
            carry = Array(buffer[0..<lineEnd])
            end = start
        }
        return carry.isEmpty ? nil : ChangeLogRecord.eventID(line: carry)
    }
}

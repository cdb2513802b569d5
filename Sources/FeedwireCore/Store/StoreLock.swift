import Glibc

/// The one-writer rule, enforced across processes: a writer holds an
/// exclusive `flock(2)` on `<state>.lock` for its whole life. A second
/// `feedwire run` (or `ingest` while the daemon runs) fails at once with a
/// clear message instead of waiting on SQLite's busy timeout mid-refresh.
/// The kernel drops the lock when the process dies, so a crash never leaves
/// a stale lock behind. Readers (`status`, `history`, outputs) take no lock:
/// WAL lets them read while the writer writes.
final class StoreLock {
    let path: String
    private let fd: Int32

    /// Takes the lock or throws `StoreError.locked` naming the holder's pid.
    init(statePath: String) throws {
        path = statePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = pread(fd, &buffer, 63, 0)
            close(fd)
            if reason == EWOULDBLOCK {
                let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").first.map(String.init) : nil
                throw StoreError.locked(path: statePath, holder: text.map { "pid \($0)" })
            }
            throw StoreError.cannotOpen(path: path, reason: String(cString: strerror(reason)))
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

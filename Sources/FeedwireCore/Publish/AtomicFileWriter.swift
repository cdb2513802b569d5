import Glibc

/// A published file could not be written. Names the file, the step and what to do.
public struct AtomicWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// What we were doing: "create temporary file", "write", "fsync", "rename", ...
    public var step: String
    /// `errno`, or 0 for a simulated failure.
    public var code: Int32

    public init(path: String, step: String, code: Int32) {
        self.path = path
        self.step = step
        self.code = code
    }

    public var description: String {
        guard code != 0 else { return "cannot write \(path): \(step)" }
        var advice = ""
        switch code {
        case EACCES, EPERM, EROFS:
            advice = "; make sure the directory exists and the feedwire user may write to it (systemd: ReadWritePaths=)"
        case ENOENT, ENOTDIR: advice = "; create the directory first"
        case ENOSPC, EDQUOT: advice = "; free some disk space"
        default: break
        }
        return "cannot write \(path): \(step) failed: \(String(cString: strerror(code)))\(advice)"
    }
}

/// Replaces a file atomically and durably, and only when its bytes change.
///
/// Sequence (PostgreSQL's `durable_rename`, `../shared/design/defaults.md`):
/// create a temporary file in the same directory (so `rename` stays on one
/// file system), `fchmod` it to `mode` (explicitly, whatever the umask, so
/// the web server can read it), write, `fsync` the file, `rename` it over
/// the target, `fsync` the directory so the rename itself survives a power
/// cut. Readers see the old file or the new one, never a partial one.
///
/// Quiet: when the target already holds exactly these bytes nothing is
/// written, so its mtime (and the web server's ETag and Last-Modified) stays
/// put; only a wrong mode is corrected in place.
///
/// Temporary files are named `.<name>.tmp-<pid>-<random>`. A crash can leave
/// one behind; every write first removes those of its own process and of
/// processes that no longer exist. One writer per target file per process.
public struct AtomicFileWriter: Sendable {
    /// Points where a unit test can make the write stop as if the process
    /// crashed (in process, leaving files as a crash would). The chaos run
    /// kills the real process at `CrashPoint.publishBeforeRename` instead.
    public enum SimulatedCrash: Sendable, Equatable {
        /// The temporary file is written but not yet synced or renamed.
        case afterTemporaryWrite
        /// The temporary file is synced, the rename has not happened.
        case beforeRename
    }

    /// File mode of the written file (default 0644).
    public var mode: mode_t
    /// For tests: stop at this point, leaving everything as a crash would.
    public var simulatedCrash: SimulatedCrash?

    public init(mode: Int = 0o644, simulatedCrash: SimulatedCrash? = nil) {
        self.mode = mode_t(mode & 0o7777)
        self.simulatedCrash = simulatedCrash
    }

    /// Writes `bytes` to `path` unless it already holds them. Returns true
    /// when the file was (re)written.
    @discardableResult
    public func write(_ bytes: [UInt8], to path: String) throws(AtomicWriteError) -> Bool {
        let (dir, base) = AtomicFileWriter.split(path)
        AtomicFileWriter.removeStaleTemporaryFiles(directory: dir, base: base)

        if AtomicFileWriter.contentsEqual(path: path, bytes: bytes) {
            var st = stat()
            if stat(path, &st) == 0, st.st_mode & 0o7777 != mode { _ = chmod(path, mode) }
            return false
        }

        var fd: Int32 = -1
        var temp = ""
        for _ in 0..<16 {
            temp = dir + "/." + base + ".tmp-\(getpid())-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
            fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw AtomicWriteError(path: path, step: "create temporary file in \(dir)", code: errno) }

        func fail(_ step: String) -> AtomicWriteError {
            let e = AtomicWriteError(path: path, step: step, code: errno)
            close(fd)
            unlink(temp)
            return e
        }
        guard fchmod(fd, mode) == 0 else { throw fail("set file mode") }
        let written = bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        guard written else { throw fail("write") }
        if simulatedCrash == .afterTemporaryWrite {
            close(fd)
            throw AtomicWriteError(path: path, step: "simulated crash after writing the temporary file", code: 0)
        }
        guard fsync(fd) == 0 else { throw fail("fsync") }
        guard close(fd) == 0 else {
            let e = AtomicWriteError(path: path, step: "close", code: errno)
            unlink(temp)
            throw e
        }
        if simulatedCrash == .beforeRename {
            throw AtomicWriteError(path: path, step: "simulated crash before rename", code: 0)
        }
        CrashPoint.hit(CrashPoint.publishBeforeRename)
        guard rename(temp, path) == 0 else {
            let e = AtomicWriteError(path: path, step: "rename temporary file over it", code: errno)
            unlink(temp)
            throw e
        }
        // Make the rename durable. Some file systems refuse fsync on a
        // directory (EINVAL); the data is written, so that is not an error.
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            let rc = fsync(dfd)
            let err = errno
            close(dfd)
            if rc != 0 && err != EINVAL && err != EROFS {
                throw AtomicWriteError(path: path, step: "fsync directory \(dir)", code: err)
            }
        }
        return true
    }

    /// Directory and file name of a path ("." for a bare name).
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }

    /// Whether the file at `path` exists and holds exactly `bytes`.
    static func contentsEqual(path: String, bytes: [UInt8]) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) == bytes.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var offset = 0
        while offset < bytes.count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return false }
            if n == 0 { return false }
            if offset + n > bytes.count { return false }
            let same = bytes.withUnsafeBytes { b in
                buffer.withUnsafeBytes { memcmp(b.baseAddress! + offset, $0.baseAddress!, n) == 0 }
            }
            guard same else { return false }
            offset += n
        }
        // The file must not have grown since fstat.
        var one: UInt8 = 0
        return read(fd, &one, 1) == 0
    }

    /// Removes `.<base>.tmp-<pid>-*` files left by this process or by processes that are gone.
    static func removeStaleTemporaryFiles(directory: String, base: String) {
        guard let d = opendir(directory) else { return }
        defer { closedir(d) }
        let prefix = "." + base + ".tmp-"
        let me = getpid()
        var stale: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasPrefix(prefix) else { continue }
            let rest = name.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]) else { continue }
            if pid == me || (kill(pid, 0) != 0 && errno == ESRCH) { stale.append(name) }
        }
        for name in stale { unlink(directory + "/" + name) }
    }
}

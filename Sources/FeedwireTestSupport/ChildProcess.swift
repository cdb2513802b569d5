import Foundation

/// A child process started with `posix_spawn`, with an empty signal mask and
/// default signal dispositions.
///
/// Why not Foundation's `Process`: tests run on Dispatch worker threads,
/// which block signals, and a spawned child inherits the calling thread's
/// mask. A Python tool or a `feedwire run` started that way never sees
/// SIGTERM or SIGHUP, so it cannot be stopped or reloaded.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    /// Read end of the child's stdout when `captureStdout` was set.
    public let stdoutFD: Int32?
    private var exitStatus: Int32?
    private let lock = NSLock()

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// - Parameters:
    ///   - executable: absolute path.
    ///   - arguments: argv[1...].
    ///   - environment: the whole environment (nil: inherit).
    ///   - stdoutPath/stderrPath: files to append to (nil: /dev/null), unless stdout is captured.
    public init(executable: String, arguments: [String], environment: [String: String]? = nil,
                captureStdout: Bool = false, stdoutPath: String? = nil, stderrPath: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }

        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2, SIGQUIT] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pipeFDs: [Int32] = [-1, -1]
        if captureStdout {
            guard pipe(&pipeFDs) == 0 else { throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
            posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, stdoutPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)

        let argv = [executable] + arguments
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attr, &cArgs, &cEnv)
        if captureStdout { close(pipeFDs[1]) }
        guard rc == 0 else {
            if captureStdout { close(pipeFDs[0]) }
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        stdoutFD = captureStdout ? pipeFDs[0] : nil
    }

    deinit {
        if exitCodeIfExited() == nil {
            kill(pid, SIGKILL)
            _ = waitForExit(timeout: 5)
        }
        if let fd = stdoutFD { close(fd) }
    }

    /// Reads one line from the captured stdout (without the newline); nil at EOF.
    public func readLine() -> String? {
        guard let fd = stdoutFD else { return nil }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }

    public func signal(_ sig: Int32) { kill(pid, sig) }

    /// The exit status if the child has exited (exit code, or 128 + signal).
    public func exitCodeIfExited() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return nil }
        exitStatus = ChildProcess.decode(status)
        return exitStatus
    }

    /// Waits up to `timeout` seconds; returns the exit status, or nil if still running.
    @discardableResult
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let code = exitCodeIfExited() { return code }
            usleep(10_000)
        }
        return exitCodeIfExited()
    }

    /// SIGTERM, then SIGKILL after `grace` seconds.
    public func stop(grace: Double = 5) {
        guard exitCodeIfExited() == nil else { return }
        kill(pid, SIGTERM)
        if waitForExit(timeout: grace) == nil {
            kill(pid, SIGKILL)
            waitForExit(timeout: 5)
        }
    }

    static func decode(_ status: Int32) -> Int32 {
        let sig = status & 0x7F
        if sig == 0 { return (status >> 8) & 0xFF }
        return 128 + sig
    }
}

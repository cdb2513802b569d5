import Foundation

/// One of the shared test servers (`../shared/tools/newsroom.py`,
/// `chat_sink.py`) or any script that prints its port as the first stdout
/// line, running on 127.0.0.1. Stopped with SIGTERM when `stop()` is called
/// or the value is released.
public final class ToolServer: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    /// The tool's stderr, for diagnosing a failing test.
    public let logPath: String
    private let logDirectory: TemporaryDirectory

    public struct LaunchError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `python3 <script> --port 0 <arguments>` and waits for the port line.
    public init(script: URL, arguments: [String] = [], python: String = "/usr/bin/python3") throws {
        logDirectory = TemporaryDirectory(prefix: "feedwire-tool")
        logPath = logDirectory.file("stderr.log")
        let process = try ChildProcess(executable: python, arguments: [script.path, "--port", "0"] + arguments,
                                       captureStdout: true, stderrPath: logPath)
        guard let line = process.readLine(), let port = Int(line.trimmingCharacters(in: .whitespaces)) else {
            process.stop()
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw LaunchError(description: "\(script.lastPathComponent) did not print a port; stderr: \(log.suffix(2000))")
        }
        self.process = process
        self.port = port
    }

    /// Starts one of `../shared/tools` by name.
    public convenience init(tool name: String, arguments: [String] = []) throws {
        try self.init(script: PackagePaths.tool(name), arguments: arguments)
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public func stop() { process.stop() }

    deinit { stop() }

    // MARK: Convenience for the shared tools

    public func get(_ path: String) throws -> LoopbackHTTP.Response {
        try LoopbackHTTP.request(port: port, method: "GET", path: path)
    }

    public func post(_ path: String, json: String = "") throws -> LoopbackHTTP.Response {
        try LoopbackHTTP.request(port: port, method: "POST", path: path, body: Array(json.utf8),
                                 headers: ["Content-Type": "application/json"])
    }
}

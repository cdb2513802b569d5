import FeedwireTestSupport
import Foundation

/// Runs the built binary and returns (exit code, stdout, stderr).
func runFeedwire(_ arguments: [String], environment: [String: String]? = nil) throws -> (code: Int32, out: String, err: String) {
    let dir = TemporaryDirectory(prefix: "feedwire-cli")
    let errPath = dir.file("stderr")
    let child = try ChildProcess(executable: PackagePaths.feedwireBinary.path, arguments: arguments,
                                 environment: environment, captureStdout: true, stderrPath: errPath)
    var out = ""
    while let line = child.readLine() { out += line + "\n" }
    let code = child.waitForExit(timeout: 60)
    let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return (code ?? -1, out, err)
}

/// Runs the built binary and returns its exit code and its stdout and
/// stderr interleaved as a terminal shows them (one file for both).
func runFeedwireCombined(_ arguments: [String]) throws -> (Int32, String) {
    let dir = TemporaryDirectory(prefix: "feedwire-cli")
    let out = dir.file("output.txt")
    let child = try ChildProcess(executable: PackagePaths.feedwireBinary.path, arguments: arguments, stdoutPath: out, stderrPath: out)
    let code = child.waitForExit(timeout: 60) ?? -1
    return (code, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
}

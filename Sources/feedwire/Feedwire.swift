import ArgumentParser
import FeedwireCore
import FeedwireCurl
import FeedwireXML
import Glibc

/// Entry point. Exit codes follow `../shared/contracts/feeds-conf.md`:
/// 0 success; 1 the command ran but something failed; 2 usage error;
/// 3 cannot start (config unreadable, state database locked or newer).
@main
struct Feedwire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedwire",
        abstract: "Follows news feeds, keeps every item, publishes merged feeds and sends change notifications.",
        version: FeedwireVersion.current,
        subcommands: [
            RunCommand.self, OnceCommand.self, CheckCommand.self,
            ParseCommand.self, FetchCommand.self, IngestCommand.self,
            StatusCommand.self, HistoryCommand.self, RenderCommand.self,
            NotifyCommand.self, OutboxCommand.self,
            ImportOPMLCommand.self, ExportOPMLCommand.self,
        ]
    )

    static func main() {
        // Process-wide C library set-up, before any thread starts.
        // `parse` never fetches: it skips loading libcurl and its global init
        // (OpenSSL, GnuTLS, Kerberos … more than the rest of a 20-item feed's
        // run); the allocator tuning helps it too (one call over 1000 feeds).
        CurlGlobal.tuneAllocator()
        if CommandLine.arguments.dropFirst().first != "parse" { CurlGlobal.initialize() }
        LibXML2.initialize()
        do {
            var command: ParsableCommand
            if let parse = ParseCommand.direct(CommandLine.arguments.dropFirst()) {
                try parse.validate()
                command = parse  // `feedwire parse` without ArgumentParser's cost (see `direct`)
            } else {
                command = try parseAsRoot()
            }
            try command.run()
        } catch {
            exit(withContractCode: error)
        }
    }

    /// Prints the error as ArgumentParser would, but with the contract's exit codes.
    static func exit(withContractCode error: Error) -> Never {
        if let failure = error as? CommandFailure {
            if !failure.message.isEmpty { printError(failure.message) }
            Glibc.exit(failure.code)
        }
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { print(message) }
            Glibc.exit(0)
        }
        if !message.isEmpty { printError(message) }
        // ArgumentParser uses 64 (EX_USAGE) for usage errors; the contract says 2.
        Glibc.exit(code == .validationFailure ? 2 : code.rawValue)
    }
}

/// A command finished with a contract exit code and an optional message for stderr.
struct CommandFailure: Error {
    var code: Int32
    var message: String

    /// 1: the command ran but something failed.
    static func failed(_ message: String = "") -> CommandFailure { CommandFailure(code: 1, message: message) }
    /// 2: usage error.
    static func usage(_ message: String) -> CommandFailure { CommandFailure(code: 2, message: message) }
    /// 3: cannot start.
    static func cannotStart(_ message: String) -> CommandFailure { CommandFailure(code: 3, message: message) }
}

func printError(_ message: String) {
    FileOutput.standardError(message)
}

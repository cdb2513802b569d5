import ArgumentParser
import FeedwireCore

/// `feedwire check [--config PATH]`: reads and validates feeds.conf and
/// resolves its secrets, printing `file:line: error: …` / `warning: …` to
/// stderr and a one-line summary. Exit 0 valid (warnings allowed), 1
/// invalid, 3 unreadable (contract: feeds-conf.md).
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate feeds.conf; exit 0 when valid, 1 when not, 3 when it cannot be read.",
        discussion: "Also resolves env: and file: secrets; one that is missing is a warning (the daemon would start but could not deliver). Values of secrets are never printed."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        let path = options.path
        do {
            let loaded = try ConfigLoader.load(path: path)
            let diagnostics = (loaded.warnings + ConfigLoader.secretDiagnostics(loaded.config)).sorted { $0.line < $1.line }
            for d in diagnostics { printError(d.formatted(file: path)) }
            let c = loaded.config
            var summary = "\(path): \(plural(c.feeds.count, "feed")), \(plural(c.outputs.count, "output")), \(plural(c.notifiers.count, "notifier")): OK"
            if !diagnostics.isEmpty { summary += " (\(plural(diagnostics.count, "warning")))" }
            print(summary)
        } catch {
            for d in error.diagnostics { printError(d.formatted(file: path)) }
            if error.unreadable { throw CommandFailure.cannotStart("") }
            let errors = error.diagnostics.filter { $0.severity == .error }.count
            let warnings = error.diagnostics.count - errors
            var summary = "\(path): \(plural(errors, "error"))"
            if warnings > 0 { summary += ", \(plural(warnings, "warning"))" }
            throw CommandFailure.failed(summary + "; not valid")
        }
    }
}

func plural(_ n: Int, _ word: String) -> String { n == 1 ? "1 \(word)" : "\(n) \(word)s" }

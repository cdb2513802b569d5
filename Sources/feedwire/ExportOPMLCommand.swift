import ArgumentParser
import FeedwireCore
import Glibc

/// `feedwire export-opml [--config PATH] [-o FILE]`: the configured feeds as
/// OPML 2.0, tags as folders, for another reader or a backup.
struct ExportOPMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export-opml", abstract: "Write the configured feeds as OPML 2.0 (tags become folders).")

    @OptionGroup var options: ConfigOption

    @Option(name: [.customShort("o"), .long], help: "Write to FILE instead of standard output.")
    var output: String?

    func run() throws {
        let loaded = try options.load()
        let text = OPMLWriter.document(for: loaded.config, now: SystemClock().timestamp)
        if let output {
            do {
                try ConfigFileWriter.replace(path: output, with: Array(text.utf8), createMode: 0o644)
            } catch {
                throw CommandFailure.failed("export-opml: \(error.description)")
            }
            printError("export-opml: wrote \(loaded.config.feeds.count) feeds to \(output)")
        } else {
            let out = FileOutput(fd: 1)
            out.write(text)
            out.flush()
        }
    }
}

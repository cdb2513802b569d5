import ArgumentParser
import FeedwireCore
import Glibc

/// `feedwire import-opml [--config PATH] [--dry-run] FILE`: appends a
/// `[[feed]]` for each new subscription of an OPML export (Feedly,
/// Inoreader, NetNewsWire, another Feedwire …) to feeds.conf.
///
/// The file above is kept byte for byte (comments, order, spacing); the new
/// entries follow a comment naming the OPML file. The result is checked
/// like `feedwire check` before it replaces feeds.conf (atomically): if it
/// would not load, nothing is written. Exit 0 on success (skips are
/// reported, not failures), 1 when the OPML cannot be read or the result
/// would be invalid, 3 when feeds.conf cannot be read.
struct ImportOPMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-opml",
        abstract: "Append [[feed]] entries from an OPML export to feeds.conf.",
        discussion: "Names come from the titles ([a-z0-9-]+), tags from the folders. Feeds already configured (same URL or name) are skipped and reported. Then reload the daemon: systemctl reload feedwire."
    )

    @OptionGroup var options: ConfigOption

    @Flag(name: .long, help: "Print the entries that would be appended; change nothing.")
    var dryRun = false

    @Argument(help: "The OPML file to import.")
    var file: String

    func run() throws {
        let path = options.path
        let configBytes: [UInt8]
        switch ConfigFileReader.read(path) {
        case let .success(bytes): configBytes = bytes
        case let .failure(error): throw CommandFailure.cannotStart("import-opml: cannot read \(path): \(error.description)")
        }
        let existing: FeedwireConfig
        do {
            existing = try ConfigLoader.parse(text: String(decoding: configBytes, as: UTF8.self), path: ConfigLoader.absolutePath(path)).config
        } catch {
            for d in error.diagnostics { printError(d.formatted(file: path)) }
            throw CommandFailure.failed("import-opml: \(path) has errors; fix them (feedwire check) before importing")
        }

        let opmlBytes: [UInt8]
        switch ConfigFileReader.read(file) {
        case let .success(bytes): opmlBytes = bytes
        case let .failure(error): throw CommandFailure.failed("import-opml: cannot read \(file): \(error.description)")
        }
        let document: OPMLDocument
        do {
            document = try OPMLReader.read(opmlBytes)
        } catch {
            throw CommandFailure.failed("import-opml: \(file) \(error.description)")
        }
        for problem in document.problems { printError("import-opml: \(file): warning: \(problem)") }

        let source = file.split(separator: "/").last.map(String.init) ?? file
        let plan = OPMLImporter.plan(document.outlines, existing: existing, source: source, date: SystemClock().timestamp)
        for skip in plan.skipped { printError("import-opml: \(skip)") }
        for note in plan.notes { printError("import-opml: \(note)") }
        guard !plan.added.isEmpty else {
            printError("import-opml: nothing to add to \(path) (\(plural(plan.skipped.count, "subscription")) skipped)")
            return
        }

        let result = OPMLImporter.appending(plan.text, to: configBytes)
        do {
            _ = try ConfigLoader.parse(text: String(decoding: result, as: UTF8.self), path: ConfigLoader.absolutePath(path))
        } catch {
            for d in error.diagnostics { printError(d.formatted(file: path + " (after import)")) }
            throw CommandFailure.failed("import-opml: the result would not be valid; \(path) is unchanged")
        }

        let skipped = plan.skipped.isEmpty ? "" : "; skipped \(plan.skipped.count)"
        if dryRun {
            let out = FileOutput(fd: 1)
            out.write(plan.text)
            out.flush()
            printError("import-opml: would add \(plural(plan.added.count, "feed")) to \(path)\(skipped) (dry run: nothing written)")
            return
        }
        do {
            try ConfigFileWriter.replace(path: path, with: result)
        } catch {
            throw CommandFailure.failed("import-opml: \(error.description); \(path) is unchanged")
        }
        printError("import-opml: added \(plural(plan.added.count, "feed")) to \(path)\(skipped); reload the daemon to poll them (systemctl reload feedwire)")
    }
}

import ArgumentParser

struct ExportOPMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export-opml", abstract: "Write the configured feeds as OPML.")

    func run() throws {
        throw CommandFailure.failed("feedwire export-opml is not implemented yet")
    }
}

import ArgumentParser

struct ImportOPMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import-opml", abstract: "Append [[feed]] entries from an OPML export to feeds.conf.")

    func run() throws {
        throw CommandFailure.failed("feedwire import-opml is not implemented yet")
    }
}

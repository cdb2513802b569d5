import ArgumentParser

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Revisions of an item with what changed.")

    func run() throws {
        throw CommandFailure.failed("feedwire history is not implemented yet")
    }
}

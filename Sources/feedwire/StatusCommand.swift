import ArgumentParser

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "One row per feed: last fetch, outcome, items, errors, next due.")

    func run() throws {
        throw CommandFailure.failed("feedwire status is not implemented yet")
    }
}

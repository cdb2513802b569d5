import ArgumentParser

struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outbox", abstract: "Inspect and manage the notification outbox.")

    func run() throws {
        throw CommandFailure.failed("feedwire outbox is not implemented yet")
    }
}

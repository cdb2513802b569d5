import ArgumentParser

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate feeds.conf; exit 0 when valid, 1 when not.")

    func run() throws {
        throw CommandFailure.failed("feedwire check is not implemented yet")
    }
}

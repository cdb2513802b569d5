import ArgumentParser

struct OnceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "once", abstract: "One full cycle of every feed, outputs and deliveries, then exit.")

    func run() throws {
        throw CommandFailure.failed("feedwire once is not implemented yet")
    }
}

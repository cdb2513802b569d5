import ArgumentParser

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parse", abstract: "Parse feed documents and print what Feedwire reads from them.")

    func run() throws {
        throw CommandFailure.failed("feedwire parse is not implemented yet")
    }
}

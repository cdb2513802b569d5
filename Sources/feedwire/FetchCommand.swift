import ArgumentParser

struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fetch", abstract: "Fetch URLs with Feedwire's HTTP engine and print one line per URL.")

    func run() throws {
        throw CommandFailure.failed("feedwire fetch is not implemented yet")
    }
}

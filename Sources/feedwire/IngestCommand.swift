import ArgumentParser

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest", abstract: "Reconcile saved feed documents into the state database as if fetched.")

    func run() throws {
        throw CommandFailure.failed("feedwire ingest is not implemented yet")
    }
}

import ArgumentParser

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the daemon: poll feeds on schedule, publish outputs, deliver notifications.")

    func run() throws {
        throw CommandFailure.failed("feedwire run is not implemented yet")
    }
}

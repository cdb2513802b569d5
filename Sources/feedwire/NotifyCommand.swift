import ArgumentParser

struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notify", abstract: "Notification targets: send a test message.")

    func run() throws {
        throw CommandFailure.failed("feedwire notify is not implemented yet")
    }
}

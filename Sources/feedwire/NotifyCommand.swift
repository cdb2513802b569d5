import ArgumentParser
import FeedwireCore

struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify", abstract: "Notification targets: send a test message.",
        subcommands: [NotifyTestCommand.self])
}

/// `feedwire notify test NAME`: one message through the real engine; prints the service's answer.
struct NotifyTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Send a test message to a [[notify]] target and print the service's answer.")

    @OptionGroup var options: ConfigOption

    @Argument(help: "The notifier's name (`name` in its [[notify]] table).")
    var name: String

    func run() throws {
        let loaded = try options.load()
        let config = loaded.config
        guard let notifier = config.notifiers.first(where: { $0.name == name }) else {
            let known = config.notifiers.map(\.name).joined(separator: ", ")
            throw CommandFailure.usage("\(options.path): no [[notify]] named \(name)" + (known.isEmpty ? "" : "; configured: \(known)"))
        }
        let endpoint: NotifierEndpoint
        do {
            endpoint = try NotifierEndpoint(config: notifier, settings: config.daemon)
        } catch {
            throw CommandFailure.failed(error.description)
        }
        let transport = try WebhookTransport.make(config.daemon)
        let result = TestNotification.send(endpoint: endpoint, transport: transport, now: SystemClock().timestamp)
        print("\(endpoint): \(result.summary)")
        if let r = result.response {
            print("HTTP \(r.status)")
            let body = String(decoding: r.body.prefix(4_000), as: UTF8.self)
            if !body.isEmpty { print(body) }
        } else if let e = result.transportError {
            print("no answer: \(e.message); \(e.advice)")
        }
        if !result.succeeded { throw CommandFailure.failed() }
    }
}

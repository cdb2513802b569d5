import ArgumentParser
import FeedwireCore

struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Inspect and manage the notification outbox.",
        subcommands: [OutboxListCommand.self, OutboxRetryCommand.self, OutboxDropCommand.self])
}

/// Options every outbox subcommand takes.
struct OutboxOptions: ParsableArguments {
    @OptionGroup var config: ConfigOption

    @Option(name: .long, help: "State database (default: `state` in [daemon] of the configuration).")
    var state: String?

    @Option(name: .long, help: "Only messages for this notifier.")
    var target: String?

    @Option(name: .customLong("id"), help: "Only this message (repeatable).")
    var ids: [Int64] = []

    /// The outbox and the configured notifier names (empty when only --state was given and no config is readable).
    func open(writing: Bool) throws -> (DeliveryQueue, [String]) {
        var names: [String] = []
        var path = state
        if path == nil {
            let loaded = try config.load()
            path = loaded.config.daemon.state
            names = loaded.config.notifiers.map(\.name)
        } else if let loaded = try? ConfigLoader.load(path: config.path) {
            names = loaded.config.notifiers.map(\.name)
        }
        return (try WebhookTransport.openOutbox(path: path!, writing: writing), names)
    }
}

struct OutboxListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List waiting and dead messages (newest first).")
    @OptionGroup var options: OutboxOptions
    @Flag(name: .long, help: "Include delivered messages.") var all = false
    @Option(name: .long, help: "At most this many rows.") var limit = 100

    func run() throws {
        let (outbox, names) = try options.open(writing: false)
        let states: [OutboxState] = all ? OutboxState.allCases : [.pending, .dead]
        print(try OutboxAdmin.list(outbox, target: options.target, ids: options.ids, states: states, limit: limit,
                                   targets: names, now: SystemClock().timestamp))
    }
}

struct OutboxRetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Send dead messages again (and re-enable a disabled target).")
    @OptionGroup var options: OutboxOptions

    func run() throws {
        let (outbox, names) = try options.open(writing: true)
        print(try OutboxAdmin.retry(outbox, target: options.target, ids: options.ids, targets: names, now: SystemClock().timestamp))
    }
}

struct OutboxDropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Give up on waiting messages (they become dead).")
    @OptionGroup var options: OutboxOptions

    func run() throws {
        let (outbox, _) = try options.open(writing: true)
        do {
            print(try OutboxAdmin.drop(outbox, target: options.target, ids: options.ids, now: SystemClock().timestamp))
        } catch let e as OutboxAdmin.Failure {
            throw CommandFailure.usage(e.description)
        }
    }
}

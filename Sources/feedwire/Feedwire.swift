import ArgumentParser
import FeedwireCore

@main
struct Feedwire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedwire",
        abstract: "Follows news feeds, keeps every item, publishes merged feeds and sends change notifications.",
        version: FeedwireVersion.current,
        subcommands: []
    )
}

import ArgumentParser
import FeedwireCore

/// `feedwire render OUTPUT-NAME [--config PATH] [--state PATH] [-o PATH]`:
/// renders one `[[output]]` from the state database now and writes it
/// atomically (for previews, or to publish without the daemon). The file is
/// only rewritten when its bytes change.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Write one output now.",
        discussion: "Renders the named [[output]] of feeds.conf from the state database and writes it atomically to its path (or to -o PATH). The file is left untouched when nothing in it changed."
    )

    @Argument(help: ArgumentHelp("Name of the [[output]] in feeds.conf.", valueName: "output-name"))
    var name: String

    @OptionGroup var configOption: ConfigOption

    @Option(name: .long, help: "State database (default: [daemon] state from feeds.conf).")
    var state: String?

    @Option(name: [.customShort("o"), .customLong("out")], help: "Write here instead of the output's path.")
    var out: String?

    func run() throws {
        let loaded = try configOption.load()
        let config = loaded.config
        guard let output = config.outputs.first(where: { $0.name == name }) else {
            let known = config.outputs.map(\.name)
            throw CommandFailure.usage(
                "feedwire render: \(configOption.path) has no [[output]] named \"\(name)\"; "
                    + (known.isEmpty ? "add one (see feeds.conf)" : "outputs: \(known.joined(separator: ", "))"))
        }
        let statePath = state ?? config.daemon.state
        let reader = try RenderStore.open(path: statePath)
        let result: PublishResult
        do {
            result = try OutputPublisher().publish(output, config: config, reader: reader, now: SystemClock().timestamp,
                                                   path: out, force: true)
        } catch let error as AtomicWriteError {
            throw CommandFailure.failed("feedwire render: output \"\(name)\": \(error)")
        } catch let error as SelectionError {
            throw CommandFailure.failed("feedwire render: \(error)")
        } catch {
            throw storeFailure(error)
        }
        let what = output.format == .changes ? "events" : "stories"
        let status = result.changed ? "written" : "unchanged"
        print("\(result.path): \(status) (\(output.format.rawValue), \(result.count) \(what))")
    }
}

/// Opens the state database for `render`: as a reader, so it runs beside
/// a running daemon (WAL readers never block the writer) and creates nothing.
enum RenderStore {
    static func open(path: String) throws -> any StoryReader {
        do {
            return try SQLiteStore(path: path, mode: .reader)
        } catch {
            throw storeFailure(error)
        }
    }
}

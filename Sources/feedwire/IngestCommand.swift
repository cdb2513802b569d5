import ArgumentParser
import FeedwireCore
import Glibc

/// `feedwire ingest`: reconciles saved feed documents into the state
/// database as if they had been fetched, in argument order, each a separate
/// refresh, and prints the events (for replaying a publisher's history,
/// tests and the benchmark). A document identical to the feed's last one is
/// recognised by its hash and skipped without parsing. The first document
/// of a feed is its baseline (no `new` events unless `--backfill`).
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Reconcile saved feed documents into the state database as if fetched.",
        discussion: """
            Without --config, --state is required. The feed is created in the state database if needed.
            With --feed-per-file every FILE is its own feed, named after the file (feed-00042.xml → feed-00042),
            so one process can ingest a whole corpus. No notifications are queued: ingest is for replays,
            tests and benchmarks, and a replay must not page the newsroom.
            """)

    @OptionGroup var options: StateOptions

    @Option(name: .long, help: "The feed the documents belong to (its configured name).")
    var feed: String?

    @Flag(name: .long, help: "Each FILE is its own feed, named after the file without its extension.")
    var feedPerFile = false

    @Option(name: .long, help: "The documents' URL, for relative links (default: the feed's URL from the configuration).")
    var base: String?

    @Option(name: .long, help: "The clock for the first document, RFC 3339 (default: now).")
    var at: String?

    @Option(name: .long, help: "Seconds the clock advances between documents (default 0).")
    var step: Int = 0

    @Option(name: .long, help: "Items announced on a feed's first document (default: the feed's or [daemon] backfill).")
    var backfill: Int?

    @Flag(name: .long, help: "Events as JSON Lines.")
    var json = false

    @Flag(name: .long, help: "Print a summary (documents, events, rows written) on stderr.")
    var stats = false

    @Argument(help: "Feed documents, in the order they were fetched.")
    var files: [String]

    func validate() throws {
        if feedPerFile == (feed != nil) { throw ValidationError("give either --feed NAME or --feed-per-file") }
        if options.state == nil, options.configOption.config == nil {
            throw ValidationError("give --state PATH (or --config PATH to use its [daemon] state)")
        }
        if step < 0 { throw ValidationError("--step must not be negative") }
        if let backfill, backfill < 0 { throw ValidationError("--backfill must not be negative") }
        if files.isEmpty { throw ValidationError("give at least one FILE") }
    }

    func run() throws {
        let config = try options.loadConfig()
        var now = try commandClock(at)
        let store = try options.open(config, mode: .writer)
        let out = FileOutput(fd: 1)
        defer { out.flush() }
        let startChanges = store.totalChanges
        var failures = 0
        var unchanged = 0
        var eventCount = 0
        var documents = 0
        for file in files {
            let name = feed ?? IngestCommand.feedName(file)
            let feedConfig = config?.feed(named: name)
            let bytes: [UInt8]
            do {
                bytes = try IngestCommand.read(file)
            } catch {
                printError("feedwire: cannot read \(file): \(error)")
                failures += 1
                continue
            }
            var policy = config.map { TrackPolicy(daemon: $0.daemon, feed: feedConfig) } ?? TrackPolicy()
            if let backfill { policy.backfill = backfill }
            let documentBase = base ?? feedConfig?.url
            do {
                let result = try DocumentIngest.run(
                    store: store, feed: name, bytes: bytes, base: documentBase, now: now, policy: policy, fetch: nil,
                    createWithURL: feedConfig?.url ?? documentBase ?? "",
                    parse: { try IngestParsing.parse($0, base: documentBase) }, route: { _ in [] })
                documents += 1
                switch result {
                case .unchanged:
                    unchanged += 1
                case let .notAFeed(message):
                    printError("feedwire: \(file) (feed \(name)): \(message)")
                    failures += 1
                case let .refreshed(outcome, _):
                    for note in outcome.notes { printError("feedwire: \(note)") }
                    for event in outcome.events {
                        let item = try event.itemID.flatMap { try store.item(id: $0) }
                        out.write((json ? IngestCommand.json(event, item).serialized : IngestCommand.line(event, item)) + "\n")
                    }
                    eventCount += outcome.events.count
                }
            } catch {
                out.flush()
                throw storeFailure(error)
            }
            now = now + Int64(step)
        }
        out.flush()
        if stats {
            printError("feedwire: ingested \(documents) documents (\(unchanged) unchanged, \(failures) failed), "
                + "\(eventCount) events, rows written \(store.totalChanges - startChanges)")
        }
        if failures > 0 { throw CommandFailure.failed() }
    }

    /// `dir/feed-00042.xml` → `feed-00042`.
    static func feedName(_ file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        let stem = base.split(separator: ".").first.map(String.init) ?? base
        return stem.isEmpty ? base : stem
    }

    /// Reads a whole file (`-` is standard input).
    static func read(_ path: String) throws -> [UInt8] {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestReadError(message: String(cString: strerror(errno))) }
        defer { if fd != 0 { close(fd) } }
        var result: [UInt8] = []
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > 0 { result.reserveCapacity(Int(st.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestReadError(message: String(cString: strerror(errno)))
            }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// `new      feed=wire item=12 story=12 rev=1 "Title" https://…`
    static func line(_ e: ChangeEvent, _ item: ItemRecord?) -> String {
        var s = e.kind.rawValue.padding(8) + " feed=\(e.feed)"
        if let id = e.itemID { s += " item=\(id)" }
        if let story = e.storyID, story != e.itemID { s += " story=\(story)" }
        if let revision = e.revision { s += " rev=\(revision)" }
        if !e.changedFields.isEmpty { s += " fields=" + e.changedFields.map(\.rawValue).joined(separator: ",") }
        if let item {
            s += " \"\(item.title)\""
            if let link = item.link { s += " \(link)" }
        }
        if let message = e.message { s += " \(message)" }
        if let diff = e.titleDiff { s += "\n         title: \(diff.plain)" }
        if let diff = e.textDiff { s += "\n         text:  \(diff.plain)" }
        return s
    }

    static func json(_ e: ChangeEvent, _ item: ItemRecord?) -> JSONValue {
        .object(omittingNil: [
            ("id", .int(e.id)), ("kind", .string(e.kind.rawValue)), ("at", .string(e.at.rfc3339)), ("feed", .string(e.feed)),
            ("item", e.itemID.map { .int($0) }), ("story", e.storyID.map { .int($0) }),
            ("revision", e.revision.map { .int(Int64($0)) }),
            ("fields", e.changedFields.isEmpty ? nil : .array(e.changedFields.map { .string($0.rawValue) })),
            ("title", item.map { .string($0.title) }), ("link", item?.link.map(JSONValue.string)),
            ("guid", item?.guid.map(JSONValue.string)), ("previousTitle", e.previousTitle.map(JSONValue.string)),
            ("titleDiff", e.titleDiff?.json), ("textDiff", e.textDiff?.json), ("message", e.message.map(JSONValue.string)),
        ])
    }
}

struct IngestReadError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

import ArgumentParser
import FeedwireCore
import Glibc

/// `feedwire parse [--json] [--base URL] [--charset NAME] FILE... | -`
/// (../shared/contracts/parse-json.md). Files are read in 256 KiB chunks
/// and, with `--json`, items are written as soon as they are read, so a
/// 50 MB feed never sits in memory whole.
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse feed documents and print what Feedwire reads from them.",
        discussion: """
            Reads RSS 0.90–2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and JSON Feed 1.0/1.1. With --json, prints one \
            JSON object per input on its own line, in argument order. Exits 1 if any input is not a feed or \
            cannot be read (the others are still printed).
            """)

    @Flag(name: .long, help: "Print one compact JSON object per input (JSON Lines).")
    var json = false

    @Option(name: .long, help: ArgumentHelp("The document URL, for resolving relative links (default: file:// and the file's absolute path).", valueName: "URL"))
    var base: String?

    @Option(name: .long, help: ArgumentHelp("The charset an HTTP Content-Type would give; a byte-order mark still wins.", valueName: "NAME"))
    var charset: String?

    @Argument(help: ArgumentHelp("Feed files; - reads standard input.", valueName: "FILE"))
    var files: [String] = []

    /// The command for `feedwire parse …` built without ArgumentParser, or
    /// nil to leave the arguments to ArgumentParser.
    ///
    /// Why: ArgumentParser's set-up reflects over every command (Mirror,
    /// dynamic casts that scan all protocol conformances in the binary): a
    /// quarter of a 20-item feed's whole run. And it stores a repeated
    /// positional as an `Array` in an existential that it copies for every
    /// value, which is quadratic: 8% of the CPU of `parse --json` over 1000
    /// feeds (callgrind). So argument lists whose meaning is unambiguous
    /// are read here: `parse`, then `--json`, `--base`/`--charset` with a
    /// value (separate or after `=`) that is neither empty nor starts with
    /// `-`, each at most once, and at least one file (`-` or not starting
    /// with `-`), in any order. Anything else (`--help`, `--`, an unknown or
    /// repeated option, a missing value, no file) goes to ArgumentParser
    /// unchanged, with its messages.
    static func direct<C: Collection<String>>(_ arguments: C) -> ParseCommand? {
        guard arguments.first == "parse" else { return nil }
        var json = false
        var base: String?
        var charset: String?
        var files: [String] = []
        var rest = Array(arguments.dropFirst())[...]
        while let argument = rest.popFirst() {
            if argument == "-" || !argument.hasPrefix("-") {
                files.append(argument)
                continue
            }
            var name = argument
            var value: String?
            if let eq = argument.firstIndex(of: "=") {
                name = String(argument[..<eq])
                value = String(argument[argument.index(after: eq)...])
            }
            switch name {
            case "--json":
                guard value == nil, !json else { return nil }
                json = true
            case "--base", "--charset":
                if value == nil { value = rest.popFirst() }
                guard let value, !value.isEmpty, !value.hasPrefix("-") else { return nil }
                if name == "--base" {
                    guard base == nil else { return nil }
                    base = value
                } else {
                    guard charset == nil else { return nil }
                    charset = value
                }
            default:
                return nil
            }
        }
        guard !files.isEmpty else { return nil }
        // Setting every property gives each wrapper its value (reading one
        // that was never set would trap).
        var command = ParseCommand()
        command.json = json
        command.base = base
        command.charset = charset
        command.files = files
        return command
    }

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE (or - for standard input)") }
    }

    func run() throws {
        let out = FileOutput(fd: 1, capacity: 256 * 1024)
        let writer = ParseJSONWriter(capacity: 256 * 1024)   // reused for every file
        var buffer = [UInt8](repeating: 0, count: FeedParseSession.chunkSize)
        var failed = false
        for file in files where !parse(file, into: out, writer: writer, buffer: &buffer) {
            failed = true
        }
        out.flush()
        if failed { throw CommandFailure.failed() }
    }

    /// Parses one input and prints its line; false when it failed.
    private func parse(_ file: String, into out: FileOutput, writer: ParseJSONWriter, buffer: inout [UInt8]) -> Bool {
        let fd: Int32 = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return fail(file, "cannot read: \(String(cString: strerror(errno)))", advice: "check the path and its permissions", out)
        }
        defer { if fd != 0 { close(fd) } }
        let options = FeedParseOptions(baseURL: base ?? defaultBase(file), charset: charset)
        writer.removeAll()
        let stream = ItemStream(out: out, writer: writer, json: json)
        let session = FeedParseSession(options: options, onItem: { stream.add($0) })
        do throws(FeedParseError) {
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    let reason = "cannot read: \(String(cString: strerror(errno)))"
                    if stream.count > 0 { stream.abort(file: file, error: reason) }
                    return fail(file, reason, advice: "check the file", out, printLine: stream.count == 0)
                }
                if n == 0 { break }
                let failure: FeedParseError? = buffer.withUnsafeBytes { raw in
                    do throws(FeedParseError) {
                        try session.consume(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
                    } catch {
                        return error
                    }
                    return nil
                }
                if let failure { throw failure }
            }
            let feed = try session.finish()
            stream.finish(feed, file: file)
            return true
        } catch {
            return fail(file, error.message, advice: "check that it is the feed itself, not a web page or an error page", out)
        }
    }

    private func fail(_ file: String, _ message: String, advice: String, _ out: FileOutput, printLine: Bool = true) -> Bool {
        if json, printLine { out.write(bytes: ParseJSONWriter.errorLine(file: file, error: message)) }
        out.flush()
        printError("feedwire parse: \(file): \(message); \(advice)")
        return false
    }

    private func defaultBase(_ file: String) -> String? {
        guard file != "-" else { return nil }
        return URLResolver.fileURL(path: file, currentDirectory: ParseCommand.currentDirectory)
    }

    private static let currentDirectory: String = {
        var cwd = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&cwd, cwd.count) != nil else { return "/" }
        return String(decoding: cwd.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}

/// Writes one input's output: items as they arrive (JSON), or the summary.
private final class ItemStream {
    let out: FileOutput
    let json: Bool
    let writer: ParseJSONWriter
    // Touched once per item from the parse callback on this thread only.
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) var titles: [String] = []

    init(out: FileOutput, writer: ParseJSONWriter, json: Bool) {
        self.out = out
        self.writer = writer
        self.json = json
    }

    func add(_ item: ParsedItem) {
        count += 1
        guard json else {
            if titles.count < 3, let t = item.title { titles.append(t) }
            return
        }
        if count == 1 { writer.append("{\"items\":[") } else { writer.append(",") }
        writer.appendItem(item)
        if writer.count >= 192 * 1024 { drain() }
    }

    func finish(_ feed: ParsedFeed, file: String) {
        guard json else { return summary(feed, file: file) }
        if count == 0 { writer.append("{\"items\":[") }
        writer.append("]")
        writer.appendFeedFields(feed)
        writer.append("}\n")
        drain()
    }

    /// A read error after items were written: close the line as valid JSON.
    func abort(file: String, error: String) {
        guard json else { return }
        writer.append("],\"file\":")
        writer.appendString(file)
        writer.append(",\"error\":")
        writer.appendString(error)
        writer.append("}\n")
        drain()
    }

    /// Writes the writer's bytes straight to standard output (after what
    /// `out` holds), without copying them into `out`'s buffer first.
    private func drain() {
        out.flush()
        writer.withBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(out.fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    break   // EPIPE and the like: the reader went away
                }
                offset += n
            }
        }
        writer.removeAll()
    }

    private func summary(_ feed: ParsedFeed, file: String) {
        let formats: [FeedFormat: String] = [
            .rss090: "RSS 0.90", .rss091: "RSS 0.91", .rss092: "RSS 0.92", .rss093: "RSS 0.93", .rss094: "RSS 0.94",
            .rss10: "RSS 1.0", .rss20: "RSS 2.0", .atom03: "Atom 0.3", .atom10: "Atom 1.0",
            .json10: "JSON Feed 1.0", .json11: "JSON Feed 1.1",
        ]
        var text = "\(file): \(formats[feed.format] ?? feed.format.rawValue)"
        if let title = feed.title { text += " \"\(title)\"" }
        text += ", \(count) item\(count == 1 ? "" : "s"), \(feed.encoding)"
        text += feed.wellFormed ? ", well-formed\n" : ", \(feed.errors.count) problem\(feed.errors.count == 1 ? "" : "s") (read in recovery mode)\n"
        if let link = feed.link { text += "  link: \(link)\n" }
        if let updated = feed.updated ?? feed.published { text += "  updated: \(updated.rfc3339)\n" }
        for t in titles { text += "  - \(t)\n" }
        if count > titles.count { text += "  … \(count - titles.count) more\n" }
        for e in feed.errors.prefix(5) { text += "  ! \(e)\n" }
        if feed.errors.count > 5 { text += "  ! … \(feed.errors.count - 5) more\n" }
        out.write(text)
    }
}

import ArgumentParser
import Dispatch
import FeedwireCore
import FeedwireCurl
import Glibc

/// `feedwire fetch`: the HTTP engine on the command line, for people
/// debugging a feed and as the benchmark client (`make bench-fetch`).
/// Requests are all handed to the engine at once (it queues them behind its
/// in-flight limits) and lines are written as answers arrive.
struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch URLs with Feedwire's HTTP engine and print one line per URL.",
        discussion: """
            Each line: status, outcome, decoded bytes, time, URL, then the final URL after \
            redirects and the validators (ETag, Last-Modified). --json prints JSON Lines instead. \
            Private and loopback addresses are refused unless allowed with --allow. \
            Exit status: 0 when every URL answered 200 or 304, else 1.
            """
    )

    @Option(name: .customLong("urls"), help: "A file with one URL per line (blank lines and # comments skipped).")
    var urlsFile: String?

    @Option(name: .customLong("validators"), help: "Send If-None-Match / If-Modified-Since from this file (as --save-validators writes it).")
    var validatorsFile: String?

    @Option(name: .customLong("save-validators"), help: "Write each URL's ETag and Last-Modified to this file.")
    var saveValidatorsFile: String?

    @Option(name: .customLong("allow"), help: "Allow a network (CIDR) or host that the default policy refuses, e.g. 127.0.0.0/8. Repeatable.")
    var allow: [String] = []

    @Option(name: .customLong("deny"), help: "Refuse a network (CIDR) or host, even if allowed. Repeatable.")
    var deny: [String] = []

    @Flag(name: .customLong("json"), help: "Print JSON Lines.")
    var json = false

    @Flag(name: .customLong("stats"), help: "Print to standard error the wall time and CPU (all threads) from the first request to the last answer, per URL.")
    var stats = false

    @Option(name: .customLong("contact"), help: "Contact added to the User-Agent: Feedwire/<version> (+CONTACT).")
    var contact = ""

    @Option(name: .customLong("proxy"), help: "Proxy URL (default: the http_proxy/https_proxy/no_proxy environment).")
    var proxy = ""

    @Option(name: .customLong("max-in-flight"), help: "Transfers at once.")
    var maxInFlight = 32

    @Option(name: .customLong("max-per-host"), help: "Transfers at once to one host.")
    var maxPerHost = 4

    @Option(name: .customLong("timeout"), help: "Whole-transfer timeout in seconds.")
    var timeout: Double = 30

    @Option(name: .customLong("max-body"), help: "Body cap in bytes, after decompression.")
    var maxBody = 15 * 1024 * 1024

    @Argument(help: "URLs to fetch.")
    var urls: [String] = []

    func run() throws {
        var list = urls
        if let urlsFile {
            let bytes = try readWholeFile(urlsFile, what: "--urls")
            bytes.withUnsafeBytes { b in
                for line in ByteLines(b) {
                    let url = ByteLines.trimmed(b, line)
                    if url.isEmpty || b[url.lowerBound] == 0x23 { continue }
                    list.append(ByteLines.text(b, url))
                }
            }
        }
        guard !list.isEmpty else { throw CommandFailure.usage("feedwire fetch: give URLs as arguments or with --urls FILE") }
        guard maxInFlight >= 1, maxPerHost >= 1, timeout > 0, maxBody > 0 else {
            throw CommandFailure.usage("feedwire fetch: --max-in-flight, --max-per-host, --timeout and --max-body must be positive")
        }

        var known: [String: Validators] = [:]
        if let validatorsFile {
            let parsed = ValidatorsFile.parse(try readWholeFile(validatorsFile, what: "--validators"))
            for line in parsed.badLines.prefix(5) {
                printError("\(validatorsFile):\(line): not URL<TAB>ETag<TAB>Last-Modified; ignored")
            }
            known = parsed.validators
        }

        let policy: NetworkPolicy
        do {
            policy = try NetworkPolicy(allowing: allow, denying: deny)
        } catch {
            throw CommandFailure.usage("feedwire fetch: --allow/--deny \(error.description)")
        }

        var saveFD: Int32 = -1
        if let saveValidatorsFile {
            saveFD = open(saveValidatorsFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard saveFD >= 0 else {
                throw CommandFailure.failed("feedwire fetch: cannot write --save-validators \(saveValidatorsFile): \(String(cString: strerror(errno)))")
            }
        }

        let outputQueue = DispatchQueue(label: "feedwire.fetch.output")
        let transport = CurlTransport(configuration: CurlTransportConfiguration(
            maxInFlight: maxInFlight, maxPerHost: maxPerHost, userAgent: FeedwireVersion.userAgent(contact: contact),
            policy: policy, proxy: CurlTransportConfiguration.environmentProxy(configured: proxy),
            completionQueue: outputQueue))
        let report = FetchReport(total: list.count, json: json, saveFD: saveFD)

        var limits = TransferLimits()
        limits.totalTimeout = timeout
        limits.maxBodyBytes = maxBody
        let feeder = FetchFeeder(urls: list, validators: known, limits: limits, transport: transport, report: report)
        let started = FetchStats.Sample()
        outputQueue.sync { feeder.start(window: max(1024, 16 * maxInFlight)) }
        report.finished.wait()
        if stats, let ended = report.lastAnswer {
            FileOutput.standardError(FetchStats.line(urls: list.count, from: started, to: ended))
        }
        transport.shutdown()
        let failures = outputQueue.sync { report.close() }
        // Everything is written and flushed: leave without tearing down the
        // per-URL tables (10,000 URLs, validators and their strings), which
        // cost as much CPU as a few hundred 304s in `make bench-fetch`.
        Glibc.exit(failures > 0 ? 1 : 0)
    }

    private func readWholeFile(_ path: String, what: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CommandFailure.failed("feedwire fetch: cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                throw CommandFailure.failed("feedwire fetch: cannot read \(what) \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}

/// Hands the URLs to the engine, at most `window` unanswered at a time (each
/// answer lets the next URL in), so a list of 100,000 URLs does not build
/// 100,000 requests up front: in `make bench-fetch` (10,000 URLs) sending
/// them all at once faulted in ~10 MB of request state, 2,500 page faults
/// that cost more CPU than the requests' own Swift code. The window is
/// large (at least 1,024) so lists grouped by host still keep every host's
/// slots busy. Touched only on the fetch command's serial output queue.
final class FetchFeeder: @unchecked Sendable {
    private let urls: [String]
    private let validators: [String: Validators]
    private let limits: TransferLimits
    private let transport: CurlTransport
    private let report: FetchReport
    private var next = 0

    init(urls: [String], validators: [String: Validators], limits: TransferLimits, transport: CurlTransport, report: FetchReport) {
        self.urls = urls
        self.validators = validators
        self.limits = limits
        self.transport = transport
        self.report = report
    }

    func start(window: Int) {
        for _ in 0..<window { sendNext() }
    }

    private func sendNext() {
        guard next < urls.count else { return }
        let url = urls[next]
        next += 1
        let previous = validators[url] ?? Validators()
        let request = FeedRequest.make(url: url, validators: previous, limits: limits, label: url)
        transport.send(request) { [self] result in
            // On the output queue (serial), as the report requires.
            report.record(url: url, previous: previous, result: result)
            sendNext()
        }
    }
}

/// Writes one line per answer and the validators file, counts failures.
/// Touched only on the fetch command's serial output queue (hence
/// `@unchecked Sendable`); `finished` is signalled after the last answer.
final class FetchReport: @unchecked Sendable {
    let finished = DispatchSemaphore(value: 0)
    /// Taken when the last answer was written (read after `finished`).
    private(set) var lastAnswer: FetchStats.Sample?
    private let total: Int
    private let json: Bool
    private let out = FileOutput(fd: 1)
    private let save: FileOutput?
    private var done = 0
    private var failures = 0

    init(total: Int, json: Bool, saveFD: Int32) {
        self.total = total
        self.json = json
        if saveFD >= 0 {
            let s = FileOutput(fd: saveFD)
            s.write(ValidatorsFile.header)
            save = s
        } else {
            save = nil
        }
    }

    func record(url: String, previous: Validators, result: Result<HTTPResponse, TransportError>) {
        let outcome = FetchOutcome.classify(result, subject: url, previous: previous,
                                            now: Timestamp(unix: SystemClock().now()))
        let ok = outcome.status == 200 || outcome.status == 304
        if !ok { failures += 1 }
        if json { out.write(jsonLine(url, outcome)) } else { writeTextLine(url, outcome, ok: ok) }
        if let save, let line = ValidatorsFile.line(url: url, validators: outcome.validators) { save.write(line) }
        done += 1
        if done == total {
            lastAnswer = FetchStats.Sample()
            finished.signal()
        }
    }

    /// Flushes both files; returns the number of URLs that did not answer 200 or 304.
    func close() -> Int {
        out.flush()
        if let save {
            save.flush()
            Glibc.close(save.fd)
        }
        return failures
    }

    /// `STATUS OUTCOME BYTESB MSms URL [-> FINAL] [etag=…] [last-modified="…"] [# message]`,
    /// written piece by piece into the output buffer (no line string per URL).
    private func writeTextLine(_ url: String, _ o: FetchOutcome, ok: Bool) {
        if let status = o.status { out.write(decimal: status) } else { out.write("---" as StaticString) }
        out.write(byte: 0x20)
        out.write(o.kind.rawValue)
        out.write(byte: 0x20)
        out.write(decimal: o.body.count)
        out.write("B " as StaticString)
        let tenths = Int((o.seconds * 10_000).rounded())
        out.write(decimal: tenths / 10)
        out.write(byte: 0x2E)
        out.write(decimal: tenths % 10)
        out.write("ms " as StaticString)
        out.write(url)
        if let final = o.finalURL, final != url {
            out.write(" -> " as StaticString)
            out.write(final)
        }
        if let etag = o.validators.etag {
            out.write(" etag=" as StaticString)
            out.write(etag)
        }
        if let lm = o.validators.lastModified {
            out.write(" last-modified=\"" as StaticString)
            out.write(lm)
            out.write(byte: 0x22)
        }
        if !ok {
            out.write("  # " as StaticString)
            out.write(o.message)
        }
        out.write(byte: 0x0A)
    }

    private func jsonLine(_ url: String, _ o: FetchOutcome) -> String {
        var fields: [(String, JSONValue?)] = [
            ("url", .string(url)),
            ("status", o.status.map { .int(Int64($0)) } ?? .null),
            ("outcome", .string(o.kind.rawValue)),
            ("bytes", .int(Int64(o.body.count))),
            ("wire_bytes", .int(Int64(o.wireBytes))),
            ("ms", .double((o.seconds * 10_000).rounded() / 10)),
            ("etag", o.validators.etag.map { .string($0) }),
            ("last_modified", o.validators.lastModified.map { .string($0) }),
        ]
        if let final = o.finalURL { fields.append(("final_url", .string(final))) }
        if let moved = o.movedTo { fields.append(("moved_to", .string(moved))) }
        if let retry = o.retryAfter { fields.append(("retry_after", .int(Int64(retry)))) }
        if let age = o.cacheMaxAge { fields.append(("max_age", .int(Int64(age)))) }
        fields.append(("message", .string(o.message)))
        return JSONValue.object(omittingNil: fields).serialized + "\n"
    }
}

/// `feedwire fetch --stats`: what the fetching itself cost, measured the way
/// ../shared/bench/fetch_multi.c measures its rounds (getrusage of the whole
/// process, every thread, from the first request to the last answer), so the
/// two compare like for like; start-up and reading the URL and validator
/// files are outside the window.
enum FetchStats {
    struct Sample {
        let wall = monotonicSeconds()
        let user: Double
        let system: Double

        init() {
            var u = rusage()
            getrusage(RUSAGE_SELF.rawValue, &u)
            user = Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
            system = Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
        }
    }

    static func line(urls: Int, from a: Sample, to b: Sample) -> String {
        let user = b.user - a.user, system = b.system - a.system
        let perURL = (user + system) / Double(max(1, urls)) * 1e6
        return "fetch stats: \(urls) URLs, wall \(fixed(b.wall - a.wall, 4)) s, CPU \(fixed(user + system, 4)) s "
            + "(user \(fixed(user, 4)), system \(fixed(system, 4))), \(fixed(perURL, 1)) us CPU per URL"
    }

    private static func fixed(_ x: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let n = Int((x * scale).rounded())
        let whole = n / Int(scale), frac = n % Int(scale)
        let f = String(frac)
        return "\(whole).\(String(repeating: "0", count: digits - f.count))\(f)"
    }
}

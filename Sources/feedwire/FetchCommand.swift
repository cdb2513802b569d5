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
            for raw in bytes.split(separator: 0x0A) {
                var line = raw[...]
                while let l = line.last, l == 0x0D || l == 0x20 || l == 0x09 { line = line.dropLast() }
                while let f = line.first, f == 0x20 || f == 0x09 { line = line.dropFirst() }
                if line.isEmpty || line.first == 0x23 { continue }
                list.append(String(decoding: line, as: UTF8.self))
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
        for url in list {
            let previous = known[url] ?? Validators()
            let request = FeedRequest.make(url: url, validators: previous, limits: limits, label: url)
            transport.send(request) { result in
                // On `outputQueue` (serial): the report is only touched there.
                report.record(url: url, previous: previous, result: result)
            }
        }
        report.finished.wait()
        transport.shutdown()
        let failures = outputQueue.sync { report.close() }
        if failures > 0 { throw CommandFailure.failed() }
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

/// Writes one line per answer and the validators file, counts failures.
/// Touched only on the fetch command's serial output queue (hence
/// `@unchecked Sendable`); `finished` is signalled after the last answer.
final class FetchReport: @unchecked Sendable {
    let finished = DispatchSemaphore(value: 0)
    private let total: Int
    private let json: Bool
    private let out = FileOutput(fd: 1)
    private let save: FileOutput?
    private var done = 0
    private var failures = 0
    private var line: [UInt8] = []

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
        if done == total { finished.signal() }
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
    /// assembled in a reused byte buffer (no line string per URL).
    private func writeTextLine(_ url: String, _ o: FetchOutcome, ok: Bool) {
        line.removeAll(keepingCapacity: true)
        if let status = o.status { putInt(status) } else { put("---" as StaticString) }
        line.append(0x20)
        put(o.kind.rawValue)
        line.append(0x20)
        putInt(o.body.count)
        put("B " as StaticString)
        let tenths = Int((o.seconds * 10_000).rounded())
        putInt(tenths / 10)
        line.append(0x2E)
        putInt(tenths % 10)
        put("ms " as StaticString)
        put(url)
        if let final = o.finalURL, final != url {
            put(" -> " as StaticString)
            put(final)
        }
        if let etag = o.validators.etag {
            put(" etag=" as StaticString)
            put(etag)
        }
        if let lm = o.validators.lastModified {
            put(" last-modified=\"" as StaticString)
            put(lm)
            line.append(0x22)
        }
        if !ok {
            put("  # " as StaticString)
            put(o.message)
        }
        line.append(0x0A)
        out.write(bytes: line)
    }

    private func put(_ s: String) {
        var s = s
        s.withUTF8 { line.append(contentsOf: $0) }
    }

    private func put(_ s: StaticString) {
        s.withUTF8Buffer { line.append(contentsOf: $0) }
    }

    /// Decimal digits of a non-negative number.
    private func putInt(_ n: Int) {
        var n = max(0, n)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - count] = UInt8(0x30 + n % 10)
                n /= 10
                count += 1
            } while n > 0
            line.append(contentsOf: d[(20 - count)...])
        }
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

import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// `feedwire parse` as a user runs it: the built binary on fixture files,
/// checked against ../shared/contracts/parse-json.md (JSON Lines in argument
/// order, error lines, exit codes 0/1/2).
@Suite struct ParseCommandTests {
    static let fixtures = PackagePaths.root.appendingPathComponent("Tests/FeedwireCoreTests/Fixtures/parse")

    func fixture(_ name: String) -> String { ParseCommandTests.fixtures.appendingPathComponent(name).path }

    /// Runs a shell command line (for stdin redirection) and returns the exit code and stdout lines.
    func run(_ arguments: [String], stdin: String? = nil) throws -> (code: Int32, lines: [String]) {
        let quoted = ([PackagePaths.feedwireBinary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var command = quoted.joined(separator: " ")
        if let stdin { command += " < '\(stdin)'" }
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", command], captureStdout: true)
        var lines: [String] = []
        while let line = child.readLine() { lines.append(line) }
        let code = try #require(child.waitForExit(timeout: 30))
        return (code, lines)
    }

    func json(_ line: String) throws -> JSONValue { try JSONValue.parse(line) }

    @Test func oneLinePerFileInArgumentOrder() throws {
        let (code, lines) = try run(["parse", "--json", fixture("rss20-full.xml"), fixture("atom10-full.xml"), fixture("json11.feed.json")])
        #expect(code == 0)
        #expect(lines.count == 3)
        #expect(try lines.map { try json($0)["format"]?.stringValue } == ["rss20", "atom10", "json11"])
        // Compact: one object per line.
        #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
    }

    @Test func notAFeedGivesAnErrorLineAndExitOne() throws {
        let missing = fixture("does-not-exist.xml")
        let (code, lines) = try run(["parse", "--json", fixture("notfeed-html.html"), fixture("rss090.xml"), missing])
        #expect(code == 1)
        #expect(lines.count == 3)
        let first = try json(lines[0])
        #expect(first["file"]?.stringValue == fixture("notfeed-html.html"))
        #expect(first["error"]?.stringValue?.hasPrefix("not a feed:") == true)
        #expect(try json(lines[1])["format"]?.stringValue == "rss090")
        #expect(try json(lines[2])["error"]?.stringValue?.contains("cannot read") == true)
    }

    @Test func recoveredFeedsStillExitZero() throws {
        let (code, lines) = try run(["parse", "--json", fixture("quirk-truncated.xml"), fixture("hostile-billion-laughs.xml")])
        #expect(code == 0)
        #expect(try lines.map { try json($0)["wellFormed"]?.boolValue } == [false, false])
    }

    @Test func defaultBaseIsTheFileURL() throws {
        let dir = TemporaryDirectory()
        let path = try dir.write("news feed.xml", "<rss><channel><link>story.html</link><image><url>/logo.png</url></image></channel></rss>")
        let (code, lines) = try run(["parse", "--json", path])
        #expect(code == 0)
        let feed = try json(lines[0])
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        #expect(feed["link"]?.stringValue == "file://" + directory + "/story.html")
        #expect(feed["image"]?.stringValue == "file:///logo.png")
    }

    @Test func baseAndCharsetOptions() throws {
        let (code, lines) = try run(["parse", "--json", "--base", "https://wire.example.com/feed.xml", "--charset", "utf-8",
                                     fixture("rss20-full.xml")])
        #expect(code == 0)
        let feed = try json(lines[0])
        #expect(feed["image"]?.stringValue == "https://wire.example.com/static/logo.png")
        let koi = try run(["parse", "--json", "--charset", "KOI8-R", fixture("enc-charset-option-over-declaration.xml")])
        #expect(try json(koi.lines[0])["encoding"]?.stringValue == "koi8-r")
    }

    @Test func standardInputWithoutBaseKeepsRelativeLinks() throws {
        let (code, lines) = try run(["parse", "--json", "-"], stdin: fixture("rss20-full.xml"))
        #expect(code == 0)
        #expect(try json(lines[0])["image"]?.stringValue == "/static/logo.png")
    }

    @Test func matchesTheLibraryOnEveryFixture() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: ParseCommandTests.fixtures.path)
            .filter { !$0.hasSuffix(".golden.json") && !$0.hasSuffix(".options") }.sorted()
        let paths = names.map(fixture)
        let (_, lines) = try run(["parse", "--json", "--base", "https://cli.example/f"] + paths)
        #expect(lines.count == names.count)
        for (name, line) in zip(names, lines) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture(name))))
            let expected: JSONValue
            do {
                expected = try JSONValue.parse(ParseJSONWriter.line(FeedParser.parse(bytes, options: FeedParseOptions(baseURL: "https://cli.example/f"))))
            } catch let error as FeedParseError {
                expected = .object([("file", .string(fixture(name))), ("error", .string(error.message))])
            }
            #expect(try json(line) == expected, "\(name)")
        }
    }

    @Test func humanSummaryWithoutJSON() throws {
        let (code, lines) = try run(["parse", fixture("rss20-full.xml")])
        #expect(code == 0)
        #expect(lines.first?.contains("RSS 2.0 \"Kyiv Wire\", 3 items, utf-8, well-formed") == true)
    }

    @Test func noFileIsAUsageError() throws {
        let (code, _) = try run(["parse", "--json"])
        #expect(code == 2)
    }

    /// Simple argument lists are read without ArgumentParser (ParseCommand.direct):
    /// options in any position and in `--name=value` form mean what they meant.
    @Test func optionsAnywhereAndInEqualsForm() throws {
        let a = fixture("rss20-full.xml"), b = fixture("atom10-full.xml")
        let reference = try run(["parse", "--json", "--base", "https://wire.example.com/feed.xml", "--charset", "utf-8", a, b])
        #expect(reference.code == 0)
        #expect(reference.lines.count == 2)
        for arguments in [
            ["parse", a, "--base=https://wire.example.com/feed.xml", b, "--json", "--charset=utf-8"],
            ["parse", "--charset", "utf-8", a, "--json", b, "--base", "https://wire.example.com/feed.xml"],
        ] {
            let other = try run(arguments)
            #expect(other.code == 0)
            #expect(try other.lines.map(json) == reference.lines.map(json), "\(arguments)")
        }
    }

    /// Argument lists ParseCommand.direct leaves to ArgumentParser, and the exit code it gives.
    static let argumentParserCases: [(arguments: [String], code: Int32)] = [
        (["parse", "--json", "--bogus", "FILE"], 2),
        (["parse", "--json", "FILE", "--base"], 2),
        (["parse", "--json", "--base", "--json", "FILE"], 2),
        (["parse", "--json=yes", "FILE"], 2),
        (["parse", "-x", "FILE"], 2),
        (["parse", "--help"], 0),
        (["parse", "--json", "--", "FILE"], 0),
    ]

    /// What the direct reading does not take goes to ArgumentParser, with its exit codes.
    @Test(arguments: ParseCommandTests.argumentParserCases)
    func argumentParserStillDecidesTheRest(_ arguments: [String], _ expected: Int32) throws {
        let file = fixture("rss20-full.xml")
        let (code, lines) = try run(arguments.map { $0 == "FILE" ? file : $0 })
        #expect(code == expected)
        if arguments.last == "FILE", expected == 0 {
            #expect(try lines.map { try json($0)["format"]?.stringValue } == ["rss20"])
        }
    }
}

import FeedwireCore
import Foundation

/// The feed fixtures under Fixtures/parse: each input file has a golden
/// `<stem>.golden.json` beside it (the contract JSON, or `{"error": …}` for
/// a document that is not a feed) and optionally `<stem>.options`
/// (`{"base": …, "charset": …}`; the base defaults to
/// `http://fixtures.example/parse/<file>`).
enum ParseFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/parse")

    /// Input file names, sorted.
    static let inputs: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasSuffix(".golden.json") && !$0.hasSuffix(".options") && !$0.hasPrefix(".") }.sorted()
    }()

    static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return name }
        return String(name[..<dot])
    }

    static func bytes(_ name: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))) ?? []
    }

    static func options(_ name: String) -> FeedParseOptions {
        var options = FeedParseOptions(baseURL: "http://fixtures.example/parse/\(name)")
        let url = directory.appendingPathComponent(stem(name) + ".options")
        if let data = try? Data(contentsOf: url), let json = try? JSONValue.parse([UInt8](data)) {
            if let base = json["base"]?.stringValue { options.baseURL = base }
            if let charset = json["charset"]?.stringValue { options.charset = charset }
        }
        return options
    }

    static func goldenURL(_ name: String) -> URL {
        directory.appendingPathComponent(stem(name) + ".golden.json")
    }

    /// The contract JSON for a parse result (or the error object).
    static func json(_ result: Result<ParsedFeed, FeedParseError>) -> JSONValue {
        switch result {
        case let .success(feed):
            return (try? JSONValue.parse(ParseJSONWriter.line(feed))) ?? .null
        case let .failure(error):
            return .object([("error", .string(error.message))])
        }
    }

    static func parse(_ name: String) -> Result<ParsedFeed, FeedParseError> {
        do throws(FeedParseError) {
            return .success(try FeedParser.parse(bytes(name), options: options(name)))
        } catch {
            return .failure(error)
        }
    }

    /// Parses through a session fed `chunk` bytes at a time.
    static func parse(_ name: String, chunk: Int) -> Result<ParsedFeed, FeedParseError> {
        let data = bytes(name)
        let session = FeedParseSession(options: options(name))
        do throws(FeedParseError) {
            var i = 0
            while i < data.count {
                let end = min(data.count, i + chunk)
                try session.consume(Array(data[i..<end]))
                i = end
            }
            return .success(try session.finish())
        } catch {
            return .failure(error)
        }
    }
}

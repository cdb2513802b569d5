import FeedwireCore
import Foundation
import Testing

/// Every fixture parses to its golden contract JSON, compared as parsed
/// JSON (key order and formatting do not matter). With
/// `FEEDWIRE_UPDATE_GOLDENS=1` the goldens are rewritten instead (review
/// the diff before committing).
@Suite struct ParseGoldenTests {
    static let update = ProcessInfo.processInfo.environment["FEEDWIRE_UPDATE_GOLDENS"] == "1"

    @Test func thereAreFixturesForEveryFormat() {
        let formats = Set(ParseFixtures.inputs.compactMap { name -> FeedFormat? in
            if case let .success(feed) = ParseFixtures.parse(name) { return feed.format }
            return nil
        })
        #expect(formats == Set(FeedFormat.allCases))
    }

    @Test(arguments: ParseFixtures.inputs)
    func matchesGolden(_ name: String) throws {
        let actual = ParseFixtures.json(ParseFixtures.parse(name))
        let url = ParseFixtures.goldenURL(name)
        if ParseGoldenTests.update {
            try Data(actual.serializedBytes).write(to: url)
            return
        }
        let golden = try JSONValue.parse([UInt8](Data(contentsOf: url)))
        #expect(actual == golden, "\(name): \(actual.serialized)")
    }

    @Test(arguments: ParseFixtures.inputs)
    func chunkSizeDoesNotMatter(_ name: String) {
        let whole = ParseFixtures.json(ParseFixtures.parse(name))
        for chunk in [1, 7, 4096] {
            let pieces = ParseFixtures.json(ParseFixtures.parse(name, chunk: chunk))
            #expect(pieces == whole, "\(name) in \(chunk)-byte chunks: \(pieces.serialized)")
        }
    }
}

/// The fuzzer's chunk-independence property on every fixture, read without
/// its options (so charsets fall back and bases are missing) and cut in
/// more places.
@Suite struct ChunkIndependenceTests {
    @Test(arguments: ParseFixtures.inputs)
    func withoutOptions(_ name: String) {
        let bytes = ParseFixtures.bytes(name)
        func run(_ chunk: Int) -> JSONValue {
            let session = FeedParseSession()
            do throws(FeedParseError) {
                var i = 0
                while i < bytes.count {
                    let end = min(bytes.count, i + chunk)
                    try session.consume(Array(bytes[i..<end]))
                    i = end
                }
                return ParseFixtures.json(.success(try session.finish()))
            } catch {
                return ParseFixtures.json(.failure(error))
            }
        }
        let whole = run(1 << 20)
        for chunk in [2, 3, 5, 61, 97, 1000] {
            let pieces = run(chunk)
            #expect(pieces == whole, "\(name) in \(chunk)-byte chunks:\n\(pieces.serialized)\nwhole:\n\(whole.serialized)")
        }
    }
}

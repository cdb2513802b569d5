// libFuzzer target over FeedParser.parse (XML and JSON inputs). Not part of
// the SwiftPM package (SwiftPM cannot build fuzzers): scripts/fuzz-parse.sh
// compiles it with the FeedwireXML sources and Core's parse sources using
// `swiftc -sanitize=fuzzer,address -parse-as-library` (defaults.md §6).
//
// Properties checked on every input, besides "no crash, no sanitizer report":
// - the contract JSON line is valid JSON and every string in the result is
//   valid UTF-8 (invalid bytes never reach the output), whole or chunked;
// - for a well-formed document, parsing in chunks (size taken from the
//   input) gives exactly the same result. Malformed input is exempt:
//   libxml2 2.9's push parser recovers differently depending on where a
//   chunk ends (its DOCTYPE lookahead, for one, stops at a '>' inside a
//   quoted system ID). The fixture tests hold every fixture, malformed ones
//   included, to exact equality at the contract's chunk sizes.
import FeedwireXML

@_cdecl("LLVMFuzzerTestOneInput")
public func feedParserFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let options = FeedParseOptions(baseURL: "https://fuzz.example/feeds/a.xml")
    let whole = outcome { () throws(FeedParseError) in try FeedParser.parse(bytes, options: options) }
    let chunk = 1 + Int(bytes.first ?? 0) % 97
    let pieces = outcome { () throws(FeedParseError) in
        let session = FeedParseSession(options: options)
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + chunk)
            try session.consume(Array(bytes[i..<end]))
            i = end
        }
        return try session.finish()
    }
    for case let .success(feed) in [whole, pieces] {
        guard (try? JSONValue.parse(ParseJSONWriter.line(feed))) != nil else { fatalError("the contract line is not valid JSON") }
        checkUTF8(feed)
    }
    if case let .success(a) = whole, a.wellFormed {
        guard case let .success(b) = pieces else { fatalError("chunked parse (\(chunk)) fails on a well-formed feed") }
        guard ParseJSONWriter.line(a) == ParseJSONWriter.line(b) else {
            fatalError("chunked parse (\(chunk)) differs from the whole parse of a well-formed feed")
        }
    }
    return 0
}

func outcome(_ body: () throws(FeedParseError) -> ParsedFeed) -> Result<ParsedFeed, FeedParseError> {
    do throws(FeedParseError) { return .success(try body()) } catch { return .failure(error) }
}

func checkUTF8(_ feed: ParsedFeed) {
    func check(_ s: String?) {
        guard let s else { return }
        if String(validating: s.utf8, as: UTF8.self) == nil { fatalError("invalid UTF-8 reached the output") }
    }
    for s in [feed.title, feed.subtitle, feed.link, feed.id, feed.language, feed.rights, feed.generator, feed.icon, feed.image] { check(s) }
    feed.errors.forEach(check)
    feed.categories.forEach(check)
    for item in feed.items {
        for s in [item.id, item.title, item.link, item.summary, item.content, item.image, item.comments, item.sourceURL] { check(s) }
        item.categories.forEach(check)
        for p in item.authors { check(p.name); check(p.email); check(p.uri) }
        for e in item.enclosures { check(e.url); check(e.type) }
    }
}

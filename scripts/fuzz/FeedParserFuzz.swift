// libFuzzer target over FeedParser.parse (XML and JSON inputs). Not part of
// the SwiftPM package (SwiftPM cannot build fuzzers): scripts/fuzz-parse.sh
// compiles it with the FeedwireXML sources and Core's parse sources using
// `swiftc -sanitize=fuzzer,address -parse-as-library` (defaults.md §6).
//
// Properties checked on every input, besides "no crash, no sanitizer report":
// - the contract JSON line is valid JSON and every string in the result is
//   valid UTF-8 (invalid bytes never reach the output);
// - parsing in chunks (size taken from the input) gives the same result;
// - a document that is not a feed fails the same way in both.
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
    switch (whole, pieces) {
    case let (.success(a), .success(b)):
        let line = ParseJSONWriter.line(a)
        guard (try? JSONValue.parse(line)) != nil else { fatalError("the contract line is not valid JSON") }
        checkUTF8(a)
        guard line == ParseJSONWriter.line(b) else { fatalError("chunked parse (\(chunk)) differs from the whole parse") }
    case let (.failure(a), .failure(b)):
        guard a.message == b.message else { fatalError("chunked parse fails differently: \(a.message) / \(b.message)") }
    default:
        fatalError("chunked parse (\(chunk)) and whole parse disagree on whether this is a feed")
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

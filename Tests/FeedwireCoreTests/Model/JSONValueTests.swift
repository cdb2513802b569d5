import FeedwireCore
import Testing

@Suite struct JSONValueTests {
    @Test func roundTripsKeepingOrderAndExactIntegers() throws {
        let text = #"{"b":1,"a":[true,false,null,-12.5,"x\"y\\z\n\u00e9\ud83d\ude00"],"id":1234567890123456789}"#
        let v = try JSONValue.parse(text)
        #expect(v["id"]?.intValue == 1_234_567_890_123_456_789)
        #expect(v["a"]?[4]?.stringValue == "x\"y\\z\né😀")
        #expect(v.serialized == #"{"b":1,"a":[true,false,null,-12.5,"x\"y\\z\né😀"],"id":1234567890123456789}"#)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\"}", "tru", "\"\u{01}\"", "01x", "[1] 2"])
    func rejectsInvalid(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try JSONValue.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
    }
}

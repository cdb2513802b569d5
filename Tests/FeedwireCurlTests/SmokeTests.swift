import Testing

@Suite struct FeedwireCurlSmokeTests {
    @Test func placeholder() { #expect(Bool(true)) }
}

import Testing

@Suite struct FeedwireSQLiteSmokeTests {
    @Test func placeholder() { #expect(Bool(true)) }
}

import FeedwireCore
import Testing

@Suite struct TimestampTests {
    @Test func formatsRFC3339AndRFC822() {
        let t = Timestamp(year: 2025, month: 11, day: 25, hour: 10, minute: 0, second: 7)
        #expect(t.rfc3339 == "2025-11-25T10:00:07Z")
        #expect(t.rfc822 == "Tue, 25 Nov 2025 10:00:07 +0000")
        #expect(t.httpDate == "Tue, 25 Nov 2025 10:00:07 GMT")
    }

    @Test(arguments: [
        (1970, 1, 1, Int64(0)), (2000, 3, 1, Int64(951_868_800)), (1969, 12, 31, Int64(-86_400)),
        (2024, 2, 29, Int64(1_709_164_800)), (2100, 1, 1, Int64(4_102_444_800)),
    ])
    func civilRoundTrip(year: Int, month: Int, day: Int, seconds: Int64) {
        let t = Timestamp(year: year, month: month, day: day)
        #expect(t.seconds == seconds)
        let c = t.components
        #expect(c.year == year && c.month == month && c.day == day)
    }

    @Test func normalisesOverflowedFields() {
        #expect(Timestamp(year: 2025, month: 13, day: 1) == Timestamp(year: 2026, month: 1, day: 1))
        #expect(Timestamp(year: 2025, month: 1, day: 1, hour: 24) == Timestamp(year: 2025, month: 1, day: 2))
    }
}

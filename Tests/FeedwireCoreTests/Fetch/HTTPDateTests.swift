import FeedwireCore
import Testing

@Suite struct HTTPDateTests {
    let expected = Timestamp(year: 1994, month: 11, day: 6, hour: 8, minute: 49, second: 37)
    let now2025 = Timestamp(year: 2025, month: 11, day: 25, hour: 12)

    @Test func threeFormsOfRFC9110() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: now2025) == expected)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDate.parse("Sun Nov 06 08:49:37 1994") == expected)
        #expect(HTTPDate.parse("Tue, 25 Nov 2025 12:00:00 GMT") == now2025)
        #expect(HTTPDate.parse(now2025.httpDate) == now2025)
    }

    @Test func twoDigitYearsFollowTheFiftyYearRule() {
        // 2030 is within 50 years of 2025; 2076 would be more than 50 ahead → 1976.
        #expect(HTTPDate.parse("Monday, 04-Nov-30 00:00:00 GMT", now: now2025)?.components.year == 2030)
        #expect(HTTPDate.parse("Thursday, 04-Nov-76 00:00:00 GMT", now: now2025)?.components.year == 1976)
        #expect(HTTPDate.parse("Wednesday, 04-Nov-75 00:00:00 GMT", now: now2025)?.components.year == 2075)
    }

    @Test func leapDaysAndSeconds() {
        #expect(HTTPDate.parse("Thu, 29 Feb 2024 00:00:00 GMT") != nil)
        #expect(HTTPDate.parse("Sat, 29 Feb 2025 00:00:00 GMT") == nil)
        #expect(HTTPDate.parse("Tue, 29 Feb 2000 00:00:00 GMT") != nil)
        #expect(HTTPDate.parse("Thu, 29 Feb 1900 00:00:00 GMT") == nil)
        #expect(HTTPDate.parse("Sat, 31 Dec 2016 23:59:60 GMT") != nil)
    }

    @Test(arguments: [
        "", "0", "120", "sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 gmt",
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 +0000", "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
        " Sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun,06 Nov 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun, 06-Nov-94 08:49:37 GMT", "Sunday, 06 Nov 94 08:49:37 GMT",
        "Funday, 06-Nov-94 08:49:37 GMT", "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94", "Sun Nov  6 08:49:37 1994 ",
        "2025-11-25T12:00:00Z", "Sun, 06 Nov 1994 08:49:37 GMT\r\n",
    ])
    func rejects(_ text: String) {
        #expect(HTTPDate.parse(text, now: now2025) == nil, "\(text)")
    }
}

@Suite struct RetryAfterTests {
    let now = Timestamp(year: 2025, month: 11, day: 25, hour: 12)

    @Test(arguments: [
        ("120", 120), ("1", 1), ("0", 1), ("86400", 86_400), ("86401", 86_400), ("100000", 86_400),
        (" 30 ", 30), ("99999999999999999999999", 86_400), ("007", 7),
    ])
    func delaySeconds(_ value: String, _ seconds: Int) {
        #expect(RetryAfter.seconds(value, now: now) == seconds)
    }

    @Test(arguments: ["", "abc", "-5", "1.5", "+3", "12 s", "0x10", "Tue, 25 Nov 2025 12:02:00 UTC", "tomorrow"])
    func garbage(_ value: String) {
        #expect(RetryAfter.seconds(value, now: now) == nil)
    }

    @Test func httpDateForms() {
        #expect(RetryAfter.seconds("Tue, 25 Nov 2025 12:02:00 GMT", now: now) == 120)
        #expect(RetryAfter.seconds("Tuesday, 25-Nov-25 12:02:00 GMT", now: now) == 120)
        #expect(RetryAfter.seconds("Tue Nov 25 12:02:00 2025", now: now) == 120)
        #expect(RetryAfter.seconds("Tue, 25 Nov 2025 11:00:00 GMT", now: now) == 1, "past dates clamp to 1 s")
        #expect(RetryAfter.seconds("Fri, 25 Nov 2033 12:00:00 GMT", now: now) == 86_400, "far future clamps to 24 h")
    }

    @Test func measuredFromTheResponseDate() {
        // The server's clock is 10 minutes behind ours: its HTTP-date means "in 2 minutes".
        let serverDate = now - 600
        #expect(RetryAfter.seconds("Tue, 25 Nov 2025 11:52:00 GMT", now: now, responseDate: serverDate) == 120)
    }

    @Test func webhookBounds() {
        #expect(RetryAfter.seconds("7200", now: now, bounds: RetryAfter.webhookBounds) == 3_600)
    }
}

@Suite struct CacheHintsTests {
    let now = Timestamp(year: 2025, month: 11, day: 25, hour: 12)

    @Test func maxAgeWins() {
        let h = CacheHints(headers: HTTPHeaders([("Cache-Control", "public, Max-Age=300"), ("Expires", "Tue, 25 Nov 2025 13:00:00 GMT"),
                                                 ("Date", "Tue, 25 Nov 2025 12:00:00 GMT")]), now: now)
        #expect(h.maxAge == 300)
        #expect(h.date == now)
        #expect(h.expires == now + 3600)
        #expect(h.freshnessLifetime == 300)
    }

    @Test func expiresMinusDate() {
        let h = CacheHints(headers: HTTPHeaders([("Expires", "Tue, 25 Nov 2025 12:30:00 GMT"), ("Date", "Tue, 25 Nov 2025 12:00:00 GMT")]),
                           now: now)
        #expect(h.maxAge == nil)
        #expect(h.freshnessLifetime == 1800)
    }

    @Test func dateIsParsedOnlyWhenSomethingNeedsIt() {
        let fields = HTTPHeaders([("Date", "Tue, 25 Nov 2025 12:00:00 GMT"), ("ETag", "\"x\"")])
        #expect(CacheHints(headers: fields, now: now).date == nil, "no Expires, no Retry-After: Date is not needed")
        #expect(CacheHints(headers: fields, now: now, needsDate: true).date == now)
    }

    @Test func invalidExpiresIsAlreadyExpired() {
        let h = CacheHints(headers: HTTPHeaders([("Expires", "0"), ("Date", "Tue, 25 Nov 2025 12:00:00 GMT")]), now: now)
        #expect(h.freshnessLifetime == 0)
    }

    @Test func quotedAndRepeated() {
        let h = CacheHints(headers: HTTPHeaders([("Cache-Control", "max-age=\"600\""), ("cache-control", "no-cache, max-age=60")]),
                           now: now)
        #expect(h.maxAge == 60, "the most restrictive max-age")
        #expect(h.noCache)
        #expect(h.freshnessLifetime == 60)
        #expect(CacheHints(headers: HTTPHeaders([("Cache-Control", "max-age=abc")]), now: now).maxAge == nil)
        #expect(CacheHints(headers: HTTPHeaders(), now: now).freshnessLifetime == nil)
    }
}

import FeedwireCore
import Testing

@Suite struct DateParserTests {
    static let noon = "2025-11-25T10:00:00Z"

    /// Every form reads as 2025-11-25T10:00:00Z.
    @Test(arguments: [
        // RFC 822 / 1123 and what publishers send
        "Tue, 25 Nov 2025 10:00:00 +0000",
        "Tue, 25 Nov 2025 10:00:00 GMT",
        "Tue, 25 Nov 2025 10:00:00 UT",
        "Tue, 25 Nov 2025 10:00:00 UTC",
        "Tue, 25 Nov 2025 10:00:00 Z",
        "Tue, 25 Nov 2025 10:00 GMT",
        "25 Nov 2025 10:00:00 GMT",
        "25 Nov 2025 10:00 +0000",
        "Wed, 25 Nov 2025 10:00:00 GMT",                 // wrong weekday
        "Tuesday, 25 Nov 2025 10:00:00 GMT",
        "tue, 25 nov 2025 10:00:00 gmt",                 // lower case
        "TUE, 25 NOV 2025 10:00:00 GMT",
        "Tue, 25 Nov 25 10:00:00 GMT",                   // two-digit year
        "Tue,25 Nov 2025 10:00:00 GMT",
        "Tue, 25 Nov 2025 10:00:00 +00:00",
        "Tue, 25 Nov 2025 12:00:00 +0200",
        "Tue, 25 Nov 2025 12:00:00 +02:00",
        "Tue, 25 Nov 2025 05:00:00 -0500",
        "Tue, 25 Nov 2025 05:00:00 EST", "Tue, 25 Nov 2025 06:00:00 EDT",
        "Tue, 25 Nov 2025 04:00:00 CST", "Tue, 25 Nov 2025 05:00:00 CDT",
        "Tue, 25 Nov 2025 03:00:00 MST", "Tue, 25 Nov 2025 04:00:00 MDT",
        "Tue, 25 Nov 2025 02:00:00 PST", "Tue, 25 Nov 2025 03:00:00 PDT",
        "Tue, 25 Nov 2025 11:00:00 CET", "Tue, 25 Nov 2025 12:00:00 CEST",
        "Tue, 25 Nov 2025 12:00:00 EET", "Tue, 25 Nov 2025 13:00:00 EEST",
        "Tue, 25 Nov 2025 13:00:00 MSK", "Tue, 25 Nov 2025 11:00:00 BST",
        "Tue, 25 Nov 2025 10:00:00 A", "Tue, 25 Nov 2025 10:00:00 M",   // military letters: UTC
        "Tue, 25 Nov 2025 10:00:00 N", "Tue, 25 Nov 2025 10:00:00 Y",
        "Tue, 25 Nov 2025 12:00:00 GMT+2", "Tue, 25 Nov 2025 12:00:00 GMT+0200",
        "Tue, 25 Nov 2025 10:00:00 +0000 (UTC)",
        "Tuesday, 25-Nov-25 10:00:00 GMT",               // RFC 850
        "Tue, 25-Nov-2025 10:00:00 GMT",
        "Tue Nov 25 10:00:00 2025",                      // asctime
        "Tue Nov 25 10:00:00 UTC 2025",                  // date(1)
        "Nov 25, 2025 10:00 AM", "November 25, 2025 10:00:00 am",
        "  Tue, 25 Nov 2025 10:00:00 GMT \n",
        // other languages, as newsroom.py's "odd" feed and European publishers write them
        "mar., 25 nov. 2025 11:00:00 +0100",
        "mardi 25 novembre 2025 11:00:00 +0100",
        "Di, 25 Nov 2025 11:00:00 MEZ",
        "Dienstag, 25. November 2025 11:00:00 +0100",
        "mar, 25 nov 2025 11:00:00 +0100",
        "25 листопада 2025 12:00 +0200",
        "25 ноября 2025 13:00 MSK",
        // RFC 3339 / ISO 8601 / W3C-DTF
        "2025-11-25T10:00:00Z", "2025-11-25T10:00:00z", "2025-11-25t10:00:00Z",
        "2025-11-25T10:00:00.999Z", "2025-11-25T10:00:00,5Z",
        "2025-11-25T12:00:00+02:00", "2025-11-25T12:00:00+0200", "2025-11-25T12:00+02:00",
        "2025-11-25T05:00:00-05:00", "2025-11-25T10:00Z", "2025-11-25T10:00:00",
        "2025-11-25 10:00:00", "2025-11-25 10:00:00 +0000", "2025-11-25T10:00:00 UTC",
        "20251125T100000Z", "2025/11/25 10:00:00",
    ])
    func readsAsNoon(_ text: String) throws {
        let t = try #require(DateParser.parse(text), "\(text)")
        #expect(t.rfc3339 == DateParserTests.noon, "\(text)")
    }

    @Test(arguments: [
        ("2025", "2025-01-01T00:00:00Z"),
        ("2025-11", "2025-11-01T00:00:00Z"),
        ("2025-11-25", "2025-11-25T00:00:00Z"),
        ("20251125", "2025-11-25T00:00:00Z"),
        ("Tue, 25 Nov 2025", "2025-11-25T00:00:00Z"),
        ("Thu, 25 Nov 99 10:00:00 GMT", "1999-11-25T10:00:00Z"),
        ("Mon, 25 Nov 49 10:00:00 GMT", "2049-11-25T10:00:00Z"),
        ("Thu, 25 Nov 50 10:00:00 GMT", "1950-11-25T10:00:00Z"),
        ("Tue, 25 Nov 00 10:00:00 GMT", "2000-11-25T10:00:00Z"),
        ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z"),
        ("2025-11-25T24:00:00Z", "2025-11-26T00:00:00Z"),
        ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z"),
        ("Sat, 01 Jan 2000 00:30:00 +0100", "1999-12-31T23:30:00Z"),
        ("Nov 25, 2025 12:30 PM", "2025-11-25T12:30:00Z"),
        ("Nov 25, 2025 12:30 AM", "2025-11-25T00:30:00Z"),
        ("févr. 3 2025 10:00 +0000", "2025-02-03T10:00:00Z"),
        ("lun., 01 déc. 2025 08:00:00 +0100", "2025-12-01T07:00:00Z"),
        ("1 août 2025 10:00 GMT", "2025-08-01T10:00:00Z"),
    ])
    func reads(_ text: String, _ expected: String) throws {
        let t = try #require(DateParser.parse(text), "\(text)")
        #expect(t.rfc3339 == expected, "\(text)")
    }

    /// Unparseable dates are nil, never "now".
    @Test(arguments: [
        "", "   ", "not a date", "yesterday", "now", "1732528800", "Tue, 31 Nov 2025 10:00:00 GMT",
        "2025-02-29T10:00:00Z", "2025-13-01", "2025-11-25T25:00:00Z", "2025-11-25T10:61:00Z",
        "Tue, 25 Foo 2025 10:00:00 GMT", "Tue, 25 Nov 2025 10:00:00 +2500", "2025-11-25T10:00:00+05:00 junk",
        "25/11/2025", "Nov 2025", "12:00:00",
    ])
    func rejects(_ text: String) {
        #expect(DateParser.parse(text) == nil, "\(text)")
    }
}

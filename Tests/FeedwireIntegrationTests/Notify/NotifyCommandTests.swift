import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// `feedwire notify test NAME` through the binary.
@Suite(.serialized) struct NotifyCommandTests {
    func config(_ sink: ChatSinkHarness, _ dir: TemporaryDirectory, notify: String) throws -> String {
        try dir.write("feeds.conf", """
            [daemon]
            state = "\(dir.file("state.db"))"
            allow_networks = ["127.0.0.0/8"]

            [[feed]]
            name = "wire"
            url = "http://127.0.0.1:1/feed.rss"

            \(notify)
            """)
    }

    @Test
    func sendsATestMessageAndPrintsTheAnswer() throws {
        let sink = try ChatSinkHarness()
        let dir = TemporaryDirectory()
        let path = try config(sink, dir, notify: """
            [[notify]]
            name = "newsroom"
            type = "discord"
            url = "\(sink.base)/discord/123456/tok"
            """)
        let (code, output) = try runFeedwireCombined(["notify", "test", "newsroom", "--config", path])
        #expect(code == 0, "\(output)")
        #expect(output.contains("notifier newsroom (discord") && output.contains("delivered") && output.contains("HTTP 200"))
        #expect(!output.contains("/123456/tok"))  // the webhook URL's secret part is not printed
        let records = try sink.records()
        #expect(records.count == 1 && records[0]["verdict"]?.stringValue == "ok", "\(sink.problems(records))")
    }

    @Test
    func reportsAGoneEndpointAndUnknownNames() throws {
        let sink = try ChatSinkHarness()
        let dir = TemporaryDirectory()
        let path = try config(sink, dir, notify: """
            [[notify]]
            name = "old-hook"
            type = "webhook"
            url = "\(sink.base)/generic/gone"
            """)
        let (code, output) = try runFeedwireCombined(["notify", "test", "old-hook", "--config", path])
        #expect(code == 1, "\(output)")
        #expect(output.contains("endpoint is gone") && output.contains("HTTP 410"))
        let (unknown, message) = try runFeedwireCombined(["notify", "test", "nope", "--config", path])
        #expect(unknown == 2 && message.contains("no [[notify]] named nope") && message.contains("old-hook"))
    }
}

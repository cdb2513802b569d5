import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

/// The shared tools start, answer on loopback and stop: every integration
/// test builds on this.
@Suite struct ToolSmokeTests {
    @Test func newsroomServesFeedsAndGroundTruth() throws {
        let news = try ToolServer(tool: "newsroom.py", arguments: ["--epoch", "2025-11-25T12:00:00Z"])
        defer { news.stop() }
        let feed = try news.get("/feeds/wire.rss?peek=1")
        #expect(feed.status == 200)
        #expect(feed.text.contains("<rss"))
        let state = try news.get("/_control/state?events=0").json()
        #expect(state["step"]?.intValue == 0)
    }

    @Test func chatSinkRecordsRequests() throws {
        let sink = try ToolServer(tool: "chat_sink.py")
        defer { sink.stop() }
        let answer = try sink.post("/discord/1/tok", json: #"{"content":"hello","allowed_mentions":{"parse":[]}}"#)
        #expect(answer.status == 204)
        let records = try sink.get("/_sink/requests").json()
        #expect(records["count"]?.intValue == 1)
        #expect(records["requests"]?[0]?["verdict"]?.stringValue == "ok")
    }

    @Test func feedwireBinaryIsBuilt() throws {
        #expect(FileManager.default.isExecutableFile(atPath: PackagePaths.feedwireBinary.path))
    }
}

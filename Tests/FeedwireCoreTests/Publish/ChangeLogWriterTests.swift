import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

@Suite struct ChangeLogWriterTests {
    func event(_ id: Int64, kind: EventKind = .new) -> EventWithItem {
        let story = SampleStories.stories[Int(id) % SampleStories.stories.count]
        return EventWithItem(event: ChangeEvent(id: id, kind: kind, at: Timestamp(seconds: 1_700_000_000 + id), feed: story.item.feed,
                                                itemID: story.item.id, storyID: story.item.storyID, revision: 1),
                             entry: story)
    }

    func lines(_ path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func ids(_ path: String) -> [Int64] {
        lines(path).compactMap { ChangeLogRecord.eventID(line: Array($0.utf8)) }
    }

    /// Every id across the current file and its rotations, oldest first.
    func allIDs(_ path: String, keep: Int) -> [Int64] {
        var all: [Int64] = []
        for n in stride(from: keep, through: 1, by: -1) { all += ids("\(path).\(n)") }
        return all + ids(path)
    }

    @Test func recordsCarryTheEventAndItsDiffs() throws {
        let e = SampleStories.events.first { $0.event.id == 9 }!
        let json = try JSONValue.parse(ChangeLogRecord.line(e))
        #expect(json["id"]?.intValue == 9)
        #expect(json["kind"]?.stringValue == "updated")
        #expect(json["at"]?.stringValue == "2025-11-25T14:04:00Z")
        #expect(json["changed_fields"] == .array([.string("title"), .string("summary")]))
        #expect(json["previous_title"]?.stringValue == "Air defence downs drones over Kyiv region overnight")
        #expect(TextDiff(json: json["text_diff"]!) == e.event.textDiff)
        #expect(json["item"]?["id"]?.stringValue == "urn:feedwire:item:112")
        #expect(json["item"]?["sources"] == .array([.string("kyiv-independent"), .string("wire-europe"), .string("pravda-ua")]))
        let moved = try JSONValue.parse(ChangeLogRecord.line(SampleStories.events.first { $0.event.kind == .feedMoved }!))
        #expect(moved["item"] == nil)
        #expect(moved["message"]?.stringValue?.contains("update feeds.conf") == true)
        // One line, whatever the content.
        var hostile = e
        hostile.event.previousTitle = "line\nbreak\r\u{0}\u{2028}"
        #expect(ChangeLogRecord.line(hostile).filter { $0 == 0x0A }.count == 1)
    }

    @Test func appendsInOrderAndNeverTwiceAcrossRestarts() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("changes.jsonl")
        do {
            let log = try ChangeLogWriter(path: path, maxSize: 0, keep: 3)
            #expect(log.lastWrittenID == 0)
            #expect(try log.append((1...5).map { event($0) }) == 5)
            // The same batch again (a retry after an error): nothing new.
            #expect(try log.append((1...5).map { event($0) }) == 0)
        }
        // "Restart": a new writer finds where the log ends.
        let log = try ChangeLogWriter(path: path, maxSize: 0, keep: 3)
        #expect(log.lastWrittenID == 5)
        #expect(try log.append((3...8).map { event($0) }) == 3)
        #expect(ids(path) == Array(1...8))
    }

    @Test func catchUpReadsFromTheStoreAfterTheLastWrittenEvent() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("changes.jsonl")
        let reader = MemoryStoryReader(events: (1...1_234).map { event($0) })
        let log = try ChangeLogWriter(path: path, maxSize: 0, keep: 1)
        #expect(try log.catchUp(from: reader, batchSize: 100) == 1_234)
        reader.events += (1_235...1_240).map { event($0) }
        let again = try ChangeLogWriter(path: path, maxSize: 0, keep: 1)
        #expect(try again.catchUp(from: reader, batchSize: 100) == 6)
        let written = ids(path)
        #expect(written.count == 1_240 && written.first == 1 && written.last == 1_240 && written == written.sorted())
    }

    @Test func aLineCutShortByACrashIsDroppedAndWrittenAgain() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("changes.jsonl")
        do {
            let log = try ChangeLogWriter(path: path, maxSize: 0, keep: 1)
            try log.append((1...3).map { event($0) })
        }
        // Simulate a crash in the middle of writing event 4's line.
        let partial = ChangeLogRecord.line(event(4)).prefix(37)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data(partial))
        h.closeFile()

        let log = try ChangeLogWriter(path: path, maxSize: 0, keep: 1)
        #expect(log.lastWrittenID == 3)
        try log.append((4...5).map { event($0) })
        #expect(ids(path) == [1, 2, 3, 4, 5])
        #expect(lines(path).count == 5)
    }

    @Test(arguments: [0, 1, 3])
    func rotatesBySizeKeepsNFilesAndResumesAfterRotation(keep: Int) throws {
        let dir = TemporaryDirectory()
        let path = dir.file("changes.jsonl")
        let lineSize = ChangeLogRecord.line(event(10)).count
        let maxSize = lineSize * 4 + lineSize / 2  // about four lines per file
        do {
            let log = try ChangeLogWriter(path: path, maxSize: maxSize, keep: keep)
            for batch in stride(from: 1, through: 30, by: 3) {
                try log.append((Int64(batch)...Int64(batch + 2)).map { event($0) })
            }
        }
        // Every file within the size bound (line sizes vary a little with the story).
        for name in [path] + (1...max(1, keep)).map({ "\(path).\($0)" }) {
            if let size = try? FileManager.default.attributesOfItem(atPath: name)[.size] as? Int {
                #expect(size <= maxSize + lineSize, "\(name)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: "\(path).\(keep + 1)"))
        #expect(!FileManager.default.fileExists(atPath: "\(path).tmp"))
        let kept = allIDs(path, keep: keep)
        #expect(kept.last == 30)
        #expect(kept == Array((31 - Int64(kept.count))...30), "contiguous, newest kept")
        if keep == 3 { #expect(kept.count >= 12) }

        // Restart right after a rotation: the current file holds only the newest line(s).
        let log = try ChangeLogWriter(path: path, maxSize: maxSize, keep: keep)
        #expect(log.lastWrittenID == 30)
        #expect(try log.append((25...32).map { event($0) }) == 2)
        let after = allIDs(path, keep: keep)
        #expect(after.last == 32 && Set(after).count == after.count)
    }

    @Test func resumesFromTheRotatedFileWhenTheCurrentOneIsMissing() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("changes.jsonl")
        do {
            let log = try ChangeLogWriter(path: path, maxSize: 0, keep: 2)
            try log.append((1...4).map { event($0) })
        }
        // A crash between "rename current → .1" and "rename new → current".
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try Data("{\"id\":5".utf8).write(to: URL(fileURLWithPath: path + ".tmp"))
        let log = try ChangeLogWriter(path: path, maxSize: 0, keep: 2)
        #expect(log.lastWrittenID == 4)
        try log.append((1...6).map { event($0) })
        #expect(allIDs(path, keep: 2) == [1, 2, 3, 4, 5, 6])
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }
}

import Dispatch
import FeedwireCore
import FeedwireTestSupport
import Foundation
import Logging
import Testing

@Suite struct LogFormatTests {
    private let noon = Double(Timestamp(year: 2025, month: 11, day: 25, hour: 12).seconds)

    @Test(arguments: [
        (Logger.Level.error, "<3>"), (.warning, "<4>"), (.notice, "<5>"), (.info, "<6>"), (.debug, "<7>"),
        (.trace, "<7>"), (.critical, "<2>"),
    ])
    func journaldLinesCarryThePriorityAndNoTimestamp(level: Logger.Level, prefix: String) {
        let line = FeedwireLogHandler.render(level: level, message: "3 new, 1 updated", metadata: ["feed": "kyiv-independent"],
                                             format: .journald, time: noon)
        #expect(line == prefix + "kyiv-independent: 3 new, 1 updated")
    }

    @Test func plainLinesStartWithAnISOTimestamp() {
        let line = FeedwireLogHandler.render(level: .warning, message: "fetch failed", metadata: ["feed": "bbc-world"],
                                             format: .plain, time: noon + 0.042)
        #expect(line == "2025-11-25T12:00:00.042Z warning bbc-world: fetch failed")
    }

    @Test func otherMetadataFollowsCompactlyAndSorted() {
        let line = FeedwireLogHandler.render(level: .info, message: "delivered",
                                             metadata: ["target": "newsroom", "status": "200", "note": "two words", "empty": ""],
                                             format: .journald, time: noon)
        #expect(line == #"<6>newsroom: delivered empty="" note="two words" status=200"#)
        let both = FeedwireLogHandler.render(level: .info, message: "queued", metadata: ["feed": "dw", "target": "chat"],
                                             format: .journald, time: noon)
        #expect(both == "<6>dw → chat: queued")
    }

    @Test func oneEventIsOneLine() {
        let line = FeedwireLogHandler.render(level: .error, message: "first\nsecond\r\u{7}", metadata: ["k": "a\nb"],
                                             format: .journald, time: noon)
        #expect(line == #"<3>first\nsecond\r? k=a\nb"#)
        #expect(!line.contains("\n"))
    }

    @Test(arguments: ["debug", "INFO", "warn", "warning", "err", "error", "trace", "notice", "critical"])
    func levelNames(name: String) {
        #expect(FeedwireLogging.parseLevel(name) != nil)
    }

    @Test func unknownLevelName() {
        #expect(FeedwireLogging.parseLevel("loud") == nil)
    }

    @Test func journaldIsDetectedOnlyWhenStderrIsThatStream() throws {
        let dir = TemporaryDirectory()
        let path = try dir.write("stream", "")
        let fd = open(path, O_WRONLY)
        defer { close(fd) }
        var st = stat()
        #expect(fstat(fd, &st) == 0)
        let match = "\(st.st_dev):\(st.st_ino)"
        #expect(FeedwireLogging.stderrIsJournal(journalStream: match, fd: fd))
        #expect(!FeedwireLogging.stderrIsJournal(journalStream: "\(st.st_dev):\(st.st_ino + 1)", fd: fd))
        #expect(!FeedwireLogging.stderrIsJournal(journalStream: nil, fd: fd))
        #expect(!FeedwireLogging.stderrIsJournal(journalStream: "garbage", fd: fd))
    }

    @Test func handlerFollowsTheSharedLevelUnlessOverridden() {
        let sink = LogSink.memory()
        let level = LogLevelSetting(.info)
        var logger = Logger(label: "t") { FeedwireLogHandler(label: $0, format: .journald, sink: sink, level: level) }
        logger.debug("hidden")
        logger.info("shown", metadata: ["feed": "a"])
        level.set(.debug)
        logger.debug("now shown")
        logger.logLevel = .error
        level.set(.trace)
        logger.warning("hidden again")
        #expect(sink.lines == ["<6>a: shown", "<7>now shown"])
    }
}

@Suite struct LogSinkTests {
    /// Many threads logging long lines at once: every line arrives whole.
    @Test func linesFromManyThreadsNeverInterleave() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("log")
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        #expect(fd >= 0)
        let sink = LogSink(fd: fd)
        let threads = 8, perThread = 50
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let payload = String(repeating: Character(UnicodeScalar(UInt8(65 + t))), count: 5_000)  // > PIPE_BUF
            for i in 0..<perThread { sink.writeLine("t\(t) i\(i) \(payload)") }
        }
        close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == threads * perThread)
        for line in lines {
            let parts = line.split(separator: " ")
            #expect(parts.count == 3)
            let letter = parts[2].first!
            #expect(parts[2].count == 5_000 && parts[2].allSatisfy { $0 == letter })
            #expect(parts[0] == "t\(Int(letter.asciiValue! - 65))")
        }
    }

    @Test func theProgressLineIsClearedAndRedrawnAroundLogLines() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("tty")
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let sink = LogSink(fd: fd)
        sink.setProgress("first sync: 1/3 feeds")
        sink.writeLine("a log line")
        sink.setProgress(nil)
        close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "\r\u{1B}[Kfirst sync: 1/3 feeds" + "\r\u{1B}[Ka log line\nfirst sync: 1/3 feeds" + "\r\u{1B}[K")
    }
}

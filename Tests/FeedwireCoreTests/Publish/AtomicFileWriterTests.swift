import FeedwireCore
import FeedwireTestSupport
import Foundation
import Testing

@Suite struct AtomicFileWriterTests {
    func contents(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }

    func files(_ dir: TemporaryDirectory) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    func fileStat(_ path: String) -> stat {
        var st = stat()
        _ = stat(path, &st)
        return st
    }

    func setOldMtime(_ path: String) {
        // Move the mtime back a day so an unwanted rewrite would be visible without sleeping.
        var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    @Test func writesReplacesAndSetsTheModeRegardlessOfUmask() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("merged.xml")
        #expect(try AtomicFileWriter(mode: 0o666).write(Array("one".utf8), to: path))
        #expect(contents(path) == "one")
        // 0666 survives the process umask (022 or stricter) because the writer fchmods.
        #expect(fileStat(path).st_mode & 0o777 == 0o666)
        #expect(try AtomicFileWriter().write(Array("two".utf8), to: path))
        #expect(contents(path) == "two")
        #expect(fileStat(path).st_mode & 0o777 == 0o644)
        #expect(files(dir) == ["merged.xml"])
    }

    @Test func identicalBytesAreNotRewritten() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("merged.xml")
        let w = AtomicFileWriter()
        #expect(try w.write(Array("same".utf8), to: path))
        setOldMtime(path)
        let inode = fileStat(path).st_ino
        #expect(try w.write(Array("same".utf8), to: path) == false)
        #expect(fileStat(path).st_mtim.tv_sec == 1_000_000_000)
        #expect(fileStat(path).st_ino == inode)
        // Same length, different bytes: rewritten.
        #expect(try w.write(Array("sane".utf8), to: path))
        #expect(fileStat(path).st_mtim.tv_sec != 1_000_000_000)
    }

    @Test func unchangedFileWithWrongModeIsFixedInPlace() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("page.html")
        try AtomicFileWriter(mode: 0o600).write(Array("x".utf8), to: path)
        setOldMtime(path)
        #expect(try AtomicFileWriter(mode: 0o644).write(Array("x".utf8), to: path) == false)
        #expect(fileStat(path).st_mode & 0o777 == 0o644)
        #expect(fileStat(path).st_mtim.tv_sec == 1_000_000_000)
    }

    @Test(arguments: [AtomicFileWriter.SimulatedCrash.afterTemporaryWrite, .beforeRename])
    func crashBeforeRenameLeavesTheOldFileAndTheNextWriteCleansUp(point: AtomicFileWriter.SimulatedCrash) throws {
        let dir = TemporaryDirectory()
        let path = dir.file("merged.xml")
        try AtomicFileWriter().write(Array("old complete document".utf8), to: path)

        #expect(throws: AtomicWriteError.self) {
            try AtomicFileWriter(simulatedCrash: point).write(Array("new document".utf8), to: path)
        }
        // What a reader (the web server) sees after the crash: the old file, whole.
        #expect(contents(path) == "old complete document")
        let leftovers = files(dir).filter { $0 != "merged.xml" }
        #expect(leftovers.count == 1 && leftovers[0].hasPrefix(".merged.xml.tmp-\(getpid())-"))

        // The next write (the restarted daemon) removes the stale temporary file.
        #expect(try AtomicFileWriter().write(Array("new document".utf8), to: path))
        #expect(contents(path) == "new document")
        #expect(files(dir) == ["merged.xml"])
    }

    @Test func staleTemporaryFilesOfDeadProcessesAreRemovedOthersKept() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("merged.xml")
        // pid 2^22+1 is above Linux's pid_max limit, so no such process exists.
        try dir.write(".merged.xml.tmp-4194305-abc", "partial")
        // A live process (pid 1) may be writing right now: leave its file alone.
        try dir.write(".merged.xml.tmp-1-def", "in flight")
        try dir.write(".other.xml.tmp-4194305-x", "not ours")
        try AtomicFileWriter().write(Array("doc".utf8), to: path)
        #expect(files(dir) == [".merged.xml.tmp-1-def", ".other.xml.tmp-4194305-x", "merged.xml"])
    }

    @Test func errorsNameTheFileAndSayWhatToDo() {
        do {
            try AtomicFileWriter().write(Array("x".utf8), to: "/nonexistent-feedwire-dir/merged.xml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("/nonexistent-feedwire-dir/merged.xml"))
            #expect(error.description.contains("No such file or directory"))
            #expect(error.description.contains("create the directory"))
        }
    }
}

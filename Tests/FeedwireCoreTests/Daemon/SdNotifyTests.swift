import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct SdNotifyTests {
    @Test(arguments: [false, true])
    func sendsDatagramsToPathAndAbstractSockets(abstract: Bool) throws {
        let dir = TemporaryDirectory()
        let manager = try FakeNotifySocket(directory: dir.path, abstract: abstract)
        let notify = try #require(SdNotify(address: manager.address))
        #expect(notify.send("READY=1\nSTATUS=ok"))
        #expect(manager.receive() == "READY=1\nSTATUS=ok")
        #expect(notify.send("WATCHDOG=1"))
        #expect(manager.receive() == "WATCHDOG=1")
    }

    @Test func aVanishedManagerIsNotAnError() throws {
        let dir = TemporaryDirectory()
        let notify = try #require(SdNotify(address: dir.file("gone.sock")))
        #expect(!notify.send("READY=1"))
    }

    @Test func aManagerThatStopsReadingNeverBlocksUs() throws {
        let dir = TemporaryDirectory()
        let manager = try FakeNotifySocket(directory: dir.path)
        let notify = try #require(SdNotify(address: manager.address))
        // The datagram queue is short (net.unix.max_dgram_qlen); past it, sends fail instead of blocking.
        var failed = false
        for _ in 0..<10_000 where !notify.send("STATUS=x") { failed = true }
        #expect(failed)
        _ = manager
    }

    @Test(arguments: ["", "relative/path", "@", String(repeating: "/x", count: 60)])
    func unusableAddressesGiveNoNotifier(address: String) {
        #expect(SdNotify(address: address) == nil)
    }

    @Test func statusStaysOnOneLine() {
        #expect(SdNotify.statusLine("a\r\nb\nc") == "STATUS=a  b c")
    }
}

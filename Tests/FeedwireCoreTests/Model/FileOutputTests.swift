import FeedwireCore
import Glibc
import Testing

@Suite struct FileOutputTests {
    @Test func buffersAndWritesEverythingInOrder() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let out = FileOutput(fd: fds[1], capacity: 64)
        out.write("é=" as String)
        out.write(decimal: 0)
        out.write(byte: 0x20)
        out.write(decimal: 1_234_567_890)
        out.write(" " as StaticString)
        out.write(decimal: -5)
        out.write(bytes: Array(repeating: 0x78, count: 100))  // larger than the buffer
        out.write(byte: 0x0A)
        out.flush()
        close(fds[1])
        var got: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, 512) }
            if n <= 0 { break }
            got += chunk[0..<n]
        }
        close(fds[0])
        #expect(String(decoding: got, as: UTF8.self) == "é=0 1234567890 0" + String(repeating: "x", count: 100) + "\n")
    }
}

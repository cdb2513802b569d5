import FeedwireTestSupport
import Foundation

/// Runs the external checkers the publishing tests rely on: xmllint
/// (libxml2-utils), Python feedparser (in the test venv), trang and jing
/// (RELAX NG). All are installed by scripts/setup.sh.
enum FeedCheckTools {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion (a generous bound only catches hangs).
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 120) throws -> Run {
        let dir = TemporaryDirectory(prefix: "feedwire-tool")
        let errPath = dir.file("stderr")
        let child = try ChildProcess(executable: executable, arguments: arguments, captureStdout: true, stderrPath: errPath)
        var out = Data()
        if let fd = child.stdoutFD {
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buf, buf.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                out.append(contentsOf: buf[0..<n])
            }
        }
        let status = child.waitForExit(timeout: timeout) ?? {
            child.stop(grace: 1)
            return -1
        }()
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Run(status: status, stdout: String(decoding: out, as: UTF8.self), stderr: err)
    }

    static func which(_ name: String) -> String? {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] {
            let p = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// `xmllint --noout FILE`: well-formedness by libxml2.
    static func xmllint(_ path: String) throws -> Run {
        try run(which("xmllint") ?? "/usr/bin/xmllint", ["--noout", "--nonet", path])
    }

    /// Parses with feedparser and prints a JSON summary: bozo, the
    /// exception, the feed title and each entry's id, title, link, updated,
    /// source and via links.
    static func feedparser(_ path: String) throws -> [String: Any] {
        let script = """
        import json, sys, feedparser
        d = feedparser.parse(sys.argv[1])
        out = {"bozo": d.bozo, "exception": str(d.get("bozo_exception", "")), "version": d.version,
               "title": d.feed.get("title"), "entries": []}
        for e in d.entries:
            out["entries"].append({
                "id": e.get("id"), "title": e.get("title"), "link": e.get("link"),
                "updated": e.get("updated"), "published": e.get("published"),
                "source": (e.get("source") or {}).get("href") or (e.get("source") or {}).get("url"),
                "links": [[l.get("rel"), l.get("href")] for l in e.get("links", [])],
                "summary": e.get("summary"),
            })
        print(json.dumps(out))
        """
        let r = try run(PackagePaths.python, ["-c", script, path])
        guard r.status == 0, let data = r.stdout.data(using: .utf8),
              let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ToolError(message: "feedparser failed (\(r.status)): \(r.stderr)")
        }
        return obj
    }

    /// The RFC 4287 schema converted to RELAX NG XML once per process.
    static let atomSchema: Result<String, ToolError> = {
        let rnc = PackagePaths.shared.appendingPathComponent("contracts/atom-rfc4287.rnc").path
        let dir = NSTemporaryDirectory() + "feedwire-atom-rng-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let rng = dir + "/atom.rng"
        do {
            let r = try run(which("trang") ?? "/usr/bin/trang", [rnc, rng])
            guard r.status == 0 else { return .failure(ToolError(message: "trang failed: \(r.stderr)\(r.stdout)")) }
            return .success(rng)
        } catch {
            return .failure(ToolError(message: "trang: \(error)"))
        }
    }()

    /// `jing atom.rng FILE`: validity against RFC 4287's RELAX NG schema.
    static func jing(_ path: String) throws -> Run {
        let rng = try atomSchema.get()
        return try run(which("jing") ?? "/usr/bin/jing", [rng, path])
    }

    struct ToolError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

import FeedwireTestSupport
import Foundation

/// Runs the external checkers the publishing tests rely on: xmllint
/// (libxml2-utils) and Python feedparser (in the test venv); trang and jing
/// (RELAX NG) are run directly. All are installed by scripts/setup.sh.
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
    /// `contentType` is passed as the response header: feedparser only
    /// recognises JSON Feed by it (`application/feed+json`).
    static func feedparser(_ path: String, contentType: String? = nil) throws -> [String: Any] {
        let script = """
        import json, sys, feedparser
        headers = {"content-type": sys.argv[2]} if len(sys.argv) > 2 else None
        d = feedparser.parse(sys.argv[1], response_headers=headers)
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
        let r = try run(PackagePaths.python, ["-c", script, path] + (contentType.map { [$0] } ?? []))
        guard r.status == 0, let data = r.stdout.data(using: .utf8),
              let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ToolError(message: "feedparser failed (\(r.status)): \(r.stderr)")
        }
        return obj
    }

    /// Loads a JSON Feed with Python's json module, asserts the JSON Feed 1.1
    /// required fields (version, title, items; per item an id string and
    /// content_html or content_text) and prints the items' ids and titles.
    static func jsonFeedCheck(_ path: String) throws -> Run {
        let script = """
        import json, sys
        with open(sys.argv[1], encoding="utf-8") as f:
            d = json.load(f)
        assert d["version"] == "https://jsonfeed.org/version/1.1", d.get("version")
        assert isinstance(d["title"], str)
        assert isinstance(d["items"], list)
        for i in d["items"]:
            assert isinstance(i["id"], str) and i["id"], i
            assert isinstance(i.get("content_html"), str) or isinstance(i.get("content_text"), str), i["id"]
            for a in i.get("attachments", []):
                assert isinstance(a["url"], str) and isinstance(a["mime_type"], str), a
            for k in i:
                assert k in ("id", "url", "external_url", "title", "content_html", "content_text", "summary",
                             "image", "banner_image", "date_published", "date_modified", "authors", "tags",
                             "language", "attachments") or k.startswith("_"), k
        print(json.dumps([{"id": i["id"], "title": i.get("title")} for i in d["items"]]))
        """
        return try run(PackagePaths.python, ["-c", script, path])
    }

    struct ToolError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

import Foundation

/// Where things are, relative to this package's checkout.
public enum PackagePaths {
    /// The package root (the directory holding Package.swift).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared`, beside the checkout (read-only in CI: never write there).
    public static let shared: URL = root.appendingPathComponent("../shared").standardizedFileURL

    /// `../shared/tools/<name>`.
    public static func tool(_ name: String) -> URL { shared.appendingPathComponent("tools/\(name)") }

    /// Python for test helpers that need packages (feedparser): `FEEDWIRE_PYTHON`,
    /// else `.build/venv/bin/python3` (created by scripts/setup.sh), else `python3`.
    public static var python: String {
        if let p = ProcessInfo.processInfo.environment["FEEDWIRE_PYTHON"], !p.isEmpty { return p }
        let venv = root.appendingPathComponent(".build/venv/bin/python3").path
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        return "/usr/bin/python3"
    }

    /// The built `feedwire` binary next to the test bundle (same build
    /// configuration as the tests).
    public static var feedwireBinary: URL {
        let env = ProcessInfo.processInfo.environment
        if let p = env["FEEDWIRE_BINARY"], !p.isEmpty { return URL(fileURLWithPath: p) }
        // The test runner is .build/<triple>/debug/FeedwirePackageTests.xctest (or a
        // swift-testing runner) in the same directory as the feedwire executable.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("feedwire")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/feedwire")
    }
}

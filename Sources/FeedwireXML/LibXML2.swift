import CLibXML2

/// Process-wide libxml2 set-up. Call once from `main` before any parsing
/// thread starts (libxml2 documents `xmlInitParser` as not thread-safe).
public enum LibXML2 {
    public static func initialize() { ensureInitialized() }

    /// Runs `xmlInitParser` exactly once per process, also for callers (tests,
    /// the daemon's parse queue) that never went through `main`.
    static func ensureInitialized() { _ = initialized }

    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    /// The libxml2 version this process runs with, e.g. `2.9.14`.
    public static var version: String { String(cString: fw_libxml_version()) }
}

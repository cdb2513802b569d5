import Glibc
import Synchronization

/// Named places where the chaos test (`make chaos`, scripts/chaos.py) can
/// make the process die with SIGKILL, to prove crash safety at exactly the
/// moments that matter: inside the ingest transaction, between writing a
/// merged feed's temp file and renaming it, between a webhook's answer and
/// marking it delivered.
///
/// Armed only by the environment: `FEEDWIRE_CRASH_AT=name:N` kills the
/// process the N-th time `name` is reached (N defaults to 1). Unset, a hit
/// costs one comparison of a constant.
public enum CrashPoint {
    /// Inside the refresh transaction, after rows were written, before commit.
    public static let ingestBeforeCommit = "ingest-before-commit"
    /// A merged feed's temp file is written and synced but not yet renamed.
    public static let publishBeforeRename = "publish-before-rename"
    /// A service accepted a message; it is not yet marked delivered.
    public static let deliveryBeforeMark = "delivery-before-mark"
    /// A fetch answered; nothing is stored yet.
    public static let fetchBeforeStore = "fetch-before-store"

    private static let armed: (name: String, count: Int)? = {
        guard let raw = getenv("FEEDWIRE_CRASH_AT") else { return nil }
        let text = String(cString: raw)
        let parts = text.split(separator: ":", maxSplits: 1)
        guard let name = parts.first, !name.isEmpty else { return nil }
        let count = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
        return (String(name), max(1, count))
    }()

    private static let hits = Atomic<Int>(0)

    /// Dies here if the environment armed this point and its count is reached.
    @inline(__always)
    public static func hit(_ name: String) {
        guard let armed, armed.name == name else { return }
        let count = hits.wrappingAdd(1, ordering: .relaxed).newValue
        if count == armed.count {
            FileOutput.standardError("feedwire: crash point \(name) reached (FEEDWIRE_CRASH_AT); killing self")
            kill(getpid(), SIGKILL)
        }
    }
}

import ArgumentParser
import FeedwireCore
import Glibc

/// `--config PATH` and `--state PATH` for the commands that read or write
/// the state database (`ingest`, `status`, `history`). With `--state` the
/// configuration is optional (read only when `--config` is given); without
/// it the database is `[daemon] state` of the configuration.
struct StateOptions: ParsableArguments {
    @OptionGroup var configOption: ConfigOption

    @Option(name: .long, help: "State database (default: [daemon] state from the configuration).")
    var state: String?

    /// The configuration, when one is given or needed to find the database.
    func loadConfig() throws -> FeedwireConfig? {
        guard state == nil || configOption.config != nil else { return nil }
        return try configOption.load().config
    }

    func statePath(_ config: FeedwireConfig?) -> String {
        state ?? config?.daemon.state ?? DaemonSettings().state
    }

    /// Opens the store, mapping "cannot start" errors to exit code 3.
    func open(_ config: FeedwireConfig?, mode: SQLiteStore.Mode) throws -> SQLiteStore {
        do {
            return try SQLiteStore(path: statePath(config), mode: mode)
        } catch let error as StoreError {
            throw CommandFailure(code: error.isCannotStart ? 3 : 1, message: "feedwire: \(error)")
        }
    }
}

/// Store errors while a command runs: exit code 1 with the store's message
/// (3 for "cannot start" ones).
func storeFailure(_ error: Error) -> CommandFailure {
    if let failure = error as? CommandFailure { return failure }
    if let store = error as? StoreError { return CommandFailure(code: store.isCannotStart ? 3 : 1, message: "feedwire: \(store)") }
    return CommandFailure.failed("feedwire: \(error)")
}

/// A short UTC time for tables: `2025-11-25 12:01Z`.
func shortTime(_ t: Timestamp?) -> String {
    guard let t else { return "-" }
    let c = t.components
    return "\(pad(c.year, 4))-\(pad(c.month))-\(pad(c.day)) \(pad(c.hour)):\(pad(c.minute))Z"
}

private func pad(_ v: Int, _ width: Int = 2) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// Parses an RFC 3339 date-time (`2025-11-25T12:00:00Z`, `…+02:00`,
/// fractional seconds ignored) for `--at`.
func parseRFC3339(_ text: String) -> Timestamp? {
    let b = Array(text.utf8)
    func num(_ at: Int, _ len: Int) -> Int? {
        guard at + len <= b.count else { return nil }
        var v = 0
        for i in at..<(at + len) {
            guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
            v = v * 10 + Int(b[i] - 0x30)
        }
        return v
    }
    guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A,
          let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
          (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s <= 60 else { return nil }
    var i = 19
    if i < b.count, b[i] == 0x2E {
        i += 1
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
    }
    guard i < b.count else { return nil }
    var offset = 0
    if b[i] == 0x5A || b[i] == 0x7A {
        guard i + 1 == b.count else { return nil }
    } else if b[i] == 0x2B || b[i] == 0x2D, i + 6 == b.count, b[i + 3] == 0x3A, let oh = num(i + 1, 2), let om = num(i + 4, 2) {
        offset = (oh * 60 + om) * 60 * (b[i] == 0x2D ? -1 : 1)
    } else {
        return nil
    }
    return Timestamp(year: y, month: mo, day: d, hour: h, minute: mi, second: s) - Int64(offset)
}

/// The clock of a command: `--at` when given, else the system clock.
func commandClock(_ at: String?) throws -> Timestamp {
    guard let at else { return SystemClock().timestamp }
    guard let t = parseRFC3339(at) else {
        throw CommandFailure.usage("feedwire: --at \(at) is not an RFC 3339 date-time such as 2025-11-25T12:00:00Z")
    }
    return t
}

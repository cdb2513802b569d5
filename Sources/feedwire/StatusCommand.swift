import ArgumentParser
import FeedwireCore

/// `feedwire status`: one row per feed — last fetch, outcome, items,
/// consecutive errors, next due — from the state database (read-only; safe
/// while the daemon runs).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "One row per feed: last fetch, outcome, items, errors, next due.")

    @OptionGroup var options: StateOptions

    @Flag(name: .long, help: "One JSON object per feed (JSON Lines).")
    var json = false

    func run() throws {
        let config = try options.loadConfig()
        let store = try options.open(config, mode: .reader)
        let feeds: [FeedState]
        do { feeds = try store.feedStates() } catch { throw storeFailure(error) }
        let out = FileOutput(fd: 1)
        defer { out.flush() }
        if json {
            for feed in feeds { out.write(StatusCommand.json(feed).serialized + "\n") }
            return
        }
        var rows = [["FEED", "LAST FETCH", "OUTCOME", "ITEMS", "ERRORS", "NEXT DUE", "NOTE"]]
        for feed in feeds {
            var note: [String] = []
            if feed.disabled { note.append("disabled: \(feed.disabledReason ?? "by the store")") }
            if let error = feed.lastError, feed.consecutiveErrors > 0 { note.append(error) }
            if feed.url != feed.configuredURL, !feed.url.isEmpty { note.append("moved to \(feed.url)") }
            if feed.guidUnstable { note.append("GUIDs unstable: matched by link") }
            // A feed filled only by `feedwire ingest` has a baseline but no fetch.
            let outcome = feed.lastOutcome?.rawValue ?? (feed.baselineAt != nil ? "ingested" : "never")
            rows.append([feed.name, shortTime(feed.lastFetch), outcome,
                         String(feed.itemCount), String(feed.consecutiveErrors), shortTime(feed.nextDue),
                         note.joined(separator: "; ")])
        }
        out.write(StatusCommand.table(rows))
        if feeds.isEmpty { out.write("(no feeds in \(store.path) yet)\n") }
    }

    static func json(_ feed: FeedState) -> JSONValue {
        .object(omittingNil: [
            ("feed", .string(feed.name)), ("url", .string(feed.url)),
            ("configuredUrl", .string(feed.configuredURL)), ("title", feed.title.map(JSONValue.string)),
            ("lastFetch", feed.lastFetch.map { .string($0.rfc3339) }), ("lastSuccess", feed.lastSuccess.map { .string($0.rfc3339) }),
            ("outcome", feed.lastOutcome.map { .string($0.rawValue) }), ("status", feed.lastStatus.map { .int(Int64($0)) }),
            ("error", feed.lastError.map(JSONValue.string)), ("items", .int(Int64(feed.itemCount))),
            ("consecutiveErrors", .int(Int64(feed.consecutiveErrors))), ("nextDue", feed.nextDue.map { .string($0.rfc3339) }),
            ("disabled", .bool(feed.disabled)), ("disabledReason", feed.disabledReason.map(JSONValue.string)),
            ("baseline", feed.baselineAt.map { .string($0.rfc3339) }), ("newItems", .int(Int64(feed.newItemCount))),
            ("meanNewItemGapSeconds", feed.meanNewItemGap.map { .double($0.rounded()) }),
            ("guidUnstable", .bool(feed.guidUnstable)),
        ])
    }

    /// Left-aligned columns separated by two spaces; the last column is not padded.
    static func table(_ rows: [[String]]) -> String {
        guard let width = rows.first?.count else { return "" }
        var widths = Array(repeating: 0, count: width)
        for row in rows { for (i, cell) in row.enumerated() where i < width - 1 { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i < width - 1 ? cell + String(repeating: " ", count: widths[i] - cell.count + 2) : cell
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}

import ArgumentParser
import FeedwireCore

/// `feedwire history ITEM-ID-OR-URL`: an item's revisions with what changed
/// and the word diffs. A URL is canonicalised first (tracking parameters do
/// not matter); a GUID works too.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Revisions of an item with what changed.")

    @OptionGroup var options: StateOptions

    @Flag(name: .long, help: "One JSON object per item (JSON Lines).")
    var json = false

    @Argument(help: "An item id (as in events and outputs), its link or its GUID.")
    var item: String

    func run() throws {
        let config = try options.loadConfig()
        let store = try options.open(config, mode: .reader)
        let out = FileOutput(fd: 1)
        defer { out.flush() }
        do {
            var records: [ItemRecord] = []
            if let id = Int64(item), let record = try store.item(id: id) { records = [record] }
            if records.isEmpty { records = try store.items(matching: item) }
            guard !records.isEmpty else {
                throw CommandFailure.failed("feedwire: no item with id, link or GUID \(item) in \(store.path)")
            }
            for record in records {
                let revisions = try store.revisions(itemID: record.id)
                if json {
                    out.write(HistoryCommand.json(record, revisions).serialized + "\n")
                } else {
                    out.write(HistoryCommand.text(record, revisions))
                }
            }
        } catch {
            throw storeFailure(error)
        }
    }

    static func text(_ r: ItemRecord, _ revisions: [RevisionRecord]) -> String {
        var s = "item \(r.id)" + (r.storyID != r.id ? " (copy of story \(r.storyID))" : "")
            + " in feed \(r.feed), revision \(r.revision), \(r.present ? "present" : "gone from the feed")\n"
        s += "  title:   \(r.title)\n"
        if let link = r.link { s += "  link:    \(link)\n" }
        if let guid = r.guid { s += "  guid:    \(guid)\n" }
        s += "  first seen \(r.firstSeen.rfc3339), last changed \(r.lastChanged.rfc3339)"
        if let published = r.published { s += ", published \(published.rfc3339)\(r.dateClamped ? " (clamped: the source date was in the future)" : "")" }
        s += "\n"
        if let first = revisions.first, first.revision > 1 {
            s += "  (revisions before \(first.revision) were pruned)\n"
        }
        for rev in revisions {
            let what = rev.revision == 1 ? "first seen" : rev.changedFields.map(\.rawValue).joined(separator: ", ") + " changed"
            s += "  r\(rev.revision)  \(rev.seenAt.rfc3339)  \(what)\(rev.announced ? "" : " (not announced: another source showed this text)")\n"
            if rev.revision == 1 || rev.titleDiff == nil, let title = rev.title { s += "      title: \(title)\n" }
            if let diff = rev.titleDiff { s += "      title: \(diff.plain)\n" }
            if let diff = rev.textDiff { s += "      text:  \(diff.plain)\n" }
            if let link = rev.link { s += "      link now \(link)\n" }
            if let guid = rev.guid, guid != rev.link { s += "      guid now \(guid)\n" }
        }
        return s
    }

    static func json(_ r: ItemRecord, _ revisions: [RevisionRecord]) -> JSONValue {
        .object(omittingNil: [
            ("item", .int(r.id)), ("story", .int(r.storyID)), ("feed", .string(r.feed)), ("title", .string(r.title)),
            ("link", r.link.map(JSONValue.string)), ("guid", r.guid.map(JSONValue.string)), ("present", .bool(r.present)),
            ("revision", .int(Int64(r.revision))), ("firstSeen", .string(r.firstSeen.rfc3339)),
            ("lastChanged", .string(r.lastChanged.rfc3339)), ("published", r.published.map { .string($0.rfc3339) }),
            ("dateClamped", r.dateClamped ? .bool(true) : nil),
            ("revisions", .array(revisions.map { rev in
                .object(omittingNil: [
                    ("revision", .int(Int64(rev.revision))), ("seenAt", .string(rev.seenAt.rfc3339)),
                    ("supersededAt", rev.supersededAt.map { .string($0.rfc3339) }), ("title", rev.title.map(JSONValue.string)),
                    ("fields", .array(rev.changedFields.map { .string($0.rawValue) })),
                    ("titleDiff", rev.titleDiff?.json), ("textDiff", rev.textDiff?.json),
                    ("link", rev.link.map(JSONValue.string)), ("guid", rev.guid.map(JSONValue.string)),
                    ("announced", .bool(rev.announced)),
                ])
            })),
        ])
    }
}

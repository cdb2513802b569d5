/// One line of the JSON Lines change log (`[daemon] changelog`).
///
/// ```json
/// {"id":42,"kind":"updated","at":"2025-11-25T14:05:00Z","feed":"kyiv-independent",
///  "item_id":7,"story_id":7,"revision":2,"changed_fields":["title"],
///  "previous_title":"Old","title_diff":[["-","Old"],["+","New"]],
///  "item":{"id":"urn:feedwire:item:7","title":"New","link":"https://…",
///          "published":"2025-11-25T13:58:00Z","sources":["kyiv-independent"]}}
/// ```
/// Keys with no value are left out. `id` is the store's event id: strictly
/// increasing, which is what makes the log resumable (`ChangeLogWriter`).
/// Diffs use `TextDiff.json` (`[["=", "same"], ["-", "removed"], ["+", "added"]]`).
public enum ChangeLogRecord {
    public static func json(_ e: EventWithItem) -> JSONValue {
        let ev = e.event
        var item: JSONValue?
        if let entry = e.entry {
            let s = StoryView(entry)
            item = .object(omittingNil: [
                ("id", .string(s.guid)),
                ("title", .string(s.title)),
                ("link", s.link.map(JSONValue.string)),
                ("published", .string(s.published.rfc3339)),
                ("revision", .int(Int64(entry.item.revision))),
                ("sources", .array(s.sources.map { .string($0.feed) })),
            ])
        }
        return .object(omittingNil: [
            ("id", .int(ev.id)),
            ("kind", .string(ev.kind.rawValue)),
            ("at", .string(ev.at.rfc3339)),
            ("feed", .string(ev.feed)),
            ("item_id", ev.itemID.map(JSONValue.int)),
            ("story_id", ev.storyID.map(JSONValue.int)),
            ("revision", ev.revision.map { .int(Int64($0)) }),
            ("changed_fields", ev.changedFields.isEmpty ? nil : .array(ev.changedFields.map { .string($0.rawValue) })),
            ("previous_title", ev.previousTitle.map(JSONValue.string)),
            ("title_diff", ev.titleDiff.map(\.json)),
            ("text_diff", ev.textDiff.map(\.json)),
            ("message", ev.message.map(JSONValue.string)),
            ("from_url", ev.fromURL.map(JSONValue.string)),
            ("to_url", ev.toURL.map(JSONValue.string)),
            ("item", item),
        ])
    }

    /// The line for an event, with its terminating line feed. JSON escapes
    /// every control character, so a record is always exactly one line.
    public static func line(_ e: EventWithItem) -> [UInt8] {
        var s = ""
        json(e).write(to: &s)
        s += "\n"
        return Array(s.utf8)
    }

    /// The event id of a log line; nil when the line is not a record.
    public static func eventID(line: some Collection<UInt8>) -> Int64? {
        guard let v = try? JSONValue.parse(Array(line)) else { return nil }
        return v["id"]?.intValue
    }
}

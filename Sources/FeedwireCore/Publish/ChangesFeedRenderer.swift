/// The Atom "changes" feed (`format = "changes"`): one entry per event, for
/// people who want updates only. Entry ids are unique per event
/// (`urn:feedwire:event:<id>`), so a reader shows a story's edit as a new
/// entry instead of silently replacing the "new" one. The content says what
/// changed: the old and new title, and the word diff with `<del>`/`<ins>`.
public enum ChangesFeedRenderer {
    /// Unchanged words kept on each side of a change in a rendered diff.
    public static let diffContextWords = 12

    public static func render(_ events: [EventWithItem], context: RenderContext) -> [UInt8] {
        var w = XMLWriter(capacity: 4096 + events.count * 1024)
        let updated = events.map(\.event.at).max() ?? FeedDates.emptyFeedDate
        AtomRenderer.feedHeader(&w, context: context, updated: updated,
                                id: OutputIdentity.outputID(context.output.name))
        for e in events { entry(e, into: &w) }
        w.end()
        return w.finish()
    }

    static func entry(_ e: EventWithItem, into w: inout XMLWriter) {
        let ev = e.event
        let story = e.entry.map(StoryView.init)
        let source = story?.sources.first
        w.start("entry")
        w.element("id", OutputIdentity.eventID(ev.id))
        w.element("title", title(ev, story: story), [("type", "text")])
        let link = story?.link
        if let link { w.empty("link", [("rel", "alternate"), ("type", "text/html"), ("href", link)]) }
        if let story {
            w.empty("link", [("rel", "related"), ("href", story.guid), ("title", "story")])
        }
        w.element("updated", ev.at.rfc3339)
        w.start("author")
        w.element("name", source?.displayName ?? ev.feed)
        w.end()
        w.empty("category", [("term", ev.kind.rawValue), ("scheme", "urn:feedwire:event-kind")])
        w.element("content", content(ev, story: story), [("type", "html")])
        w.end()
    }

    static func title(_ ev: ChangeEvent, story: StoryView?) -> String {
        let name = story?.title ?? ""
        switch ev.kind {
        case .new: return "New: \(name)"
        case .updated: return "Updated: \(name)"
        case .gone: return "Removed: \(name)"
        case .feedDisabled: return "Feed disabled: \(ev.feed)"
        case .feedMoved: return "Feed moved: \(ev.feed)"
        case .feedFailing: return "Feed failing: \(ev.feed)"
        case .feedRecovered: return "Feed recovered: \(ev.feed)"
        case .feedSilent: return "Feed silent: \(ev.feed)"
        }
    }

    /// HTML describing the event (escaped by the writer as Atom `type="html"` text).
    static func content(_ ev: ChangeEvent, story: StoryView?) -> String {
        var h = ""
        let sources = story?.sources.map { "<b>" + esc($0.displayName) + "</b>" }.joined(separator: ", ") ?? "<b>\(esc(ev.feed))</b>"
        switch ev.kind {
        case .new:
            h += "<p>New story from \(sources).</p>"
        case .updated:
            let fields = ev.changedFields.map(\.rawValue).joined(separator: ", ")
            h += "<p>Edited in \(sources)" + (fields.isEmpty ? "" : " (changed: \(esc(fields)))") + ", revision \(ev.revision ?? story?.item.revision ?? 0).</p>"
            if let old = ev.previousTitle, let new = story?.title {
                h += "<p>Title: <del>\(esc(PlainText.truncated(old, to: PlainText.maxTitleCharacters)))</del> → <ins>\(esc(new))</ins></p>"
            }
            if let d = ev.titleDiff, !d.isEmpty, ev.previousTitle == nil { h += "<p>Title: \(diffHTML(d))</p>" }
            if let d = ev.textDiff, !d.isEmpty { h += "<p>Text: \(diffHTML(d))</p>" }
        case .gone:
            h += "<p>No longer listed by \(sources).</p>"
        case .feedMoved:
            h += "<p>The feed <b>\(esc(ev.feed))</b> moved permanently"
            if let from = ev.fromURL { h += " from <code>\(esc(from))</code>" }
            if let to = ev.toURL { h += " to <code>\(esc(to))</code>" }
            h += ".</p>"
        case .feedDisabled, .feedFailing, .feedRecovered, .feedSilent:
            break
        }
        if let message = ev.message, !message.isEmpty { h += "<p>\(esc(message))</p>" }
        if let story, ev.kind == .new || ev.kind == .updated {
            let summary = story.item.summary.map { PlainText.text($0, type: story.item.summaryType) } ?? ""
            if !summary.isEmpty { h += "<blockquote>\(esc(PlainText.truncated(summary, to: 400)))</blockquote>" }
            if let link = story.link { h += "<p><a href=\"\(esc(link))\">\(esc(story.title))</a></p>" }
        }
        return h
    }

    /// A word diff as HTML: removed words in `<del>`, added in `<ins>`; long
    /// unchanged stretches shortened to `diffContextWords` words around changes.
    public static func diffHTML(_ diff: TextDiff) -> String {
        var parts: [String] = []
        for (i, op) in diff.ops.enumerated() {
            switch op {
            case let .same(s):
                let words = s.split(separator: " ", omittingEmptySubsequences: true)
                let keep = diffContextWords
                if words.count <= keep * 2 {
                    parts.append(esc(s))
                } else if i == 0 {
                    parts.append("… " + esc(words.suffix(keep).joined(separator: " ")))
                } else if i == diff.ops.count - 1 {
                    parts.append(esc(words.prefix(keep).joined(separator: " ")) + " …")
                } else {
                    parts.append(esc(words.prefix(keep).joined(separator: " ")) + " … "
                                 + esc(words.suffix(keep).joined(separator: " ")))
                }
            case let .removed(s): parts.append("<del>\(esc(s))</del>")
            case let .added(s): parts.append("<ins>\(esc(s))</ins>")
            }
        }
        return parts.joined(separator: " ")
    }

    private static func esc(_ s: String) -> String { XMLText.escaped(s, attribute: true) }
}

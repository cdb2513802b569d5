/// Renders stories in an output's format. Pure: the same stories and
/// settings always give the same bytes.
public enum OutputRenderer {
    /// The document for `rss`, `atom`, `json` and `html` outputs. For
    /// `changes` use `renderChanges` (it shows events, not stories).
    public static func render(_ stories: [StoryEntry], context: RenderContext) -> [UInt8] {
        switch context.output.format {
        case .rss: return RSSRenderer.render(stories, context: context)
        case .atom: return AtomRenderer.render(stories, context: context)
        case .json: return JSONFeedRenderer.render(stories, context: context)
        case .html: return HTMLPageRenderer.render(stories, context: context)
        case .changes:
            preconditionFailure("OutputRenderer.render called for the changes output \"\(context.output.name)\"; use renderChanges")
        }
    }

    /// The Atom changes feed, newest event first.
    public static func renderChanges(_ events: [EventWithItem], context: RenderContext) -> [UInt8] {
        ChangesFeedRenderer.render(events, context: context)
    }
}

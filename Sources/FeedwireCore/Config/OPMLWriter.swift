/// Writes the configured feeds as OPML 2.0 (http://opml.org/spec2.opml),
/// the format feed readers import and export subscriptions in.
///
/// Tags become folders: a feed appears in the folder of each of its tags
/// (readers file one subscription in several folders the same way), and a
/// feed without tags sits at the top level. `feedwire import-opml` reads
/// this back into the same feeds and tags.
public enum OPMLWriter {
    public static func document(for config: FeedwireConfig, title: String = "Feedwire feeds", now: Timestamp) -> String {
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <opml version="2.0">
          <head>
            <title>\(escape(title))</title>
            <dateCreated>\(now.rfc822)</dateCreated>
            <docs>http://opml.org/spec2.opml</docs>
          </head>
          <body>

        """
        var tags: [String] = []
        for feed in config.feeds {
            for tag in feed.tags where !tags.contains(tag) { tags.append(tag) }
        }
        for tag in tags {
            out += "    <outline text=\"\(escape(tag))\" title=\"\(escape(tag))\">\n"
            for feed in config.feeds where feed.tags.contains(tag) {
                out += "      " + outline(feed) + "\n"
            }
            out += "    </outline>\n"
        }
        for feed in config.feeds where feed.tags.isEmpty {
            out += "    " + outline(feed) + "\n"
        }
        out += "  </body>\n</opml>\n"
        return out
    }

    /// `<outline type="rss" text=… title=… xmlUrl=…/>`: `text` is required
    /// by OPML 2.0; it is the feed's configured title, else its name.
    static func outline(_ feed: FeedConfig) -> String {
        let text = escape(feed.title ?? feed.name)
        return "<outline type=\"rss\" text=\"\(text)\" title=\"\(text)\" xmlUrl=\"\(escape(feed.url))\"/>"
    }

    /// Escapes text for an XML 1.0 attribute value or element content:
    /// markup characters as entities, tab/newline/CR as character
    /// references (attribute-value normalisation would turn them into
    /// spaces otherwise), and characters XML 1.0 forbids (other C0
    /// controls, U+FFFE, U+FFFF) dropped.
    /// The outputs' escaper (`XMLText`), in its attribute form.
    public static func escape(_ s: String) -> String {
        XMLText.escaped(s, attribute: true)
    }
}

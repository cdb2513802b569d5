import FeedwireCore

/// Events and stories for notification tests.
public enum NotifyFixtures {
    public static let epoch = Timestamp(year: 2025, month: 11, day: 25, hour: 12)

    public static func entry(id: Int64, title: String, summary: String? = nil, link: String? = nil, feed: String = "wire",
                             feedTitle: String? = "World Wire", revision: Int = 1, extraSources: Int = 0,
                             titleType: TextType = .text) -> StoryEntry {
        let item = ItemRecord(id: id, storyID: id, feed: feed, guid: "g\(id)", link: link ?? "https://example.org/story/\(id)?a=1&b=2",
                              title: title, titleType: titleType, summary: summary, summaryType: .html,
                              published: epoch - 600, firstSeen: epoch, revision: revision)
        var sources = [StorySource(feed: feed, feedTitle: feedTitle, feedURL: "https://example.org/\(feed).rss",
                                   feedLink: "https://example.org/", itemLink: item.link)]
        for i in 0..<extraSources {
            sources.append(StorySource(feed: "copy\(i)", feedTitle: "Copy \(i)", feedURL: "https://copy\(i).example/rss",
                                       itemLink: "https://copy\(i).example/s/\(id)"))
        }
        return StoryEntry(item: item, sources: sources)
    }

    public static func newEvent(_ entry: StoryEntry, at: Timestamp = epoch) -> ChangeEvent {
        ChangeEvent(kind: .new, at: at, feed: entry.item.feed, itemID: entry.item.id, storyID: entry.item.storyID, revision: 1)
    }

    public static func updateEvent(_ entry: StoryEntry, revision: Int = 2, previousTitle: String? = "Old headline",
                                   at: Timestamp = epoch + 60) -> ChangeEvent {
        ChangeEvent(kind: .updated, at: at, feed: entry.item.feed, itemID: entry.item.id, storyID: entry.item.storyID,
                    revision: revision, changedFields: [.title, .summary], previousTitle: previousTitle,
                    titleDiff: TextDiff(ops: [.removed("Old"), .added("New"), .same("headline")]),
                    textDiff: TextDiff(ops: [.same("The council met on Tuesday and"), .removed("rejected"), .added("approved"),
                                             .same("the grid plan after a long debate in Brussels")]))
    }

    public static func healthEvent(_ kind: EventKind, feed: String = "europe", message: String? = nil, at: Timestamp = epoch) -> ChangeEvent {
        ChangeEvent(kind: kind, at: at, feed: feed, message: message ?? "answered 503 three times since 11:40; retrying with backoff",
                    fromURL: kind == .feedMoved ? "https://old.example/rss" : nil,
                    toURL: kind == .feedMoved ? "https://new.example/rss" : nil)
    }

    /// A summary full of what feeds really send.
    public static let richSummary = """
        <p>Ministers met in <b>Brussels</b> &amp; agreed on the <a href="https://example.org/grid?x=1&amp;y=2">grid plan</a>.</p>
        <script>alert("x")</script><style>p{}</style>
        <ul><li>Kyiv &#8217;s view</li><li>Paris &laquo;non&raquo; — 5 &lt; 7</li></ul>
        <p>@everyone read <![CDATA[this]]> now &nbsp; please<br/>second line</p>
        """

    /// Configurations for every service pointing at a chat_sink base URL.
    public static func notifiers(sinkBase base: String, suffix: String = "") -> [NotifierConfig] {
        var out: [NotifierConfig] = []
        func add(_ name: String, _ type: NotifierType, _ url: String, _ tweak: (inout NotifierConfig) -> Void = { _ in }) {
            var n = NotifierConfig(name: name + suffix, type: type, url: Secret(.inline(url)))
            tweak(&n)
            out.append(n)
        }
        add("slack", .slack, "\(base)/slack/T000/B000/XXXX\(suffix)")
        add("mattermost", .mattermost, "\(base)/mattermost/key\(suffix)")
        add("discord", .discord, "\(base)/discord/123456/tok\(suffix)")
        add("teams", .teams, "\(base)/teams/flow\(suffix)")
        add("gchat", .gchat, "\(base)/gchat/AAAA\(suffix)?key=k&token=t")
        add("matrix", .matrix, "\(base)/matrix") {
            $0.token = Secret(.inline("secret"))
            $0.room = "!room\(suffix):example.org"
        }
        add("telegram", .telegram, "\(base)/telegram") {
            $0.token = Secret(.inline("123456:ABC\(suffix)"))
            $0.chatID = "-1001234567890"
        }
        add("ntfy", .ntfy, "\(base)/ntfy/feedwire\(suffix)")
        add("webhook", .webhook, "\(base)/generic/hook\(suffix)") {
            $0.secret = Secret(.inline(sinkSecret))
            $0.hubSignature = true
        }
        return out
    }

    /// The secret chat_sink is started with (`--secret`).
    public static let sinkSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
}

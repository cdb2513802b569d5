import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct StorySelectorTests {
    let config = FeedwireConfig(feeds: SampleStories.feeds)
    let now = SampleStories.now

    func output(_ configure: (inout OutputConfig) -> Void = { _ in }) -> OutputConfig {
        var o = OutputConfig(name: "merged", path: "/tmp/x.xml")
        configure(&o)
        return o
    }

    func ids(_ entries: [StoryEntry]) -> [Int64] { entries.map(\.item.storyID) }

    @Test func everythingNewestFirstByDefault() throws {
        let sel = try StorySelector(output: output(), config: config)
        #expect(sel.feeds == nil)
        let picked = sel.select(SampleStories.stories.shuffled(), now: now)
        #expect(ids(picked) == [112, 111, 110, 109, 108, 107, 106, 105, 104, 103])
    }

    @Test func tagsSelectFeedsUnionWithNames() throws {
        let sel = try StorySelector(output: output { $0.tags = ["ukraine"]; $0.feeds = ["euro-daily"] }, config: config)
        #expect(sel.feeds == ["euro-daily", "kyiv-independent", "pravda-ua"])
        let picked = try sel.stories(from: MemoryStoryReader(stories: SampleStories.stories), now: now)
        #expect(ids(picked) == [112, 111, 110, 107, 106, 105, 103])
        // A story carried by a selected feed and others keeps only the selected sources (the store's job).
        #expect(picked[0].sources.map(\.feed) == ["kyiv-independent", "pravda-ua"])
    }

    @Test func tagWithNoFeedsSelectsNothingWithoutAQuery() throws {
        let reader = MemoryStoryReader(stories: SampleStories.stories)
        let sel = try StorySelector(output: output { $0.tags = ["sports"] }, config: config)
        #expect(sel.feeds == [])
        #expect(try sel.stories(from: reader, now: now).isEmpty)
        #expect(reader.storyQueries.isEmpty)
    }

    @Test func includeAndExcludeAreCaseInsensitiveOnTitleAndText() throws {
        let stories = SampleStories.stories
        let inc = try StorySelector(output: output { $0.include = ["kyiv|KHARKIV"] }, config: config)
        #expect(ids(inc.select(stories, now: now)) == [112, 105])
        // Matches the summary text, not the markup around it.
        let text = try StorySelector(output: output { $0.include = ["third-country"] }, config: config)
        #expect(ids(text.select(stories, now: now)) == [111])
        let tags = try StorySelector(output: output { $0.include = ["<b>"] }, config: config)
        #expect(tags.select(stories, now: now).isEmpty)
        let exc = try StorySelector(output: output { $0.exclude = ["\\bdrones?\\b", "moldova"] }, config: config)
        // "drones" (112), "drone parts" (111), "Moldova" (106).
        #expect(ids(exc.select(stories, now: now)) == [110, 109, 108, 107, 105, 104, 103])
        let both = try StorySelector(output: output { $0.include = ["ukrain"]; $0.exclude = ["budget"] }, config: config)
        #expect(ids(both.select(stories, now: now)) == [109])
    }

    @Test func invalidPatternIsReportedWithTheOutputName() {
        #expect(throws: SelectionError.self) { try StorySelector(output: output { $0.include = ["(unclosed"] }, config: config) }
        do {
            _ = try StorySelector(output: output { $0.exclude = ["[z-a]"] }, config: config)
        } catch {
            #expect(error.description.contains("output \"merged\""))
            #expect(error.description.contains("[z-a]"))
        }
    }

    @Test func maxItemsAndMaxAge() throws {
        let stories = SampleStories.stories
        let few = try StorySelector(output: output { $0.maxItems = 3 }, config: config)
        #expect(ids(few.select(stories, now: now)) == [112, 111, 110])
        let recent = try StorySelector(output: output { $0.maxAge = 3 * 3600 }, config: config)
        // 11:05 or later.
        #expect(ids(recent.select(stories, now: now)) == [112, 111, 110, 109, 108, 107])
        #expect(recent.query(now: now).notBefore == now - 3 * 3600)
        #expect(recent.expiry(of: recent.select(stories, now: now)) == Timestamp(year: 2025, month: 11, day: 25, hour: 14, minute: 47, second: 1))
    }

    @Test func sortByLastChangeMovesEditedStoriesUp() throws {
        let sel = try StorySelector(output: output { $0.sort = .changed; $0.maxItems = 5 }, config: config)
        // 112 changed 14:04, 111 13:41, 109 edited 13:30, 110 13:20, 108 12:31.
        #expect(ids(sel.select(SampleStories.stories, now: now)) == [112, 111, 109, 110, 108])
    }

    @Test func duplicatesOfAStoryAppearOnce() throws {
        let sel = try StorySelector(output: output(), config: config)
        let s = SampleStories.stories
        #expect(sel.select(s + s, now: now).count == s.count)
    }

    @Test func keywordFiltersOverFetchUntilEnoughSurvive() throws {
        // 300 stories; only every tenth mentions Kyiv. max_items 20 needs 200 fetched.
        var stories: [StoryEntry] = []
        for i in 1...300 {
            let item = ItemRecord(id: Int64(i), storyID: Int64(i), feed: "kyiv-independent",
                                  title: i % 10 == 0 ? "Kyiv story \(i)" : "Other story \(i)",
                                  firstSeen: Timestamp(seconds: Int64(1_000_000 + i * 60)))
            stories.append(StoryEntry(item: item, sources: [SampleStories.kyiv]))
        }
        let reader = MemoryStoryReader(stories: stories)
        let sel = try StorySelector(output: output { $0.include = ["kyiv"]; $0.maxItems = 20 }, config: config)
        let picked = try sel.stories(from: reader, now: Timestamp(seconds: 2_000_000))
        #expect(picked.count == 20)
        #expect(picked.first?.item.storyID == 300)
        #expect(reader.storyQueries.map(\.limit) == [40, 160, 640])
        // Without filters: exactly max_items, one query.
        let plain = MemoryStoryReader(stories: stories)
        let all = try StorySelector(output: output { $0.maxItems = 20 }, config: config)
        #expect(try all.stories(from: plain, now: Timestamp(seconds: 2_000_000)).count == 20)
        #expect(plain.storyQueries.map(\.limit) == [20])
    }
}

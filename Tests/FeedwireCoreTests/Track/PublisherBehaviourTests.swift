@testable import FeedwireCore
import FeedwireTestSupport
import Testing

/// Real publisher behaviour, one test per habit, through the real store.
@Suite struct PublisherBehaviourTests {
    let base = (1...5).map { story($0) }

    @Test func firstFetchIsABaselineThenNewItemsAreAnnounced() throws {
        let h = try TrackHarness()
        let first = try h.fetch("a", base)
        #expect(first.baseline)
        #expect(first.events.isEmpty)
        #expect(try h.items().count == 5)
        let second = try h.fetch("a", [story(6, published: h.now)] + base)
        #expect(second.kinds == [.new])
        #expect(second.events[0].itemID == (try h.items().last?.id))
        #expect(second.events[0].revision == 1)
    }

    @Test func backfillAnnouncesTheNewestOnBaseline() throws {
        let h = try TrackHarness()
        h.policy.backfill = 2
        let outcome = try h.fetch("a", base)
        #expect(outcome.kinds == [.new, .new])
        let titles = try outcome.events.map { try h.store.item(id: $0.itemID!)!.title }
        // Oldest of the two first: story 2 is older than story 1.
        #expect(titles == ["Headline number 2 about the council vote", "Headline number 1 about the council vote"])
    }

    /// Byte changes that do not change what a reader sees.
    @Test(arguments: [
        "pubDate bump", "utm churn in link", "utm churn in permalink guid", "whitespace", "encoding", "attribute order",
        "image query", "updated bump",
    ])
    func noiseIsNotAnEdit(_ kind: String) throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        let noisy: [ParsedItem] = base.map { original in
            var i = original
            switch kind {
            case "pubDate bump": i.published = h.now + 3600
            case "utm churn in link": i.link = i.link! + "?utm_source=rss&utm_campaign=c0002"
            case "utm churn in permalink guid":
                i.link = i.link! + "?utm_source=rss&utm_campaign=c0003"
                i.id = i.link
            case "whitespace":
                i.title = "  " + i.title! + " \n"
                i.summary = "\n  " + i.summary!.replacingOccurrences("</p><p>", "</p>\n\n<p>") + "\n"
            case "encoding": i.summary = i.summary!.replacingOccurrences("distinct", "&#100;istinct")
            case "attribute order": i.summary = i.summary!.replacingOccurrences("<a href=", "<a rel=\"x\" href=")
            case "image query": i.summary = i.summary! + "<img src=\"https://cdn.example.com/a.jpg?w=\(h.now.seconds)\">"
            case "updated bump": i.updated = h.now + 60
            default: Issue.record("unknown kind \(kind)")
            }
            return i
        }
        let before = h.store.totalChanges
        let outcome = try h.fetch("a", noisy)
        #expect(outcome.events.isEmpty, "\(kind) produced \(outcome.kinds)")
        #expect(outcome.edits == 0)
        #expect(try h.store.tableCounts()["revisions"] == 0)  // no edit: revision 1 is the item itself
        if kind != "utm churn in permalink guid" {
            #expect(h.store.totalChanges == before, "\(kind) wrote rows")
        }
    }

    @Test func realEditsAreDetectedWithFieldsAndDiffs() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        var edited = base
        edited[1].title = "UPDATE: " + edited[1].title!
        edited[2].summary = edited[2].summary! + "<p><em>Officials later corrected the figures.</em></p>"
        let outcome = try h.fetch("a", edited)
        #expect(outcome.kinds == [.updated, .updated])
        let byItem = Dictionary(uniqueKeysWithValues: outcome.events.map { ($0.itemID!, $0) })
        let one = try #require(try h.item(base[1].link))
        let two = try #require(try h.item(base[2].link))
        let titleEdit = try #require(byItem[one.id])
        #expect(titleEdit.changedFields == [.title])
        #expect(titleEdit.previousTitle == "Headline number 2 about the council vote")
        #expect(titleEdit.titleDiff?.plain == "{+UPDATE:+} Headline number 2 about the council vote")
        #expect(titleEdit.revision == 2)
        let summaryEdit = try #require(byItem[two.id])
        #expect(summaryEdit.changedFields == [.summary])
        #expect(summaryEdit.textDiff?.ops.last == .added("Officials later corrected the figures."))
        #expect(try h.store.item(id: one.id)?.revision == 2)
        #expect(try h.store.item(id: one.id)?.lastChanged == h.now)
        // The same edited document again: nothing.
        #expect(try h.fetch("a", edited).events.isEmpty)
    }

    @Test func headlineSlugGuidDriftIsAnUpdateNotANewItem() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        var drifted = base
        drifted[0].title = "UPDATE: council rejects the plan after all"
        drifted[0].link = "https://a.example.com/story/update-council-rejects-the-plan-after-all"
        drifted[0].id = drifted[0].link
        let original = try #require(try h.item(base[0].link))
        let outcome = try h.fetch("a", drifted)
        #expect(outcome.kinds == [.updated])
        #expect(try h.items().count == 5)
        #expect(outcome.events[0].itemID == original.id)
        #expect(try h.store.item(id: original.id)?.link == "https://a.example.com/story/update-council-rejects-the-plan-after-all")
        let revisions = try h.store.revisions(itemID: original.id)
        #expect(revisions.count == 2)
        #expect(revisions[1].link == drifted[0].link)
        #expect(revisions[0].supersededAt == h.now)
        #expect(try h.fetch("a", drifted).events.isEmpty)
    }

    @Test func opaqueGuidDriftWithSameLinkIsAnUpdate() throws {
        let h = try TrackHarness()
        let opaque = base.enumerated().map { n, i -> ParsedItem in
            var i = i
            i.id = "https://a.example.com/?p=\(n + 1)"
            return i
        }
        try h.fetch("a", opaque)
        var drifted = opaque
        drifted[2].id = "https://a.example.com/?p=100303"
        drifted[2].summary = drifted[2].summary! + "<p>Clarification: the vote was 5–4.</p>"
        let outcome = try h.fetch("a", drifted)
        #expect(outcome.kinds == [.updated])
        #expect(outcome.events[0].changedFields == [.summary])
    }

    @Test func guidLinkAndTitleChangingTogetherIsRecognisedByText() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        var drifted = base
        drifted[3].id = "tag:a.example.com,2025:brand-new-slug"
        drifted[3].link = "https://a.example.com/story/brand-new-slug"
        drifted[3].title = "Completely reworded headline for the fourth story"
        let outcome = try h.fetch("a", drifted)
        #expect(outcome.kinds == [.updated])
        #expect(outcome.events[0].changedFields == [.title])
        #expect(try h.items().count == 5)
    }

    @Test func driftWithAppendedCorrectionAndSameDateIsRecognised() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        var drifted = base
        drifted[3].id = "tag:a.example.com,2025:other"
        drifted[3].link = "https://a.example.com/story/other"
        drifted[3].title = "UPDATE: " + drifted[3].title!
        drifted[3].summary = drifted[3].summary! + "<p><em>This story has been updated with a statement from the mayor.</em></p>"
        #expect(try h.fetch("a", drifted).kinds == [.updated])
    }

    @Test func anUnrelatedStoryReplacingAVanishedOneIsNew() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        var replaced = base
        replaced[4] = story(99, published: h.now)
        let outcome = try h.fetch("a", replaced)
        #expect(Set(outcome.kinds) == [.new, .gone])
        #expect(outcome.count(.new) == 1)
    }

    @Test func duplicateGuidsInOneDocumentAreDistinctStories() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        let shared = "https://a.example.com/"
        var dups = (10...12).map { story($0, published: h.now, guid: shared) }
        let outcome = try h.fetch("a", dups + base)
        #expect(outcome.kinds == [.new, .new, .new])
        #expect(outcome.notes.map(\.kind) == [.duplicateGuids])
        #expect(try h.fetch("a", dups + base).events.isEmpty)
        // Logged once per feed.
        dups[0].title = "Edited headline of a dup-guid story"
        let again = try h.fetch("a", dups + base)
        #expect(again.kinds == [.updated])
        #expect(again.notes.isEmpty)
    }

    @Test func anEntryListedTwiceIsOneItem() throws {
        let h = try TrackHarness()
        let bare = item(title: "Bulletin without text")
        try h.fetch("a", base + [base[2], bare, bare])
        #expect(try h.items().count == 6)
        var next = base + [base[2], bare, bare]
        next[0].title = "Edited so the document changes"
        let outcome = try h.fetch("a", next)
        #expect(outcome.kinds == [.updated])
        #expect(try h.items().count == 6)
    }

    @Test func twoVariantsOfOneEntryStayTwoItemsWithoutChurn() throws {
        let h = try TrackHarness()
        var variant = base[1]
        variant.summary = "<p>A shorter teaser of the same story, different enough to be its own text.</p>"
        try h.fetch("a", base + [variant])
        #expect(try h.items().count == 6)
        var next = base + [variant]
        next[4].title = "Something else changed in the document"
        let outcome = try h.fetch("a", next)
        #expect(outcome.kinds == [.updated])
        #expect(try h.items(tombstones: true).count == 6)
        next[3].title = "And again"
        #expect(try h.fetch("a", next.reversed()).kinds == [.updated])
        #expect(try h.items(tombstones: true).count == 6)
    }

    @Test func entriesWithNothingToIdentifyThemAreIgnored() throws {
        let h = try TrackHarness()
        try h.fetch("a", base + [item(), item(summary: "   ")])
        #expect(try h.items().count == 5)
        #expect(try h.fetch("a", base + [item()]).events.isEmpty)
    }

    @Test func aGuidReusedFromAnExistingItemDoesNotMergeStories() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        let owner = base[0]
        let copies = (20...21).map { story($0, published: h.now, guid: owner.id) }
        let outcome = try h.fetch("a", copies + base)
        #expect(outcome.kinds == [.new, .new])
        #expect(try h.items().count == 7)
        // Later the owner leaves and one reuse stays alone with the guid.
        let later = try h.fetch("a", [copies[0]] + Array(base.dropFirst()))
        #expect(later.kinds.filter { $0 == .new }.isEmpty)
    }

    @Test func aGuidReusedAfterTheOwnerExpiredIsANewStory() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        _ = try h.fetch("a", Array(base.dropFirst()))  // story 1 expires
        let reuse = story(30, published: h.now, guid: base[0].id)
        let outcome = try h.fetch("a", [reuse] + Array(base.dropFirst()))
        #expect(outcome.kinds == [.new])
        #expect(outcome.notes.map(\.kind) == [.reusedGuid])
    }

    @Test func missingGuidsUseTheLink() throws {
        let h = try TrackHarness()
        let noGuid = base.map { i -> ParsedItem in var i = i; i.id = nil; return i }
        try h.fetch("a", noGuid)
        var next = noGuid
        next[0].published = h.now  // date bump
        #expect(try h.fetch("a", next).events.isEmpty)
        next[1].title = "Edited title"
        #expect(try h.fetch("a", next).kinds == [.updated])
    }

    @Test func missingGuidsAndLinksUseTitleAndDate() throws {
        let h = try TrackHarness()
        let bare = base.map { i -> ParsedItem in var i = i; i.id = nil; i.link = nil; return i }
        try h.fetch("a", bare)
        #expect(try h.fetch("a", bare.reversed()).events.isEmpty)
        let plusOne = [item(title: "A fresh bulletin", summary: "<p>text</p>", published: h.now)] + bare
        #expect(try h.fetch("a", plusOne).kinds == [.new])
    }

    @Test func sharedLinksDoNotMergeItems() throws {
        let h = try TrackHarness()
        let live = (1...3).map { n in
            item(guid: "live-\(n)", link: "https://a.example.com/live", title: "Live update \(n)",
                 summary: "<p>Update \(n) text.</p>", published: at(minutes: Int64(n)))
        }
        try h.fetch("a", live)
        #expect(try h.items().count == 3)
        let more = [item(guid: "live-4", link: "https://a.example.com/live", title: "Live update 4",
                         summary: "<p>Update 4 text.</p>", published: h.now)] + live
        #expect(try h.fetch("a", more).kinds == [.new])
    }

    @Test func abFlappingIsOneUpdateAndTheNewestTextStays() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        var b = base
        b[0].summary = b[0].summary! + "<p>Correction: the hearing is on Thursday.</p>"
        #expect(try h.fetch("a", b).kinds == [.updated])
        for step in 0..<6 {
            let served = step.isMultiple(of: 2) ? base : b
            let outcome = try h.fetch("a", served)
            #expect(outcome.events.isEmpty, "step \(step)")
            #expect(try h.item(b[0].link)?.summary == b[0].summary)
            #expect(try h.item(b[0].link)?.revision == 2)
        }
        // After the flap window a revert is a real edit again.
        h.now = h.now + h.policy.flapWindow + 60
        #expect(try h.fetch("a", base).kinds == [.updated])
    }

    @Test func flapStartingWithTheEditCountsTheFirstSightOfTheNewText() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        var b = base
        b[1].title = "UPDATE: " + b[1].title!
        #expect(try h.fetch("a", base).events.isEmpty)  // the cache still serves the old text
        #expect(try h.fetch("a", b).kinds == [.updated])
        #expect(try h.fetch("a", base).events.isEmpty)
        #expect(try h.fetch("a", b).events.isEmpty)
    }

    @Test func staleTextWithAnOlderUpdatedDateIsIgnored() throws {
        let h = try TrackHarness()
        var old = base
        old[0].updated = at(minutes: -5)
        try h.fetch("a", old)
        var new = old
        new[0].updated = h.now
        new[0].title = "Revised headline"
        #expect(try h.fetch("a", new).kinds == [.updated])
        h.now = h.now + h.policy.flapWindow * 2
        // A stale cache serves the old text with its old date long after.
        #expect(try h.fetch("a", old).events.isEmpty)
    }

    @Test func futureDatesAreClampedAndFlagged() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        let future = story(40, published: h.now + 6 * 3600 + 60)
        let outcome = try h.fetch("a", [future] + base)
        #expect(outcome.kinds == [.new])
        let record = try #require(try h.store.item(id: outcome.events[0].itemID!))
        #expect(record.dateClamped)
        #expect(record.published == h.now)
        #expect(record.firstSeen == h.now)
        // Five minutes ahead is within tolerance.
        let soon = story(41, published: h.now + 60 + 300)
        let second = try h.fetch("a", [soon, future] + base)
        let kept = try #require(try h.store.item(id: second.events[0].itemID!))
        #expect(!kept.dateClamped)
        #expect(kept.published == soon.published)
    }

    @Test func undatedItemsSortByFirstSeen() throws {
        let h = try TrackHarness()
        try h.fetch("a", [item(guid: "x1", link: "https://a.example.com/x1", title: "Undated one")])
        try h.fetch("a", [item(guid: "x2", link: "https://a.example.com/x2", title: "Undated two"),
                          item(guid: "x1", link: "https://a.example.com/x1", title: "Undated one")])
        let stories = try h.store.stories(StoryQuery(feeds: ["a"]))
        #expect(stories.map(\.item.title) == ["Undated two", "Undated one"])
        #expect(stories[0].item.displayDate == h.now)
    }

    @Test func vanishedItemsAreTombstonesAndNeverComeBackAsNew() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        let expired = try h.fetch("a", Array(base.prefix(4)))
        #expect(expired.kinds == [.gone])
        let tombstone = try #require(try h.item(base[4].link))
        #expect(!tombstone.present)
        let back = try h.fetch("a", base)
        #expect(back.events.isEmpty)
        #expect(try h.items().count == 5)
        // Gone for days, back with the same identity: still not new.
        _ = try h.fetch("a", Array(base.prefix(4)))
        h.now = h.now + 10 * 86_400
        #expect(try h.fetch("a", base).events.isEmpty)
    }

    @Test func anEmptyDocumentTombstonesNothing() throws {
        let h = try TrackHarness()
        try h.fetch("a", base)
        let outcome = try h.fetch("a", [])
        #expect(outcome.events.isEmpty)
        #expect(outcome.notes.map(\.kind) == [.emptyDocument])
        #expect(try h.items().count == 5)
    }

    @Test func guidsThatChangeOnEveryFetchAreDetected() throws {
        let h = try TrackHarness()
        func session(_ s: Int) -> [ParsedItem] {
            base.map { i in var i = i; i.id = "urn:session:\(s):\(i.link!)"; return i }
        }
        try h.fetch("a", session(1))
        let second = try h.fetch("a", session(2))
        #expect(second.events.isEmpty)
        #expect(second.notes.map(\.kind) == [.unstableGuids])
        #expect(try h.store.feedState(named: "a")?.guidUnstable == true)
        let third = try h.fetch("a", session(3))
        #expect(third.events.isEmpty)
        #expect(third.notes.isEmpty)
    }

    @Test func aDailyBriefingWithTheSameTitleIsNewEachDay() throws {
        let h = try TrackHarness()
        func briefing(_ day: Int64) -> ParsedItem {
            item(guid: "brief-\(day)", link: "https://a.example.com/briefing/\(day)", title: "Morning briefing",
                 summary: "<p>Day \(day): \((0..<30).map { "word\($0 * Int(day))" }.joined(separator: " "))</p>",
                 published: epoch + day * 86_400)
        }
        h.now = epoch + 86_400
        try h.fetch("a", [briefing(1)])
        h.now = epoch + 2 * 86_400
        let outcome = try h.fetch("a", [briefing(2)])
        #expect(outcome.count(.new) == 1)
        #expect(outcome.count(.gone) == 1)
    }

    @Test func onlyTheNewest500ItemsAreProcessed() throws {
        let h = try TrackHarness()
        let many = (1...600).map { story($0) }  // story 1 is the newest
        let outcome = try h.fetch("a", many)
        #expect(outcome.notes.map(\.kind) == [.truncated])
        let stored = try h.items()
        #expect(stored.count == 500)
        #expect(stored.contains { $0.link == "https://a.example.com/story/1" })
        #expect(!stored.contains { $0.link == "https://a.example.com/story/501" })
        #expect(try h.fetch("a", many).events.isEmpty)
    }

    @Test func storedFieldsRespectTheLimits() throws {
        let h = try TrackHarness()
        let long = item(guid: "g", link: "https://a.example.com/" + String(repeating: "p", count: 10_000),
                        title: String(repeating: "é", count: 2_000), summary: String(repeating: "s", count: 70_000))
        try h.fetch("a", [long])
        let stored = try #require(try h.items().first)
        #expect(stored.title.utf8.count <= 1_024)
        #expect((stored.summary?.utf8.count ?? 0) <= 64 * 1_024)
        #expect((stored.link?.utf8.count ?? 0) <= 8 * 1_024)
        #expect(try h.fetch("a", [long]).events.isEmpty)
    }
}

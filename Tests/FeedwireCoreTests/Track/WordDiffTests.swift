@testable import FeedwireCore
import Testing

@Suite struct WordDiffTests {
    @Test func titleEdit() {
        let diff = WordDiff.diff("Port authority approves bike-lane plan", "UPDATE: Port authority rejects bike-lane plan")
        #expect(diff.plain == "{+UPDATE:+} Port authority [-approves-] {+rejects+} bike-lane plan")
        #expect(!diff.isEmpty)
    }

    @Test func appendedSentenceKeepsShortContext() {
        let old = (1...40).map { "w\($0)" }.joined(separator: " ")
        let diff = WordDiff.diff(old, old + " Officials later corrected the figures.")
        #expect(diff.ops.first == .same("… w35 w36 w37 w38 w39 w40"))
        #expect(diff.ops.last == .added("Officials later corrected the figures."))
    }

    @Test func hugeRewritesStayBounded() {
        let a = (1...5_000).map { "a\($0)" }.joined(separator: " ")
        let b = (1...5_000).map { "b\($0)" }.joined(separator: " ")
        let diff = WordDiff.diff(a, b)
        #expect(diff.ops.count == 2)
        #expect(diff.plain.count < 700)
    }

    @Test func equalTextsGiveEmptyDiff() {
        #expect(WordDiff.diff("same words", "same words").isEmpty)
    }

    @Test func shingleSimilarity() {
        let a = Shingles("the quick brown fox jumps over the lazy dog")
        #expect(a.jaccard(Shingles("The quick brown fox jumps over the lazy dog")) == 1)
        let appended = Shingles("the quick brown fox jumps over the lazy dog and then sleeps all day")
        #expect(a.containment(appended) == 1)
        #expect(a.jaccard(appended) < 0.8)
        #expect(a.jaccard(Shingles("completely different words in this other text")) == 0)
        #expect(Shingles("").isEmpty)
    }
}

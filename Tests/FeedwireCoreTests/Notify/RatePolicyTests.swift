import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct RateLimitTests {
    @Test func parsesRates() {
        #expect(RateLimit(parsing: "5/2s") == RateLimit(5, per: 2))
        #expect(RateLimit(parsing: "1/s") == RateLimit(1, per: 1))
        #expect(RateLimit(parsing: "30/min") == RateLimit(30, per: 60))
        #expect(RateLimit(parsing: " 20 / 1m ") == RateLimit(20, per: 60))
        #expect(RateLimit(parsing: "100/h") == RateLimit(100, per: 3600))
        #expect(RateLimit(parsing: "x/s") == nil)
        #expect(RateLimit(parsing: "0/s") == nil)
        #expect(RateLimit(parsing: "5") == nil)
    }

    @Test func documentedDefaults() {
        #expect(RateLimit.defaults(for: .discord) == [RateLimit(5, per: 2), RateLimit(30, per: 60)])
        #expect(RateLimit.defaults(for: .slack) == [RateLimit(1, per: 1)])
        #expect(RateLimit.defaults(for: .teams) == [RateLimit(4, per: 1)])
        #expect(RateLimit.defaults(for: .gchat) == [RateLimit(60, per: 60)])
        #expect(RateLimit.defaults(for: .telegram, chatID: "-100123") == [RateLimit(1, per: 1), RateLimit(20, per: 60)])
        #expect(RateLimit.defaults(for: .telegram, chatID: "42") == [RateLimit(1, per: 1)])
    }
}

@Suite struct TokenBucketTests {
    @Test func tokensReturnOneWindowAfterTheAnswer() {
        var b = TokenBucket(RateLimit(5, per: 2))
        for i in 0..<5 {
            #expect(b.availableAt(100) == 100)
            b.take(at: 100)
            b.answered(at: 100.1 + Double(i) * 0.01)
        }
        // All five spent: the first returns 2 s (+ margin) after its answer.
        #expect(b.availableAt(100.5) == 100.1 + 2 + TokenBucket.margin)
        #expect(b.availableAt(102.2) == 102.2)
    }

    @Test func noSlidingWindowEverSeesMoreThanN() {
        // Sends at every moment a token is free for 60 s; any 2 s window of answers holds at most 5.
        var b = TokenBucket(RateLimit(5, per: 2))
        var now = 0.0
        var answers: [Double] = []
        while now < 60 {
            now = b.availableAt(now)
            b.take(at: now)
            let answered = now + 0.003
            b.answered(at: answered)
            answers.append(answered)
        }
        for (i, t) in answers.enumerated() {
            let inWindow = answers[i...].prefix { $0 < t + 2 }.count
            #expect(inWindow <= 5)
        }
        #expect(answers.count >= 145)  // ~2.5/s: the bucket does not under-use the rate either
    }

    @Test func inFlightTokensNeverReturnEarly() {
        var b = TokenBucket(RateLimit(1, per: 1))
        b.take(at: 0)
        #expect(b.availableAt(10) == .infinity)
        b.answered(at: 10)
        #expect(b.availableAt(10.5) == 11 + TokenBucket.margin)
    }
}

@Suite struct RateShaperTests {
    @Test func headersCorrectTheShaping() {
        var s = RateShaper(limits: [RateLimit(5, per: 2)])
        s.apply(RateHint(limit: 3, remaining: 2, resetAfter: 1.5), now: 10)
        #expect(s.buckets[0].capacity == 3)
        #expect(s.readyAt(10) == 10)
        s.apply(RateHint(limit: 3, remaining: 0, resetAfter: 1.5), now: 10)
        #expect(s.readyAt(10) == 11.5 + TokenBucket.margin)
        #expect(s.blockReason?.contains("X-RateLimit") == true)
    }

    @Test func blockKeepsTheLatest() {
        var s = RateShaper(limits: [RateLimit(1, per: 1)])
        s.block(until: 50, reason: "a")
        s.block(until: 40, reason: "b")
        #expect(s.blockedUntil == 50 && s.blockReason == "a")
        #expect(s.readyAt(45) == 50)
    }
}

@Suite struct RetryPolicyTests {
    @Test func scheduleWithJitter() {
        #expect(RetryPolicy.schedule == [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000])
        #expect(RetryPolicy.maxAttempts == 8)
        #expect(RetryPolicy.delay(afterAttempts: 1, random: 0.5) == 5)
        #expect(RetryPolicy.delay(afterAttempts: 1, random: 0) == 4)
        #expect(RetryPolicy.delay(afterAttempts: 2, random: 0.999_999)! > 359.9)
        #expect(RetryPolicy.delay(afterAttempts: 7, random: 0.5) == 36_000)
        #expect(RetryPolicy.delay(afterAttempts: 8, random: 0.5) == nil)
        var rng = SplitMix64(seed: 7)
        for n in 1...7 {
            for _ in 0..<100 {
                let d = RetryPolicy.delay(afterAttempts: n, random: Double(rng.next() >> 11) / Double(UInt64(1) << 53))!
                let base = RetryPolicy.schedule[n - 1]
                #expect(d >= base * 0.8 && d <= base * 1.2)
            }
        }
    }

    @Test func retryAfterIsClamped() {
        #expect(RetryPolicy.clampRetryAfter(0.2) == 1)
        #expect(RetryPolicy.clampRetryAfter(64.57) == 64.57)
        #expect(RetryPolicy.clampRetryAfter(86_400) == 3_600)
        #expect(RetryPolicy.clampRetryAfter(.nan) == 3_600)
    }

    @Test func pausesDoubleToADay() {
        #expect(RetryPolicy.pause(afterFailures: 3) == nil)
        #expect(RetryPolicy.pause(afterFailures: 4) == 60)
        #expect(RetryPolicy.pause(afterFailures: 5) == 120)
        #expect(RetryPolicy.pause(afterFailures: 15) == 86_400)
        #expect(RetryPolicy.pause(afterFailures: 1_000) == 86_400)
        #expect(RetryPolicy.unhintedRateLimitWait(consecutive: 1) == 2)
        #expect(RetryPolicy.unhintedRateLimitWait(consecutive: 3) == 8)
        #expect(RetryPolicy.unhintedRateLimitWait(consecutive: 40) == 3_600)
    }
}

@Suite struct QuietHoursTests {
    @Test func wrapsMidnight() throws {
        let q = try #require(QuietHours(parsing: "22:00-07:00"))
        let day = Timestamp(year: 2025, month: 11, day: 25)
        #expect(!q.contains(day + 21 * 3600 + 59 * 60))
        #expect(q.contains(day + 22 * 3600))
        #expect(q.contains(day + 3 * 3600))
        #expect(!q.contains(day + 7 * 3600))
        #expect(q.end(after: day + 23 * 3600) == day + 31 * 3600)
        #expect(q.end(after: day + 3 * 3600) == day + 7 * 3600)
        #expect(q.end(after: day + 12 * 3600) == day + 12 * 3600)
    }

    @Test func sameDayWindowAndBadInput() throws {
        let q = try #require(QuietHours(parsing: "01:30-05:00"))
        let day = Timestamp(year: 2025, month: 1, day: 1)
        #expect(q.contains(day + 3600 + 1800))
        #expect(!q.contains(day + 3600))
        #expect(QuietHours(parsing: "25:00-07:00") == nil)
        #expect(QuietHours(parsing: "22:00") == nil)
        #expect(QuietHours(parsing: "07:00-07:00") == nil)
        #expect(QuietHours(parsing: "22:00-24:00") != nil)
    }
}

import FeedwireCore
import Testing

/// 2025-11-25 (a Tuesday) 12:00:00 UTC.
private let noon = Double(Timestamp(year: 2025, month: 11, day: 25, hour: 12).seconds)

private func policy(interval: Double = 900, floor: Double = 60, ceiling: Double = 86_400, jitter: Double = 0) -> PollPolicy {
    PollPolicy(bounds: PollBounds(defaultInterval: interval, floor: floor, ceiling: ceiling, jitter: jitter))
}

private func decide(_ p: PollPolicy, _ inputs: PollInputs, seed: UInt64 = 7) -> PollDecision {
    var rng = SplitMix64(seed: seed)
    return p.decide(inputs, using: &rng)
}

private func hints(ttl: Int? = nil, skipHours: Set<Int> = [], skipDays: Set<Int> = [], period: String? = nil,
                   frequency: Int? = nil) -> PollHints {
    var h = PollHints()
    h.ttlMinutes = ttl
    h.skipHours = skipHours
    h.skipDays = skipDays
    h.updatePeriod = period
    h.updateFrequency = frequency
    return h
}

@Suite struct PollPolicyIntervalTests {
    @Test func defaultIntervalWithoutHints() {
        let d = decide(policy(), PollInputs(now: noon, outcome: .notModified))
        #expect(d.next == noon + 900)
        #expect(d.delay == 900)
        #expect(d.reason == .interval)
    }

    @Test(arguments: [
        (Double?.none, 900.0), (300.0, 300.0), (10.0, 60.0), (200_000.0, 86_400.0),
    ])
    func feedIntervalIsClampedToFloorAndCeiling(feedInterval: Double?, expected: Double) {
        let d = decide(policy(), PollInputs(now: noon, feedInterval: feedInterval, outcome: .changed))
        #expect(d.delay == expected)
        #expect(d.next == noon + expected)
    }

    @Test func regularDelayCountsFromTheStartOfTheRefresh() {
        let d = decide(policy(), PollInputs(now: noon, startedAt: noon - 20, feedInterval: 300, outcome: .changed))
        #expect(d.next == noon - 20 + 300)
    }

    @Test func aRefreshSlowerThanTheIntervalIsDueAtOnce() {
        let d = decide(policy(), PollInputs(now: noon, startedAt: noon - 90, feedInterval: 60, outcome: .changed))
        #expect(d.next == noon)
    }

    @Test func jitterOnlyMakesPollsEarlierAndNeverBelowTheFloor() {
        let p = policy(jitter: 0.1)
        var seen = Set<Double>()
        for seed in UInt64(0)..<200 {
            let d = decide(p, PollInputs(now: noon, outcome: .notModified), seed: seed)
            let next = try! #require(d.next)
            #expect(next <= noon + 900 && next >= noon + 810)
            seen.insert(next)
        }
        #expect(seen.count > 100)  // it does spread
    }

    @Test func jitterIsDeterministicForASeed() {
        let p = policy(jitter: 0.1)
        let a = decide(p, PollInputs(now: noon, outcome: .notModified), seed: 42)
        let b = decide(p, PollInputs(now: noon, outcome: .notModified), seed: 42)
        #expect(a == b)
    }

    @Test func aBusyFeedAtOneMinuteIsAlwaysPolledEveryMinute() {
        // The floor (1 min) leaves no room for jitter, and new items keep the adaptive factor at 1.
        let p = policy(jitter: 0.1)
        for seed in UInt64(0)..<100 {
            let inputs = PollInputs(now: noon + 3, startedAt: noon, feedInterval: 60, outcome: .changed,
                                    publishing: PublishingStats(lastNewItemAt: noon - 3_600, watchingSince: noon - 30 * 86_400))
            #expect(decide(p, inputs, seed: seed).next == noon + 60)
        }
    }
}

@Suite struct PollPolicyAdaptiveTests {
    @Test(arguments: [
        (0.0, 1.0), (3_600.0, 1.0), (86_399.0, 1.0), (86_400.0, 2.0), (2 * 86_400.0, 3.0),
        (3 * 86_400.0, 4.0), (30 * 86_400.0, 4.0),
    ])
    func silenceStretchesTheIntervalUpToFourTimes(silence: Double, factor: Double) {
        let p = policy()
        #expect(p.adaptiveFactor(silence: silence) == factor)
        let d = decide(p, PollInputs(now: noon, feedInterval: 600, outcome: .notModified,
                                     publishing: PublishingStats(lastNewItemAt: noon - silence)))
        #expect(d.delay == 600 * factor)
        #expect(d.reason == (factor > 1 ? .adaptive : .interval))
    }

    @Test func neverFasterThanConfigured() {
        for silence in stride(from: 0.0, through: 10 * 86_400, by: 3_600) {
            #expect(policy().adaptiveFactor(silence: silence) >= 1)
        }
        #expect(policy().adaptiveFactor(silence: nil) == 1)
    }

    @Test func backToTheConfiguredIntervalAsSoonAsItPublishes() {
        // Quiet for a week, then a refresh brings a new item: the runner sets lastNewItemAt = now.
        var state = FeedPollState()
        state.publishing = PublishingStats(lastNewItemAt: noon - 7 * 86_400, watchingSince: noon - 60 * 86_400)
        let quiet = decide(policy(), state.inputs(feedInterval: 600, retryAfter: nil).with(now: noon))
        #expect(quiet.delay == 2_400)
        state.record(.changed(newItems: 1), configuredURL: "u", startedAt: noon - 1, now: noon)
        let busy = decide(policy(), state.inputs(feedInterval: 600, retryAfter: nil))
        #expect(busy.delay == 600)
        #expect(busy.reason == .interval)
    }

    @Test func silenceCountsFromTheFirstFetchWhenNothingWasEverNew() {
        let d = decide(policy(), PollInputs(now: noon, feedInterval: 600, outcome: .notModified,
                                            publishing: PublishingStats(watchingSince: noon - 2 * 86_400)))
        #expect(d.delay == 1_800)
    }

    @Test func stretchStopsAtTheCeiling() {
        let d = decide(policy(ceiling: 86_400), PollInputs(now: noon, feedInterval: 12 * 3_600, outcome: .changed,
                                                           publishing: PublishingStats(lastNewItemAt: noon - 10 * 86_400)))
        #expect(d.delay == 86_400)
    }
}

@Suite struct PollPolicyHintTests {
    @Test func ttlSlowsADefaultIntervalFeed() {
        let d = decide(policy(), PollInputs(now: noon, outcome: .changed, hints: hints(ttl: 30)))
        #expect(d.delay == 1_800)
        #expect(d.reason == .ttl)
    }

    @Test func hintsAreCappedAtOneHour() {
        let d = decide(policy(), PollInputs(now: noon, outcome: .changed, hints: hints(ttl: 600)))
        #expect(d.delay == 3_600)
    }

    @Test func hintsNeverOverrideAnExplicitFeedInterval() {
        // Ghost's boilerplate <ttl>60</ttl> must not turn a 5-minute newsroom source hourly.
        let d = decide(policy(), PollInputs(now: noon, feedInterval: 300, outcome: .changed,
                                            cache: CacheHints(maxAge: 1_800), hints: hints(ttl: 60, period: "hourly")))
        #expect(d.delay == 300)
        #expect(d.reason == .interval)
    }

    @Test func hintsNeverSpeedUp() {
        let d = decide(policy(), PollInputs(now: noon, outcome: .changed, cache: CacheHints(maxAge: 60), hints: hints(ttl: 5)))
        #expect(d.delay == 900)
        #expect(d.reason == .interval)
    }

    @Test func aDefaultLongerThanTheCapIsKept() {
        let d = decide(policy(interval: 7_200), PollInputs(now: noon, outcome: .changed, hints: hints(ttl: 180)))
        #expect(d.delay == 7_200)
    }

    @Test func hintsStayWithinTheCeiling() {
        let d = decide(policy(interval: 600, ceiling: 1_200), PollInputs(now: noon, outcome: .changed, hints: hints(ttl: 60)))
        #expect(d.delay == 1_200)
    }

    @Test func maxAgeAndExpires() {
        let p = policy()
        let maxAge = decide(p, PollInputs(now: noon, outcome: .notModified, cache: CacheHints(maxAge: 1_500)))
        #expect(maxAge.delay == 1_500)
        #expect(maxAge.reason == .cache)
        let stamp = { (t: Double) in Timestamp(seconds: Int64(t)) }
        let expires = decide(p, PollInputs(now: noon, outcome: .notModified,
                                           cache: CacheHints(expires: stamp(noon + 2_000), date: stamp(noon - 400))))
        #expect(expires.delay == 2_400)
        // RFC 9111 §4.2.1: max-age wins over Expires.
        let both = decide(p, PollInputs(now: noon, outcome: .notModified,
                                        cache: CacheHints(maxAge: 1_000, expires: stamp(noon + 3_000), date: stamp(noon))))
        #expect(both.delay == 1_000)
        // no-cache asks caches to revalidate, not us to poll faster: the interval stays.
        let noCache = decide(p, PollInputs(now: noon, outcome: .notModified, cache: CacheHints(maxAge: 0, noCache: true)))
        #expect(noCache.delay == 900)
    }

    @Test func fromResponseHeaders() {
        var headers = HTTPHeaders()
        headers.add("Cache-Control", "public, max-age=2700")
        let cache = CacheHints(headers: headers, now: Timestamp(seconds: Int64(noon)))
        let d = decide(policy(), PollInputs(now: noon, outcome: .notModified, cache: cache))
        #expect(d.delay == 2_700)
    }

    @Test func syndicationModule() {
        let d = decide(policy(), PollInputs(now: noon, outcome: .changed, hints: hints(period: "hourly", frequency: 2)))
        #expect(d.delay == 1_800)
        #expect(d.reason == .syndication)
    }

    @Test func theLongestHintWins() {
        let d = decide(policy(), PollInputs(now: noon, outcome: .changed, cache: CacheHints(maxAge: 1_200),
                                            hints: hints(ttl: 25, period: "hourly", frequency: 3)))
        #expect(d.delay == 1_500)
        #expect(d.reason == .ttl)
    }
}

@Suite struct PollPolicyFailureTests {
    @Test func backoffDoublesPerConsecutiveFailureUpToTheCeiling() {
        let p = policy()
        let delays = (1...10).map { n in
            decide(p, PollInputs(now: noon, outcome: .failed, consecutiveFailures: n)).delay
        }
        #expect(delays == [900, 1_800, 3_600, 7_200, 14_400, 28_800, 57_600, 86_400, 86_400, 86_400])
        #expect(decide(p, PollInputs(now: noon, outcome: .failed, consecutiveFailures: 1)).reason == .interval)
        #expect(decide(p, PollInputs(now: noon, outcome: .failed, consecutiveFailures: 2)).reason == .backoff)
        // Absurd counts do not overflow.
        #expect(decide(p, PollInputs(now: noon, outcome: .failed, consecutiveFailures: 10_000)).delay == 86_400)
    }

    @Test func backoffStartsFromTheFeedsOwnInterval() {
        let d = decide(policy(), PollInputs(now: noon, feedInterval: 120, outcome: .failed, consecutiveFailures: 3))
        #expect(d.delay == 480)
        #expect(d.next == noon + 480)
    }

    @Test func failureDelaysCountFromTheEnd() {
        let d = decide(policy(), PollInputs(now: noon, startedAt: noon - 30, outcome: .failed, consecutiveFailures: 1))
        #expect(d.next == noon + 900)
    }

    @Test func retryAfterIsAMinimum() {
        let p = policy()
        let longer = decide(p, PollInputs(now: noon, outcome: .failed, consecutiveFailures: 1, retryAfter: 7_200))
        #expect(longer.delay == 7_200)
        #expect(longer.reason == .retryAfter)
        let shorter = decide(p, PollInputs(now: noon, outcome: .failed, consecutiveFailures: 2, retryAfter: 120))
        #expect(shorter.delay == 1_800)
        #expect(shorter.reason == .backoff)
        let belowFloor = decide(policy(interval: 60), PollInputs(now: noon, outcome: .failed, consecutiveFailures: 1, retryAfter: 1))
        #expect(belowFloor.delay == 60)
    }

    @Test func retryAfterJitterIsNeverEarlier() {
        let p = policy(jitter: 0.1)
        for seed in UInt64(0)..<100 {
            let d = decide(p, PollInputs(now: noon, outcome: .failed, consecutiveFailures: 1, retryAfter: 7_200), seed: seed)
            let next = try! #require(d.next)
            #expect(next >= noon + 7_200 && next <= noon + 7_920)
        }
    }

    @Test func goneDisablesTheFeed() {
        let d = decide(policy(), PollInputs(now: noon, outcome: .gone))
        #expect(d.next == nil)
        #expect(d.reason == .gone)
    }
}

@Suite struct PollPolicySkipTests {
    private func at(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Double {
        Double(Timestamp(year: 2025, month: 11, day: day, hour: hour, minute: minute).seconds)
    }

    @Test func skipHoursAcrossMidnight() {
        // 25 Nov 21:50 + 15 min lands at 22:05, in the skipped 22–01 window: next allowed hour is 02:00 on the 26th.
        let now = at(25, 21, 50)
        let d = decide(policy(), PollInputs(now: now, outcome: .notModified, hints: hints(skipHours: [22, 23, 0, 1])))
        #expect(d.next == at(26, 2))
        #expect(d.skipped)
    }

    @Test func skipDaysAcrossTheWeekBoundary() {
        // Saturday 29 Nov 2025 10:05; Saturday (6) and Sunday (0) skipped: Monday 1 Dec 00:00
        // (with a ceiling long enough; the default 24 h would stop the push at Sunday 09:50).
        let saturday = Double(Timestamp(year: 2025, month: 11, day: 29, hour: 9, minute: 50).seconds)
        #expect(Timestamp(seconds: Int64(saturday)).components.weekday == 6)
        let d = decide(policy(ceiling: 7 * 86_400), PollInputs(now: saturday, outcome: .notModified, hints: hints(skipDays: [6, 0])))
        #expect(d.next == Double(Timestamp(year: 2025, month: 12, day: 1).seconds))
    }

    @Test func skipDaysThenHours() {
        // Sunday skipped and hours 0–5 skipped: from Sunday 30 Nov 23:00 the next poll is Monday 06:00.
        let sunday = Double(Timestamp(year: 2025, month: 11, day: 30, hour: 22, minute: 50).seconds)
        let d = decide(policy(), PollInputs(now: sunday, outcome: .notModified,
                                            hints: hints(skipHours: [0, 1, 2, 3, 4, 5], skipDays: [0])))
        #expect(d.next == Double(Timestamp(year: 2025, month: 12, day: 1, hour: 6).seconds))
    }

    @Test func unaffectedWhenOutsideTheWindow() {
        let d = decide(policy(), PollInputs(now: noon, outcome: .notModified, hints: hints(skipHours: [3, 4], skipDays: [0])))
        #expect(d.next == noon + 900)
        #expect(!d.skipped)
    }

    @Test func nonsenseSetsAreIgnored() {
        let all = decide(policy(), PollInputs(now: noon, outcome: .notModified, hints: hints(skipHours: Set(0...23))))
        #expect(all.next == noon + 900)
        let week = decide(policy(), PollInputs(now: noon, outcome: .notModified, hints: hints(skipDays: Set(0...6))))
        #expect(week.next == noon + 900)
    }

    @Test func hour24MeansMidnight() {
        let t = at(25, 23, 30)
        #expect(PollPolicy.skipping(t, hours: [24], days: [], limit: t + 86_400) == t)
        let midnight = at(26, 0, 10)
        #expect(PollPolicy.skipping(midnight, hours: [24], days: [], limit: midnight + 86_400) == at(26, 1))
    }

    @Test func skipsStopAtTheCeiling() {
        let d = decide(policy(ceiling: 7_200), PollInputs(now: at(25, 11, 50), outcome: .notModified,
                                                          hints: hints(skipHours: Set(12...20))))
        #expect(d.next == at(25, 11, 50) + 7_200)
    }

    @Test func explicitIntervalIgnoresSkips() {
        let d = decide(policy(), PollInputs(now: at(25, 21, 50), feedInterval: 900, outcome: .notModified,
                                            hints: hints(skipHours: [22, 23])))
        #expect(d.next == at(25, 22, 5))
    }
}

@Suite struct PollPolicyResumeTests {
    @Test func neverFetchedIsDueNow() {
        var rng = SplitMix64(seed: 1)
        #expect(policy().resumeTime(state: FeedPollState(), feedInterval: nil, now: noon, using: &rng) == noon)
    }

    @Test func recentlyPolledWaitsForTheRestOfItsInterval() {
        var state = FeedPollState()
        state.lastAttempt = noon - 300
        state.lastFinished = noon - 299
        var rng = SplitMix64(seed: 1)
        #expect(policy().resumeTime(state: state, feedInterval: nil, now: noon, using: &rng) == noon + 600)
    }

    @Test func overdueIsDueNow() {
        var state = FeedPollState()
        state.lastAttempt = noon - 5_000
        var rng = SplitMix64(seed: 1)
        #expect(policy().resumeTime(state: state, feedInterval: nil, now: noon, using: &rng) == noon)
    }

    @Test func failingFeedsKeepTheirBackoffAndRetryAfter() {
        var state = FeedPollState()
        state.lastAttempt = noon - 600
        state.consecutiveFailures = 3  // 4 × 15 min
        var rng = SplitMix64(seed: 1)
        #expect(policy().resumeTime(state: state, feedInterval: nil, now: noon, using: &rng) == noon - 600 + 3_600)
        state.notBefore = noon + 10_000
        #expect(policy().resumeTime(state: state, feedInterval: nil, now: noon, using: &rng) == noon + 10_000)
    }

    @Test func theCurrentIntervalApplies() {
        // Polled 5 min ago under a 1 h interval; the configuration now says 2 min: due now.
        var state = FeedPollState()
        state.lastAttempt = noon - 300
        var rng = SplitMix64(seed: 1)
        #expect(policy().resumeTime(state: state, feedInterval: 120, now: noon, using: &rng) == noon)
    }
}

extension PollInputs {
    func with(now: Double) -> PollInputs {
        var copy = self
        copy.now = now
        return copy
    }
}

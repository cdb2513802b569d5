import FeedwireCore
import Testing

@Suite struct DueHeapTests {
    @Test func popsInDueOrderWithNameTieBreak() {
        var heap = DueHeap()
        heap.schedule("c", at: 30)
        heap.schedule("a", at: 10)
        heap.schedule("b", at: 10)
        heap.schedule("d", at: 5)
        var order: [String] = []
        while let e = heap.popFirst() { order.append(e.name) }
        #expect(order == ["d", "a", "b", "c"])
    }

    @Test func rescheduleMovesBothWays() {
        var heap = DueHeap()
        for (i, n) in ["a", "b", "c", "d"].enumerated() { heap.schedule(n, at: Double(i)) }
        heap.schedule("a", at: 100)
        heap.schedule("d", at: -1)
        #expect(heap.first?.name == "d")
        #expect(heap.due(of: "a") == 100)
        #expect(heap.count == 4)
        #expect(heap.isValid())
    }

    /// Random operations against a dictionary model.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func matchesAReferenceModel(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var heap = DueHeap()
        var model: [String: Double] = [:]
        for _ in 0..<5_000 {
            let name = "f\(Int.random(in: 0..<200, using: &rng))"
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5:
                let due = Double(Int.random(in: 0..<1_000, using: &rng))
                heap.schedule(name, at: due)
                model[name] = due
            case 5..<7:
                #expect(heap.remove(name) == model.removeValue(forKey: name))
            case 7..<9:
                let expected = model.min { ($0.value, $0.key) < ($1.value, $1.key) }
                let popped = heap.popFirst()
                #expect(popped?.name == expected?.key)
                #expect(popped?.due == expected?.value)
                if let e = expected { model[e.key] = nil }
            default:
                #expect(heap.due(of: name) == model[name])
            }
            #expect(heap.count == model.count)
        }
        #expect(heap.isValid())
        var last = -Double.infinity
        while let e = heap.popFirst() {
            #expect(e.due >= last)
            last = e.due
        }
    }
}

@Suite struct DueQueueTests {
    @Test func takesOnlyDueFeedsUpToTheCap() {
        var q = DueQueue(maxInFlight: 3)
        for i in 0..<10 { q.schedule("f\(i)", at: Double(i)) }
        #expect(q.wakeTime == 0)
        let first = q.takeDue(now: 5)
        #expect(first == ["f0", "f1", "f2"])
        #expect(q.inFlightCount == 3)
        #expect(q.wakeTime == nil)  // all slots taken: a completion re-arms
        #expect(q.takeDue(now: 100).isEmpty)
        q.finish("f1", next: 50, now: 5)
        #expect(q.takeDue(now: 5) == ["f3"])
        #expect(q.isValid())
    }

    @Test func finishReschedulesUnlessDisabled() {
        var q = DueQueue(maxInFlight: 2)
        q.schedule("a", at: 0)
        q.schedule("b", at: 0)
        _ = q.takeDue(now: 0)
        #expect(q.finish("a", next: 60, now: 1) == 60)
        #expect(q.finish("b", next: nil, now: 1) == nil)
        #expect(q.isScheduled("a"))
        #expect(!q.isTracked("b"))
        #expect(q.finish("a", next: 10, now: 2) == nil)  // not in flight: ignored
        #expect(q.due(of: "a") == 60)
    }

    @Test func pollNowWhileInFlightPollsAgainRightAfter() {
        var q = DueQueue(maxInFlight: 2)
        q.schedule("a", at: 0)
        _ = q.takeDue(now: 0)
        let accepted = q.pollNow("a", now: 1)
        #expect(accepted)
        #expect(!q.isScheduled("a"))  // never twice at once
        #expect(q.finish("a", next: 900, now: 5) == 5)
    }

    @Test func pollNowMovesAWaitingFeedForward() {
        var q = DueQueue(maxInFlight: 2)
        q.schedule("a", at: 500)
        let moved = q.pollNow("a", now: 10)
        #expect(moved)
        #expect(q.due(of: "a") == 10)
        let unknown = q.pollNow("unknown", now: 10)
        #expect(!unknown)
    }

    @Test func removedWhileInFlightIsNotRescheduled() {
        var q = DueQueue(maxInFlight: 2)
        q.schedule("a", at: 0)
        _ = q.takeDue(now: 0)
        q.remove("a")
        #expect(!q.isTracked("a"))
        #expect(q.finish("a", next: 60, now: 1) == nil)
        #expect(!q.isScheduled("a"))
        #expect(q.isValid())
    }

    @Test func reAddedWhileInFlightIsRescheduledByItsCompletion() {
        var q = DueQueue(maxInFlight: 2)
        q.schedule("a", at: 0)
        _ = q.takeDue(now: 0)
        q.remove("a")
        q.schedule("a", at: 5)  // added back by a reload: the running refresh decides
        #expect(!q.isScheduled("a"))
        #expect(q.finish("a", next: 60, now: 1) == 60)
    }

    /// Random schedule/take/finish/remove/pollNow: the cap holds and no feed
    /// is ever handed out while it is in flight.
    @Test(arguments: [UInt64(11), 12, 13])
    func neverTwiceConcurrentlyAndNeverOverTheCap(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var q = DueQueue(maxInFlight: 5)
        var now = 0.0
        var running = Set<String>()
        for _ in 0..<20_000 {
            let name = "f\(Int.random(in: 0..<40, using: &rng))"
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<3:
                q.schedule(name, at: now + Double(Int.random(in: 0..<50, using: &rng)))
            case 3..<5:
                now += Double(Int.random(in: 0..<10, using: &rng))
                for taken in q.takeDue(now: now) {
                    #expect(!running.contains(taken))
                    running.insert(taken)
                }
                #expect(running.count <= 5)
            case 5..<8:
                if let done = running.randomElement(using: &rng) {
                    running.remove(done)
                    q.finish(done, next: now + Double(Int.random(in: 1..<30, using: &rng)), now: now)
                }
            case 8:
                q.remove(name)
            default:
                q.pollNow(name, now: now)
            }
            #expect(q.inFlightCount == running.count)
        }
        #expect(q.isValid())
    }
}

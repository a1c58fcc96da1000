import Testing
@testable import VitalsServer

/// The admission rule as a plain value: caps, and who makes room for a newcomer.
struct ConnectionTableTests {
    @Test func admitsUpToTheCapsThenEvictsTheLongestWaiting() {
        var table = ConnectionTable<Int>(limit: 3, perClientLimit: 3)
        #expect(table.admit(1, client: "a") == .admitted)
        #expect(table.admit(2, client: "b") == .admitted)
        #expect(table.admit(3, client: "c") == .admitted)
        // Full: the first to start waiting (1) makes room.
        #expect(table.admit(4, client: "d") == .admittedEvicting(1))
        #expect(table.count == 3)
        #expect(table.phase(of: 1) == nil)
    }

    @Test func connectionsBeingAnsweredAreNeverEvicted() {
        var table = ConnectionTable<Int>(limit: 2, perClientLimit: 2)
        _ = table.admit(1, client: "a")
        _ = table.admit(2, client: "b")
        table.set(1, .answering)
        #expect(table.admit(3, client: "c") == .admittedEvicting(2))
        table.set(3, .answering)
        #expect(table.admit(4, client: "d") == .refused)
        #expect(table.count == 2)
    }

    @Test func waitingOrderRestartsWhenAnAnswerIsSent() {
        var table = ConnectionTable<Int>(limit: 2, perClientLimit: 2)
        _ = table.admit(1, client: "a")
        _ = table.admit(2, client: "b")
        // 1 is answered and goes idle after 2 began waiting: 2 has waited longer.
        table.set(1, .answering)
        table.set(1, .idle)
        #expect(table.admit(3, client: "c") == .admittedEvicting(2))
        // Receiving → idle is still waiting on the client: the order does not restart.
        table.set(3, .idle)
        #expect(table.admit(4, client: "d") == .admittedEvicting(1))
    }

    @Test func aClientAtItsCapOnlyPushesOutItsOwnConnections() {
        var table = ConnectionTable<Int>(limit: 10, perClientLimit: 2)
        _ = table.admit(1, client: "prometheus")
        _ = table.admit(2, client: "flood")
        _ = table.admit(3, client: "flood")
        #expect(table.count(of: "flood") == 2)
        // The flood's third connection replaces its own oldest, never prometheus' one,
        // although that one has waited longest of all.
        #expect(table.admit(4, client: "flood") == .admittedEvicting(2))
        #expect(table.phase(of: 1) == .receiving)
        #expect(table.count(of: "flood") == 2)
        // All of the flood's connections being answered: its next one is refused.
        table.set(3, .answering)
        table.set(4, .answering)
        #expect(table.admit(5, client: "flood") == .refused)
        #expect(table.admit(6, client: "kubelet") == .admitted)
    }

    @Test func removingTwiceAndUnknownIdsAreHarmless() {
        var table = ConnectionTable<Int>(limit: 4, perClientLimit: 4)
        _ = table.admit(1, client: "a")
        table.remove(1)
        table.remove(1)
        table.set(1, .idle)
        table.set(99, .answering)
        #expect(table.count == 0)
        #expect(table.count(of: "a") == 0)
    }

    @Test func stalledConnectionsAreCappedAllTogether() {
        var table = ConnectionTable<Int>(limit: 10, perClientLimit: 10, stalledLimit: 2)
        for i in 1...4 { _ = table.admit(i, client: "c\(i)") }
        #expect(table.set(1, .stalled) == nil)
        #expect(table.set(2, .stalled) == nil)
        #expect(table.set(2, .stalled) == nil)
        #expect(table.stalledCount == 2)
        // A third stalls: the one stalled longest (1) is let go.
        #expect(table.set(3, .stalled) == 1)
        #expect(table.phase(of: 1) == nil)
        #expect(table.stalledCount == 2)
        // One that reads again makes room; one that closes too.
        table.set(2, .answering)
        #expect(table.set(4, .stalled) == nil)
        table.remove(3)
        #expect(table.stalledCount == 1)
        table.remove(3)
        #expect(table.stalledCount == 1)
    }

    @Test func aStalledConnectionWaitsOnItsClient() {
        var table = ConnectionTable<Int>(limit: 2, perClientLimit: 2)
        _ = table.admit(1, client: "a")
        _ = table.admit(2, client: "b")
        table.set(1, .answering)
        table.set(2, .answering)
        #expect(table.admit(3, client: "c") == .refused)
        // 2's client stops reading: a newcomer may take its place.
        table.set(2, .stalled)
        #expect(table.admit(3, client: "c") == .admittedEvicting(2))
        #expect(table.stalledCount == 0)
    }

    @Test func perClientCapNeverExceedsTheTotal() {
        let table = ConnectionTable<Int>(limit: 5, perClientLimit: 50)
        #expect(table.perClientLimit == 5)
    }
}

/// One connection's deadline: a request must arrive in full within its timeout of its first
/// byte, however it trickles; idle keep-alive has its own timeout.
struct RequestClockTests {
    let clock = RequestClock(requestTimeout: .seconds(5), idleTimeout: .seconds(60))

    @Test func aNewConnectionOwesItsRequestAtOnce() {
        #expect(clock.opened == .arm(.seconds(5)))
        #expect(clock.phase == .receiving)
    }

    @Test func tricklingBytesNeverExtendTheDeadline() {
        var c = clock
        for _ in 0..<100 { #expect(c.bytesArrived() == .keep) }
        #expect(c.phase == .receiving)
    }

    @Test func aCycleOfRequestAnswerAndIdle() {
        var c = clock
        #expect(c.requestComplete() == .cancel)
        #expect(c.phase == .answering)
        // Pipelined bytes while answering are timed once the answer is out.
        #expect(c.bytesArrived() == .keep)
        #expect(c.answerSent() == .arm(.seconds(60)))
        #expect(c.phase == .idle)
        #expect(c.bytesArrived() == .arm(.seconds(5)))
        #expect(c.phase == .receiving)
        #expect(c.bytesArrived() == .keep)
    }

    /// A client that pipelines and never reads is never idle: the stall deadline times it.
    @Test func aClientThatDoesNotReadIsTimedByTheStallDeadline() {
        var c = RequestClock(requestTimeout: .seconds(5), idleTimeout: .seconds(60), stallTimeout: .seconds(10))
        #expect(c.requestComplete() == .cancel)
        // The answer took the channel past its high water mark, then was written.
        #expect(c.writesBlocked() == .arm(.seconds(10)))
        #expect(c.phase == .stalled)
        #expect(c.answerSent() == .keep)
        // More pipelined requests: neither their bytes nor their completion lift the deadline.
        #expect(c.bytesArrived() == .keep)
        #expect(c.requestComplete() == .keep)
        #expect(c.writesBlocked() == .keep)
        #expect(c.phase == .stalled)
        // Part of a large answer went out: the client reads, slowly; the deadline starts again.
        #expect(c.writesProgressed() == .arm(.seconds(10)))
        // Writable again: the held request is answered, with no client deadline.
        #expect(c.writesResumed() == .cancel)
        #expect(c.phase == .answering)
        #expect(c.answerSent() == .arm(.seconds(60)))
        #expect(c.writesProgressed() == .keep)
        #expect(c.writesResumed() == .keep)
    }

    @Test func resumingGivesTheCyclesDeadlineFromNow() {
        var c = clock
        _ = c.requestComplete()
        _ = c.writesBlocked()
        _ = c.answerSent()
        #expect(c.writesResumed() == .arm(.seconds(60)))
        #expect(c.phase == .idle)
        _ = c.writesBlocked()
        _ = c.bytesArrived()
        #expect(c.writesResumed() == .arm(.seconds(5)))
        #expect(c.phase == .receiving)
    }
}

import Testing
import VitalsTestSupport

@testable import VitalsCore

/// The breaker in front of an endpoint's storage reads: fail fast after a failure, one trial
/// at a time after the cooldown, and no read while one still runs past its deadline.
struct ReadBreakerTests {
    typealias Instant = ManualClock.Instant
    static func at(_ s: Int) -> Instant { Instant(offset: .seconds(s)) }

    @Test func readsGoAheadWhileStorageAnswers() {
        var b = ReadBreaker<Instant>(cooldown: .seconds(5))
        #expect(b.admit(at: Self.at(0)) == nil)
        #expect(b.admit(at: Self.at(0)) == nil, "concurrent reads of a healthy store both start")
        #expect(b.running == 2)
        b.answered(failure: nil, at: Self.at(1))
        b.ended()
        b.answered(failure: nil, at: Self.at(1))
        b.ended()
        #expect(b.running == 0)
    }

    @Test func afterAFailureReadsFailFastThenOneTries() {
        var b = ReadBreaker<Instant>(cooldown: .seconds(5))
        #expect(b.admit(at: Self.at(0)) == nil)
        b.answered(failure: "postgres storage did not answer within 5 s", at: Self.at(5))
        b.ended()
        #expect(b.admit(at: Self.at(6)) == "postgres storage did not answer within 5 s")
        #expect(b.admit(at: Self.at(9)) != nil)
        // The cooldown over: one read tries; others meanwhile still fail fast.
        #expect(b.admit(at: Self.at(10)) == nil)
        #expect(b.admit(at: Self.at(10)) != nil)
        b.answered(failure: nil, at: Self.at(11))
        b.ended()
        #expect(b.admit(at: Self.at(11)) == nil, "storage is back")
    }

    @Test func noReadStartsWhileAnAbandonedOneStillRuns() {
        var b = ReadBreaker<Instant>(cooldown: .seconds(5))
        #expect(b.admit(at: Self.at(0)) == nil)
        // Its caller gave up at the deadline; the work (a hung disk) goes on.
        b.answered(failure: "sqlite storage did not answer within 5 s", at: Self.at(5))
        #expect(b.admit(at: Self.at(60)) != nil, "long past the cooldown, but the stuck read holds the connection")
        b.ended()
        #expect(b.admit(at: Self.at(61)) == nil)
    }
}

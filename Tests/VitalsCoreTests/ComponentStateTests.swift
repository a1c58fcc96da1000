import Testing
import VitalsCore

/// Hysteresis cases the contract names and no other test drove: an `unknown` judgement, and a
/// recovery made of degraded answers only.
struct ComponentStateTests {
    static func state(failures: Int, successes: Int, from judgements: [HealthStatus]) -> ComponentState {
        var s = ComponentState(failureThreshold: failures, successThreshold: successes)
        for j in judgements { _ = s.apply(j) }
        return s
    }

    @Test func unknownCountsAsAFailure() {
        var s = Self.state(failures: 2, successes: 1, from: [.healthy])
        #expect(s.apply(.unknown) == nil)
        #expect(s.status == .healthy)
        #expect(s.apply(.unknown) == .healthy)
        #expect(s.status == .unhealthy)
        // Before any result, an unknown judgement applies at once, like any first judgement.
        var fresh = ComponentState(failureThreshold: 3, successThreshold: 1)
        #expect(fresh.apply(.unknown) == .unknown)
        #expect(fresh.status == .unhealthy)
    }

    @Test func degradedAnswersAloneRecoverAfterTheSuccessThreshold() {
        var s = Self.state(failures: 1, successes: 3, from: [.healthy, .unhealthy])
        #expect(s.status == .unhealthy)
        #expect(s.apply(.degraded) == nil)
        #expect(s.apply(.degraded) == nil)
        #expect(s.status == .unhealthy)
        #expect(s.apply(.degraded) == .unhealthy)
        #expect(s.status == .degraded)
        // Between degraded and healthy it moves at once.
        #expect(s.apply(.healthy) == .degraded)
        #expect(s.status == .healthy)
    }

    @Test func aFailureInTheMiddleRestartsTheRecoveryCount() {
        var s = Self.state(failures: 1, successes: 2, from: [.unhealthy, .healthy])
        #expect(s.status == .unhealthy)
        _ = s.apply(.unknown)
        #expect(s.consecutiveSuccesses == 0)
        #expect(s.apply(.healthy) == nil)
        #expect(s.apply(.healthy) == .unhealthy)
        #expect(s.status == .healthy)
    }
}

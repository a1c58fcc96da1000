import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

@Suite struct RuleStateTests {
    let degraded30 = AlertCondition(level: .degraded, forDuration: .seconds(30), repeatInterval: .seconds(3600))

    @Test func inactivePendingFiringRepeatResolved() {
        var s = AlertRuleState()
        #expect(s.observe(.healthy, message: "ok", at: at(0), condition: degraded30) == nil)
        #expect(s.phase == .inactive)
        #expect(s.observe(.degraded, message: "slow", at: at(10), condition: degraded30) == nil)
        #expect(s.phase == .pending)
        #expect(s.pendingSince == at(10))
        #expect(s.tick(at: at(39), condition: degraded30) == nil)
        #expect(s.tick(at: at(40), condition: degraded30) == .fired)
        #expect(s.phase == .firing)
        #expect(s.firedAt == at(40))
        #expect(s.lastGoodStatus == .healthy)
        // Holding: nothing until the repeat interval.
        #expect(s.tick(at: at(41), condition: degraded30) == nil)
        #expect(s.observe(.unhealthy, message: "down", at: at(100), condition: degraded30) == nil)
        #expect(s.tick(at: at(40 + 3599), condition: degraded30) == nil)
        #expect(s.tick(at: at(40 + 3600), condition: degraded30) == .repeated)
        #expect(s.tick(at: at(40 + 3601), condition: degraded30) == nil)
        #expect(s.tick(at: at(40 + 7200), condition: degraded30) == .repeated)
        #expect(s.observe(.healthy, message: "ok", at: at(8000), condition: degraded30) == .resolved)
        #expect(s.phase == .resolved)
        #expect(s.resolvedAt == at(8000))
        #expect(s.lastBadStatus == .unhealthy)
        #expect(s.tick(at: at(20000), condition: degraded30) == nil)
        // Going bad again starts a new cycle.
        #expect(s.observe(.degraded, message: "slow", at: at(20001), condition: degraded30) == nil)
        #expect(s.phase == .pending)
        #expect(s.tick(at: at(20031), condition: degraded30) == .fired)
        #expect(s.resolvedAt == nil)
    }

    @Test func flappingInsideForNeverNotifies() {
        var s = AlertRuleState()
        var events: [AlertRuleState.Event] = []
        for i in 0..<20 {
            let status: HealthStatus = i % 2 == 0 ? .unhealthy : .healthy
            if let e = s.observe(status, message: "", at: at(Double(i) * 10), condition: degraded30) { events.append(e) }
            if let e = s.tick(at: at(Double(i) * 10 + 5), condition: degraded30) { events.append(e) }
        }
        #expect(events.isEmpty)
        #expect(s.phase == .inactive)
    }

    @Test func forZeroFiresOnFirstMatch() {
        var s = AlertRuleState()
        let c = AlertCondition(level: .unhealthy)
        #expect(s.observe(.unhealthy, message: "", at: at(0), condition: c) == .fired)
    }

    @Test func unhealthyLevelIgnoresDegraded() {
        var s = AlertRuleState()
        let c = AlertCondition(level: .unhealthy)
        #expect(s.observe(.degraded, message: "", at: at(0), condition: c) == nil)
        #expect(s.phase == .inactive)
        #expect(s.observe(.unhealthy, message: "", at: at(1), condition: c) == .fired)
        // Back to degraded clears an `unhealthy` rule.
        #expect(s.observe(.degraded, message: "", at: at(2), condition: c) == .resolved)
    }

    @Test func unknownNeverFiresNorResolves() {
        var s = AlertRuleState()
        let c = AlertCondition(level: .degraded)
        #expect(s.observe(.unknown, message: "", at: at(0), condition: c) == nil)
        #expect(s.tick(at: at(1000), condition: c) == nil)
        #expect(s.phase == .inactive)
        // Pending falls back on unknown.
        let c30 = degraded30
        var p = AlertRuleState()
        _ = p.observe(.degraded, message: "", at: at(0), condition: c30)
        #expect(p.observe(.unknown, message: "", at: at(10), condition: c30) == nil)
        #expect(p.phase == .inactive)
        #expect(p.tick(at: at(100), condition: c30) == nil)
        // Firing holds on unknown.
        #expect(s.observe(.unhealthy, message: "", at: at(2), condition: c) == .fired)
        #expect(s.observe(.unknown, message: "", at: at(3), condition: c) == nil)
        #expect(s.phase == .firing)
    }

    @Test func repeatZeroNeverRepeats() {
        var s = AlertRuleState()
        let c = AlertCondition(level: .degraded, repeatInterval: .zero)
        #expect(s.observe(.degraded, message: "", at: at(0), condition: c) == .fired)
        #expect(s.tick(at: at(1_000_000), condition: c) == nil)
    }

    @Test func clearResolvesFiringAndDropsPending() {
        var firing = AlertRuleState()
        _ = firing.observe(.unhealthy, message: "", at: at(0), condition: AlertCondition(level: .degraded))
        #expect(firing.clear(at: at(5)) == .resolved)
        #expect(firing.clear(at: at(6)) == nil)
        var pending = AlertRuleState()
        _ = pending.observe(.unhealthy, message: "", at: at(0), condition: degraded30)
        #expect(pending.clear(at: at(5)) == nil)
        #expect(pending.phase == .inactive)
    }

    @Test func roundTripsThroughCodable() throws {
        var s = AlertRuleState()
        _ = s.observe(.unhealthy, message: "x", at: at(0), condition: AlertCondition(level: .degraded))
        let data = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(AlertRuleState.self, from: data) == s)
    }

    @Test func retryPolicyBacksOffWithBoundedJitter() {
        let p = RetryPolicy(initialDelay: .seconds(1), multiplier: 2, maxDelay: .seconds(10), jitter: 0.2)
        #expect(p.delay(afterAttempt: 1, random: 0.5) == .seconds(1))
        #expect(p.delay(afterAttempt: 2, random: 0.5) == .seconds(2))
        #expect(p.delay(afterAttempt: 3, random: 0.5) == .seconds(4))
        #expect(p.delay(afterAttempt: 10, random: 0.5) == .seconds(10))
        #expect(p.delay(afterAttempt: 1, random: 0) == .milliseconds(800))
        #expect(p.delay(afterAttempt: 1, random: 0.999_999) == .milliseconds(1200))
    }
}

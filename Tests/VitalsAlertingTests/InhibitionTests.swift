import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// Inhibition (spec section 11): while an `unhealthy` rule fires for a subject, `degraded`
/// rules on it send nothing new; counted as `inhibited`; a resolve only for what was sent.
@Suite struct InhibitionTests {
    let context = NotificationContext(detailsURL: "http://vitals.test/health/detailed")
    static let warning = AlertRuleSpec(name: "slow", on: .anyComponent, when: .degraded, repeatInterval: .seconds(600), notify: ["ops"])
    static let critical = AlertRuleSpec(name: "down", on: .anyComponent, when: .unhealthy, repeatInterval: .seconds(600), notify: ["ops"])

    func book(_ rules: [AlertRuleSpec]) -> AlertBook {
        AlertBook(rules: rules, notifiers: [webhook()], maintenance: [], context: context)
    }

    func sent(_ actions: [BookAction]) -> [String] {
        actions.bodies.map { "\($0["alert"] as! String) \($0["status"] as! String)\(($0["repeat"] as? Bool) == true ? " repeat" : "")" }
    }

    @Test func anOutageSendsTheCriticalAloneAndTheWarningWhenItEasesToDegraded() {
        // The warning rule is listed first: evaluation order, not config order, decides.
        var b = book([Self.warning, Self.critical])
        #expect(sent(b.observe(input(0, [("db", .healthy)]))) == [])
        #expect(sent(b.observe(input(10, [("db", .unhealthy)]))) == ["down firing"])
        #expect(b.suppressed["slow"]?["inhibited"] == 1)
        // Repeats of the warning are held too; the critical repeats.
        #expect(sent(b.tick(at: at(610))) == ["down firing repeat"])
        #expect(b.suppressed["slow"]?["inhibited"] == 2)
        // Eases to degraded: the critical resolves and the warning, still true, goes out now.
        #expect(sent(b.observe(input(700, [("db", .degraded)]))) == ["down resolved", "slow firing"])
        #expect(sent(b.observe(input(800, [("db", .healthy)]))) == ["slow resolved"])
        #expect(b.suppressed["slow"]?["inhibited"] == 2)
        #expect(b.muted.last?.reason == "inhibited by down, firing for db")
    }

    @Test func aWarningNeverSentSendsNoResolve() {
        var b = book([Self.warning, Self.critical])
        _ = b.observe(input(0, [("db", .healthy)]))
        #expect(sent(b.observe(input(10, [("db", .unhealthy)]))) == ["down firing"])
        #expect(sent(b.observe(input(20, [("db", .healthy)]))) == ["down resolved"])
        #expect(b.suppressed["slow"]?["unsent_firing"] == 1)
    }

    @Test func aWarningSentBeforeTheOutageKeepsItsResolveButNotItsRepeats() {
        var b = book([Self.warning, Self.critical])
        _ = b.observe(input(0, [("db", .healthy)]))
        #expect(sent(b.observe(input(10, [("db", .degraded)]))) == ["slow firing"])
        #expect(sent(b.observe(input(20, [("db", .unhealthy)]))) == ["down firing"])
        #expect(sent(b.tick(at: at(620))) == ["down firing repeat"])
        #expect(b.suppressed["slow"]?["inhibited"] == 1)
        #expect(sent(b.observe(input(700, [("db", .healthy)]))) == ["down resolved", "slow resolved"])
    }

    @Test func onlyTheSameSubjectIsInhibited() {
        var b = book([Self.warning, AlertRuleSpec(name: "down", on: .component("a"), when: .unhealthy, notify: ["ops"])])
        _ = b.observe(input(0, [("a", .healthy), ("b", .healthy)]))
        #expect(sent(b.observe(input(10, [("a", .unhealthy), ("b", .degraded)]))).sorted() == ["down firing", "slow firing"])
        #expect(b.instances["slow/b"]?.firingMuted == false)
        #expect(b.instances["slow/a"]?.firingMuted == true)
    }

    @Test func inhibitFalseOnEitherRuleTurnsItOff() {
        for rules in [
            [AlertRuleSpec(name: "slow", on: .anyComponent, when: .degraded, notify: ["ops"], inhibit: false), Self.critical],
            [Self.warning, AlertRuleSpec(name: "down", on: .anyComponent, when: .unhealthy, notify: ["ops"], inhibit: false)],
        ] {
            var b = book(rules)
            _ = b.observe(input(0, [("db", .healthy)]))
            #expect(sent(b.observe(input(10, [("db", .unhealthy)]))) == ["down firing", "slow firing"])
            #expect(b.suppressed["slow"]?["inhibited"] == nil)
        }
    }

    @Test func aPendingCriticalDoesNotInhibit() {
        var b = book([Self.warning, AlertRuleSpec(name: "down", on: .anyComponent, when: .unhealthy, forDuration: .seconds(60), notify: ["ops"])])
        _ = b.observe(input(0, [("db", .healthy)]))
        #expect(sent(b.observe(input(10, [("db", .unhealthy)]))) == ["slow firing"])
        #expect(sent(b.tick(at: at(70))) == ["down firing"])
    }

    @Test func thresholdRulesInhibitOnlyOnTheSameThreshold() {
        let rules = [
            AlertRuleSpec(name: "slow", on: .anyComponent, when: .degraded, notify: ["ops"], threshold: "latency_p95"),
            AlertRuleSpec(name: "very-slow", on: .anyComponent, when: .unhealthy, notify: ["ops"], threshold: "latency_p95"),
            Self.critical,
        ]
        var b = book(rules)
        func view(_ s: Double, status: HealthStatus, p95: HealthStatus) -> AlertInput {
            AlertInput(at: at(s), serviceStatus: status, components: [
                AlertInput.Component(name: "db", status: status, thresholds: ["latency_p95": Judgement(status: p95, reason: "latency_p95 \(p95.rawValue)")])
            ])
        }
        _ = b.observe(view(0, status: .healthy, p95: .healthy))
        // The status rule firing does not hold back a threshold rule: they watch different things.
        #expect(sent(b.observe(view(10, status: .unhealthy, p95: .degraded))).sorted() == ["down firing", "slow firing"])
        #expect(sent(b.observe(view(20, status: .unhealthy, p95: .unhealthy))) == ["very-slow firing"])
        #expect(sent(b.observe(view(30, status: .healthy, p95: .healthy))).sorted() == ["down resolved", "slow resolved", "very-slow resolved"])
        _ = b.observe(view(40, status: .healthy, p95: .unhealthy))
        #expect(b.instances["slow/db"]?.firingMuted == true)
        #expect(b.suppressed["slow"]?["inhibited"] == 1)
    }
}

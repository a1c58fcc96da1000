import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

@Suite struct AlertBookTests {
    let context = NotificationContext(detailsURL: "http://vitals.test/health/detailed")

    func book(_ rules: [AlertRuleSpec], notifiers: [NotifierSpec] = [webhook()], maintenance: [MaintenanceWindowSpec] = []) -> AlertBook {
        AlertBook(rules: rules, notifiers: notifiers, maintenance: maintenance, context: context)
    }

    @Test func serviceRuleFiresOnceRepeatsAndResolves() {
        var b = book([AlertRuleSpec(name: "svc", on: .service, when: .degraded, forDuration: .seconds(30), repeatInterval: .seconds(600), notify: ["ops"])])
        #expect(b.observe(input(0, service: .healthy, [("db", .healthy)])).deliveries.isEmpty)
        #expect(b.observe(input(10, service: .degraded, [("db", .degraded)])).deliveries.isEmpty)
        // The same view again changes nothing.
        #expect(b.observe(input(20, service: .degraded, [("db", .degraded)])).deliveries.isEmpty)
        let fired = b.tick(at: at(40))
        #expect(fired.deliveries.count == 1)
        let body = fired.bodies[0]
        #expect(body["status"] as? String == "firing")
        #expect(body["alert"] as? String == "svc")
        #expect(body["subject"] as? String == "service")
        #expect(body["previous_status"] as? String == "healthy")
        #expect(body["current_status"] as? String == "degraded")
        #expect((body["failing"] as? [[String: Any]])?.first?["component"] as? String == "db")
        #expect(b.tick(at: at(41)).deliveries.isEmpty)
        #expect(b.tick(at: at(639)).deliveries.isEmpty)
        let repeated = b.tick(at: at(640))
        #expect(repeated.bodies.first?["repeat"] as? Bool == true)
        #expect(b.tick(at: at(641)).deliveries.isEmpty)
        let resolved = b.observe(input(700, service: .healthy, [("db", .healthy)]))
        #expect(resolved.bodies.count == 1)
        #expect(resolved.bodies[0]["status"] as? String == "resolved")
        #expect(resolved.bodies[0]["previous_status"] as? String == "degraded")
        #expect(resolved.bodies[0]["current_status"] as? String == "healthy")
        #expect(resolved.bodies[0]["endsAt"] as? String == RFC3339.string(at(700)))
        #expect(b.tick(at: at(800)).deliveries.isEmpty)
        #expect(b.observe(input(900, service: .healthy, [("db", .healthy)])).deliveries.isEmpty)
    }

    @Test func serviceRuleWaitsForStartup() {
        var b = book([AlertRuleSpec(name: "svc", on: .service, when: .unhealthy, notify: ["ops"])])
        #expect(b.observe(input(0, service: .unknown, [("db", .unknown)])).deliveries.isEmpty)
        #expect(b.instances.isEmpty)
    }

    @Test func anyComponentInstancesAreIndependent() {
        var b = book([AlertRuleSpec(name: "down", on: .anyComponent, when: .unhealthy, forDuration: .seconds(20), repeatInterval: .zero, notify: ["ops"])])
        _ = b.observe(input(0, [("a", .unhealthy), ("b", .healthy), ("c", .healthy)]))
        _ = b.observe(input(10, [("a", .unhealthy), ("b", .unhealthy), ("c", .healthy)]))
        let first = b.tick(at: at(20))
        #expect(first.bodies.map { $0["subject"] as? String } == ["a"])
        let second = b.tick(at: at(30))
        #expect(second.bodies.map { $0["subject"] as? String } == ["b"])
        // a recovers, b keeps firing, c never had an instance.
        let recovered = b.observe(input(40, [("a", .healthy), ("b", .unhealthy), ("c", .healthy)]))
        #expect(recovered.bodies.map { $0["subject"] as? String } == ["a"])
        #expect(recovered.bodies.map { $0["status"] as? String } == ["resolved"])
        #expect(b.instances["down/b"]?.state.phase == .firing)
        #expect(b.instances["down/c"] == nil)
        // Removing component b from the config resolves its alert.
        let removed = b.observe(input(50, [("a", .healthy), ("c", .healthy)]))
        #expect(removed.bodies.map { $0["subject"] as? String } == ["b"])
        #expect((removed.bodies.first?["message"] as? String)?.contains("no longer configured") == true)
        #expect(b.firingCounts["down"] == 0)
    }

    @Test func reloadRemovingAFiringRuleSendsItsResolve() {
        var b = book([
            AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, notify: ["ops"]),
            AlertRuleSpec(name: "other", on: .service, when: .unhealthy, notify: ["ops"]),
        ])
        #expect(b.observe(input(0, service: .degraded, [("db", .unhealthy)])).deliveries.count == 1)
        let actions = b.reload(rules: [AlertRuleSpec(name: "other", on: .service, when: .unhealthy, notify: ["ops"])], notifiers: [webhook()], maintenance: [], at: at(10))
        #expect(actions.bodies.count == 1)
        #expect(actions.bodies[0]["status"] as? String == "resolved")
        #expect(actions.bodies[0]["alert"] as? String == "db-down")
        #expect((actions.bodies[0]["message"] as? String)?.contains("removed") == true)
        #expect(b.instances["db-down/db"]?.state.phase == .resolved)
        // Still unhealthy, but the rule is gone: nothing more.
        #expect(b.observe(input(20, service: .degraded, [("db", .unhealthy)])).deliveries.isEmpty)
    }

    @Test func reloadKeepsStateOfUnchangedRules() {
        let rule = AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, notify: ["ops"])
        var b = book([rule])
        #expect(b.observe(input(0, [("db", .unhealthy)])).deliveries.count == 1)
        #expect(b.reload(rules: [rule], notifiers: [webhook()], maintenance: [], at: at(10)).deliveries.isEmpty)
        #expect(b.instances["db-down/db"]?.state.phase == .firing)
    }

    @Test func reloadAddingARuleEvaluatesTheLastView() {
        var b = book([])
        _ = b.observe(input(0, [("db", .unhealthy)]))
        let actions = b.reload(rules: [AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, notify: ["ops"])], notifiers: [webhook()], maintenance: [], at: at(5))
        #expect(actions.deliveries.count == 1)
    }

    @Test func maintenanceMutesFiringRecordsItAndSendsWhenTheWindowEnds() {
        // Window: every day 00:00 UTC for 1h; t0 is 2026-11-18T... pick a window around t0.
        let cal = Calendar(identifier: .gregorian)
        let parts = cal.dateComponents(in: TimeZone(identifier: "UTC")!, from: t0)
        let window = MaintenanceWindowSpec(components: ["db"], weekday: nil, hour: parts.hour!, minute: parts.minute!, duration: .seconds(3600))
        let startOffset = -Double(parts.second!)  // window started at the top of t0's minute
        var b = book([AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, repeatInterval: .zero, notify: ["ops"])], maintenance: [window])
        #expect(b.observe(input(0, [("db", .unhealthy)])).deliveries.isEmpty)
        #expect(b.muted.count == 1)
        #expect(b.muted[0].kind == .firing)
        #expect(b.muted[0].reason.contains("maintenance window"))
        #expect(b.instances["db-down/db"]?.firingMuted == true)
        #expect(b.tick(at: at(3000)).deliveries.isEmpty)
        // The window ends while still firing: the firing goes out then.
        let late = b.tick(at: at(3600 + startOffset))
        #expect(late.bodies.map { $0["status"] as? String } == ["firing"])
        #expect(b.observe(input(4000, [("db", .healthy)])).bodies.map { $0["status"] as? String } == ["resolved"])
    }

    @Test func resolveOfAMutedFiringIsMutedToo() {
        let window = MaintenanceWindowSpec(components: [], weekday: nil, hour: 0, minute: 0, duration: .seconds(86_400))
        var b = book([AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, notify: ["ops"])], maintenance: [window])
        #expect(b.observe(input(0, [("db", .unhealthy)])).deliveries.isEmpty)
        #expect(b.observe(input(10, [("db", .healthy)])).deliveries.isEmpty)
        #expect(b.muted.map(\.kind) == [.firing, .resolved])
    }

    /// A flapping component under `max_per_hour: 2`: two firings go out, the third is held
    /// back (and its resolve, which would clear what no receiver heard of); resolves of sent
    /// firings always go; once the hour allows, a still-firing alert is sent.
    @Test func maxPerHourHoldsBackFiringsOfAFlappingComponent() {
        var b = book([AlertRuleSpec(name: "DbDown", on: .anyComponent, when: .unhealthy, repeatInterval: .zero, notify: ["ops"], maxPerHour: 2)])
        var statuses: [String?] = []
        for (i, status) in [HealthStatus.unhealthy, .healthy, .unhealthy, .healthy, .unhealthy, .healthy, .unhealthy].enumerated() {
            statuses += b.observe(input(Double(i) * 60, [("db", status)])).bodies.map { $0["status"] as? String }
        }
        #expect(statuses == ["firing", "resolved", "firing", "resolved"])
        #expect(b.muted.map(\.kind) == [.firing, .resolved, .firing])
        #expect(b.muted[0].reason == "max_per_hour 2 reached")
        #expect(b.suppressed["DbDown"] == ["rate_limit": 2, "unsent_firing": 1])
        // Still firing at 360 s; the first firing (0 s) leaves the hour at 3600 s.
        #expect(b.tick(at: at(3599)).deliveries.isEmpty)
        #expect(b.tick(at: at(3600)).bodies.map { $0["status"] as? String } == ["firing"])
        #expect(b.observe(input(3700, [("db", .healthy)])).bodies.map { $0["status"] as? String } == ["resolved"])
    }

    /// Repeats count against the limit too; over it they are held back and counted.
    @Test func maxPerHourCountsRepeats() {
        var b = book([AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, repeatInterval: .seconds(600), notify: ["ops"], maxPerHour: 3)])
        var sent = b.observe(input(0, [("db", .unhealthy)])).deliveries.count
        for t in stride(from: 600.0, through: 3000, by: 600) { sent += b.tick(at: at(t)).deliveries.count }
        // Firing at 0 s, repeats at 600 s and 1,200 s; those at 1,800, 2,400 and 3,000 s are held.
        #expect(sent == 3)
        #expect(b.muted.map(\.kind) == [.repeat, .repeat, .repeat])
        #expect(b.suppressed["db-down"]?["rate_limit"] == 3)
        let metrics = AlertMetrics.render(book: b, depths: [:])
        #expect(metrics.contains(#"vitals_alerts_suppressed_total{alert="db-down",reason="rate_limit"} 3"#))
    }

    @Test func restoreResendsOnlyUnconfirmedNotifications() {
        let rules = [AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, notify: ["ops", "team"])]
        let notifiers = [webhook("ops"), webhook("team")]
        var b = book(rules, notifiers: notifiers)
        let fired = b.observe(input(0, [("db", .unhealthy)]))
        #expect(fired.deliveries.map(\.notifier) == ["ops", "team"])
        let id = fired.deliveries[0].delivery.eventID
        _ = b.record(AttemptReport(notifier: "ops", instanceKey: "db-down/db", eventID: id, kind: .firing, attempt: 1, at: at(1), result: .delivered(status: 200)))
        let saved = Array(b.instances.values)

        var restarted = book(rules, notifiers: notifiers)
        let resent = restarted.restore(saved, at: at(100))
        #expect(resent.deliveries.map(\.notifier) == ["team"])
        // Still unhealthy after the restart: no second firing.
        #expect(restarted.observe(input(101, [("db", .unhealthy)])).deliveries.isEmpty)
        #expect(restarted.observe(input(102, [("db", .healthy)])).bodies.map { $0["status"] as? String } == ["resolved", "resolved"])
    }

    /// The service lock moves between sharded replicas: the new holder continues the firing
    /// service alert from the saved state (no second firing, the resolve still sent), and the
    /// old holder forgets it (no repeat from it). Without the adoption the new holder would
    /// fire again, which is what this guards against.
    @Test func aNewServiceLockHolderContinuesTheServiceAlert() {
        let rules = [
            AlertRuleSpec(name: "svc", on: .service, when: .unhealthy, repeatInterval: .seconds(600), notify: ["ops"]),
            AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, notify: ["ops"]),
        ]
        var holder = book(rules)
        let fired = holder.observe(input(0, service: .unhealthy, [("db", .unhealthy)]))
        #expect(fired.bodies.map { $0["alert"] as? String } == ["svc", "db-down"])
        for d in fired.deliveries {
            _ = holder.record(AttemptReport(notifier: "ops", instanceKey: d.delivery.instanceKey, eventID: d.delivery.eventID, kind: .firing, attempt: 1, at: at(1), result: .delivered(status: 200)))
        }
        let saved = Array(holder.instances.values)

        var fresh = book(rules)
        #expect(fresh.observe(input(10, service: .unhealthy)).bodies.map { $0["status"] as? String } == ["firing"], "the failure this prevents")

        var successor = book(rules)
        #expect(successor.adoptService(saved, at: at(10)).deliveries.isEmpty)
        #expect(successor.instances.keys.sorted() == ["svc/service"], "only the service alert is adopted")
        #expect(successor.observe(input(11, service: .unhealthy)).deliveries.isEmpty)
        // Still firing: the successor repeats it, the old holder no longer does.
        holder.releaseService()
        #expect(holder.tick(at: at(600)).deliveries.isEmpty)
        #expect(holder.instances.keys.sorted() == ["db-down/db"])
        #expect(successor.tick(at: at(600)).bodies.map { $0["repeat"] as? Bool } == [true])
        #expect(successor.observe(input(700, service: .healthy)).bodies.map { $0["status"] as? String } == ["resolved"])
    }

    /// An adoption takes the saved state over whatever the replica held before: a service alert
    /// resolved elsewhere while this replica was not holding the lock is not resolved twice.
    @Test func adoptionReplacesTheServiceAlertsHeldBefore() {
        let rules = [AlertRuleSpec(name: "svc", on: .service, when: .unhealthy, notify: ["ops"])]
        var b = book(rules)
        let fired = b.observe(input(0, service: .unhealthy))
        for d in fired.deliveries {
            _ = b.record(AttemptReport(notifier: "ops", instanceKey: d.delivery.instanceKey, eventID: d.delivery.eventID, kind: .firing, attempt: 1, at: at(1), result: .delivered(status: 200)))
        }
        #expect(b.adoptService([], at: at(100)).isEmpty)
        #expect(b.instances.isEmpty)
        #expect(b.observe(input(101, service: .healthy)).deliveries.isEmpty)
    }

    /// A component moves between fleet members: the old owner drops its alert without a word
    /// and no longer steps or clears it (it leaves that member's store: no "no longer
    /// configured" resolve); the new owner continues it from the saved state. One firing, one
    /// resolve, across the move.
    @Test func aFleetMemberTakingAComponentOverContinuesItsAlert() {
        let rules = [
            AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, repeatInterval: .seconds(600), notify: ["ops"]),
            AlertRuleSpec(name: "any-down", on: .anyComponent, when: .unhealthy, notify: ["ops"]),
        ]
        var owner = book(rules)
        owner.evaluateOnlyAdopted()
        // Owning nothing yet: nothing is evaluated.
        #expect(owner.observe(input(0, [("db", .unhealthy)])).deliveries.isEmpty)
        _ = owner.adoptComponents(["db"], [], at: at(1))
        let fired = owner.observe(input(2, [("db", .unhealthy)]))
        #expect(fired.bodies.map { $0["alert"] as? String } == ["db-down", "any-down"])
        for d in fired.deliveries {
            _ = owner.record(AttemptReport(notifier: "ops", instanceKey: d.delivery.instanceKey, eventID: d.delivery.eventID, kind: .firing, attempt: 1, at: at(3), result: .delivered(status: 200)))
        }
        let saved = Array(owner.instances.values)

        // The component goes to another member: the old owner says nothing, now or later.
        owner.releaseComponents(["db"])
        #expect(owner.instances.isEmpty)
        #expect(owner.observe(input(10, [])).deliveries.isEmpty)
        #expect(owner.observe(input(11, [("db", .unhealthy)])).deliveries.isEmpty)
        #expect(owner.tick(at: at(700)).deliveries.isEmpty)

        var successor = book(rules)
        successor.evaluateOnlyAdopted()
        #expect(successor.adoptComponents(["db"], saved, at: at(10)).deliveries.isEmpty)
        #expect(successor.observe(input(11, [("db", .unhealthy)])).deliveries.isEmpty)
        #expect(successor.tick(at: at(602)).bodies.map { $0["repeat"] as? Bool } == [true])
        #expect(successor.observe(input(700, [("db", .healthy)])).bodies.map { $0["status"] as? String } == ["resolved", "resolved"])
    }

    @Test func alertmanagerIsRepostedEveryMinuteWhileFiring() throws {
        let am = NotifierSpec(name: "am", kind: .alertmanager, url: Secret("http://127.0.0.1:9093/"))
        var b = book([AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, notify: ["am"])], notifiers: [am])
        let fired = b.observe(input(0, [("db", .unhealthy)]))
        #expect(fired.deliveries.count == 1)
        #expect(b.tick(at: at(59)).deliveries.isEmpty)
        let refresh = b.tick(at: at(60)).deliveries
        #expect(refresh.map(\.delivery.kind) == [.refresh])
        #expect(refresh[0].delivery.eventID == nil)
        let alerts = try JSONDecoder().decode([AlertmanagerAlert].self, from: Data(refresh[0].delivery.body))
        #expect(alerts[0].endsAt == RFC3339.string(at(60 + 240)))
        #expect(alerts[0].startsAt == RFC3339.string(at(0)))
        #expect(b.tick(at: at(119)).deliveries.isEmpty)
        #expect(b.tick(at: at(120)).deliveries.count == 1)
        let resolved = b.observe(input(130, [("db", .healthy)])).deliveries
        let end = try JSONDecoder().decode([AlertmanagerAlert].self, from: Data(resolved[0].delivery.body))
        #expect(end[0].endsAt == RFC3339.string(at(130)))
        #expect(b.tick(at: at(500)).deliveries.isEmpty)
    }

    @Test func resolvedAlertsAreForgottenAfterRetentionOnceConfirmed() {
        var b = book([AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, notify: ["ops"])])
        let fired = b.observe(input(0, [("db", .unhealthy)]))
        let resolved = b.observe(input(10, [("db", .healthy)]))
        for d in (fired.deliveries + resolved.deliveries) {
            _ = b.record(AttemptReport(notifier: "ops", instanceKey: d.delivery.instanceKey, eventID: d.delivery.eventID, kind: d.delivery.kind, attempt: 1, at: at(11), result: .delivered(status: 200)))
        }
        #expect(b.tick(at: at(3000)).isEmpty)
        let gc = b.tick(at: at(10 + 3600))
        #expect(gc.contains { if case .forget(key: "db-down/db", isService: false) = $0 { true } else { false } })
        #expect(b.instances.isEmpty)
    }

    @Test func dropsAndFailuresAreCounted() {
        var b = book([AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, notify: ["ops"])])
        _ = b.observe(input(0, [("db", .unhealthy)]))
        _ = b.record(AttemptReport(notifier: "ops", instanceKey: "db-down/db", eventID: 1, kind: .firing, attempt: 1, at: at(1), result: .failed(status: 500, error: "HTTP 500")))
        _ = b.record(AttemptReport(notifier: "ops", instanceKey: "db-down/db", eventID: 1, kind: .firing, attempt: 2, at: at(2), result: .gaveUp(status: 500, error: "HTTP 500")))
        _ = b.record(AttemptReport(notifier: "ops", instanceKey: "db-down/db", eventID: 1, kind: .firing, attempt: 0, at: at(3), result: .dropped))
        #expect(b.sent["ops"]?["failure"] == 2)
        #expect(b.dropped["ops"] == 1)
        #expect(b.failedNotifications["ops"] == 2)
        #expect(b.attempts["db-down/db"]?.map(\.outcome) == ["failure", "gave_up", "dropped"])
        #expect(b.instances["db-down/db"]?.acked["ops"] == 1)
    }
}

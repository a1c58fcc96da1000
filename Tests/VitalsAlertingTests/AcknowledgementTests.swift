import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// Acknowledging a firing alert (`POST /api/v1/alerts/ID/ack`): its repeats stop, its resolve is
/// still sent, `/alerts` says who took it, and it lasts until the alert fires again.
@Suite struct AcknowledgementTests {
    let context = NotificationContext(detailsURL: "http://vitals.test/health/detailed")

    func book(_ rules: [AlertRuleSpec], maintenance: [MaintenanceWindowSpec] = []) -> AlertBook {
        AlertBook(rules: rules, notifiers: [webhook()], maintenance: maintenance, context: context)
    }

    /// `db-down` on component `db`, repeating every 10 minutes.
    let repeating = AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, repeatInterval: .seconds(600), notify: ["ops"])

    @Test func anAcknowledgedAlertStopsRepeatingAndStillResolves() throws {
        var b = book([repeating])
        #expect(b.observe(input(0, [("db", .unhealthy)])).bodies.map { $0["status"] as? String } == ["firing"])
        #expect(b.tick(at: at(600)).bodies.map { $0["repeat"] as? Bool } == [true])
        let acked = b.acknowledge(id: "db-down:db", by: "alice", comment: "on it", at: at(700))
        let (instance, actions) = try #require(acked)
        #expect(instance.acknowledgement == Acknowledgement(by: "alice", comment: "on it", at: at(700)))
        #expect(actions.persisted.map(\.acknowledgement?.by) == ["alice"], "the ack must reach storage")
        #expect(actions.deliveries.isEmpty)
        for t in [1200.0, 1800, 3600, 7200] { #expect(b.tick(at: at(t)).deliveries.isEmpty, "a repeat went out at \(t)s after the ack") }
        #expect(b.observe(input(7300, [("db", .unhealthy)])).deliveries.isEmpty)
        let resolved = b.observe(input(7400, [("db", .healthy)]))
        #expect(resolved.bodies.map { $0["status"] as? String } == ["resolved"])
        // The record of who handled it stays with the resolved alert.
        #expect(b.instances["db-down/db"]?.acknowledgement?.by == "alice")
    }

    /// Without the ack the same timeline repeats: the test above fails for the right reason.
    @Test func withoutAnAcknowledgementTheAlertRepeats() {
        var b = book([repeating])
        _ = b.observe(input(0, [("db", .unhealthy)]))
        let repeats = [600.0, 1200, 1800].flatMap { b.tick(at: at($0)).bodies }
        #expect(repeats.count == 3)
    }

    @Test func onlyAFiringAlertCanBeAcknowledged() {
        var b = book([
            AlertRuleSpec(name: "slow", on: .component("db"), when: .unhealthy, forDuration: .seconds(60), notify: ["ops"]),
            repeating,
        ])
        _ = b.observe(input(0, [("db", .unhealthy)]))
        #expect(b.instances["slow/db"]?.state.phase == .pending)
        #expect(b.acknowledge(id: "slow:db", by: "alice", comment: "", at: at(1)) == nil, "pending")
        #expect(b.acknowledge(id: "nope:db", by: "alice", comment: "", at: at(1)) == nil, "unknown rule")
        #expect(b.acknowledge(id: "db-down:other", by: "alice", comment: "", at: at(1)) == nil, "unknown subject")
        for malformed in ["db-down", "db-down/db", ":db", "db-down:", "db-down:db:x", ""] {
            #expect(b.acknowledge(id: malformed, by: "alice", comment: "", at: at(1)) == nil, "\(malformed)")
        }
        _ = b.observe(input(10, [("db", .healthy)]))
        #expect(b.instances["db-down/db"]?.state.phase == .resolved)
        #expect(b.acknowledge(id: "db-down:db", by: "alice", comment: "", at: at(11)) == nil, "resolved")
        #expect(b.instances.values.allSatisfy { $0.acknowledgement == nil })
    }

    /// Firing again after a resolve is a new incident: nobody has taken it, it repeats again.
    @Test func aRefiringIsANewAlert() throws {
        var b = book([repeating])
        _ = b.observe(input(0, [("db", .unhealthy)]))
        let acked = b.acknowledge(id: "db-down:db", by: "alice", comment: "", at: at(10))
        _ = try #require(acked)
        _ = b.observe(input(20, [("db", .healthy)]))
        #expect(b.observe(input(30, [("db", .unhealthy)])).bodies.map { $0["status"] as? String } == ["firing"])
        #expect(b.instances["db-down/db"]?.acknowledgement == nil)
        #expect(b.tick(at: at(630)).bodies.map { $0["repeat"] as? Bool } == [true])
    }

    /// Acknowledging again records the newer person and comment (an on-call handover).
    @Test func aSecondAcknowledgementReplacesTheFirst() throws {
        var b = book([repeating])
        _ = b.observe(input(0, [("db", .unhealthy)]))
        let acked = b.acknowledge(id: "db-down:db", by: "alice", comment: "looking", at: at(10))
        _ = try #require(acked)
        let again = b.acknowledge(id: "db-down:db", by: "bob", comment: "taking over", at: at(20))
        let (instance, _) = try #require(again)
        #expect(instance.acknowledgement == Acknowledgement(by: "bob", comment: "taking over", at: at(20)))
    }

    /// A firing held back by a maintenance window that someone already took is not sent when the
    /// window ends (nor is its resolve: no receiver heard of it).
    @Test func anAcknowledgedHeldBackFiringIsNotSentLater() throws {
        let cal = Calendar(identifier: .gregorian)
        let parts = cal.dateComponents(in: TimeZone(identifier: "UTC")!, from: t0)
        let window = MaintenanceWindowSpec(components: ["db"], weekday: nil, hour: parts.hour!, minute: parts.minute!, duration: .seconds(600))
        var b = book([repeating], maintenance: [window])
        #expect(b.observe(input(0, [("db", .unhealthy)])).deliveries.isEmpty)
        let acked = b.acknowledge(id: "db-down:db", by: "alice", comment: "expected during the upgrade", at: at(60))
        _ = try #require(acked)
        #expect(b.tick(at: at(900)).deliveries.isEmpty)
        #expect(b.observe(input(1000, [("db", .healthy)])).deliveries.isEmpty)
    }

    /// The acknowledgement is part of the saved state: a restarted book keeps it (no repeats), and
    /// state saved before acknowledgements existed still loads.
    @Test func theAcknowledgementSurvivesARestore() throws {
        var b = book([repeating])
        _ = b.observe(input(0, [("db", .unhealthy)]))
        let acked = b.acknowledge(id: "db-down:db", by: "alice", comment: "on it", at: at(10))
        let (instance, _) = try #require(acked)
        let saved = try JSONDecoder().decode(AlertInstance.self, from: JSONEncoder().encode(instance))
        var restarted = book([repeating])
        _ = restarted.restore([saved], at: at(20))
        #expect(restarted.instances["db-down/db"]?.acknowledgement?.by == "alice")
        #expect(restarted.tick(at: at(1200)).deliveries.isEmpty)

        var old = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(instance)) as? [String: Any])
        old["acknowledgement"] = nil
        let legacy = try JSONDecoder().decode(AlertInstance.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(legacy.acknowledgement == nil)
    }

    /// `/alerts` lists the id a client acknowledges with and who took the alert, with the
    /// client's text JSON-escaped.
    @Test func alertsShowTheIDAndTheAcknowledgement() throws {
        var b = book([repeating])
        _ = b.observe(input(0, [("db", .unhealthy)]))
        let comment = "INC-42 \"db\" </script>\nline two"
        let acked = b.acknowledge(id: "db-down:db", by: "alice@example.com", comment: comment, at: at(10))
        _ = try #require(acked)
        let text = String(decoding: AlertsView(book: b, depths: [:], persistErrors: 0, lastPersistError: nil).json(now: at(20)), as: UTF8.self)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let alert = try #require((body["alerts"] as? [[String: Any]])?.first)
        #expect(alert["id"] as? String == "db-down:db")
        #expect(alert["state"] as? String == "firing")
        let ack = try #require(alert["acknowledged"] as? [String: Any])
        #expect(ack["by"] as? String == "alice@example.com")
        #expect(ack["comment"] as? String == comment)
        #expect(ack["at"] as? String == RFC3339.string(at(10)))
        #expect(!text.contains("\nline two"), "a raw newline in the JSON")
    }

    @Test func unacknowledgedAlertsSayNull() throws {
        var b = book([repeating])
        _ = b.observe(input(0, [("db", .unhealthy)]))
        let text = String(decoding: AlertsView(book: b, depths: [:], persistErrors: 0, lastPersistError: nil).json(now: at(20)), as: UTF8.self)
        #expect(text.contains("\"acknowledged\":null"))
        #expect(text.contains("\"id\":\"db-down:db\""))
    }
}

extension EngineTests {
    /// Through the engine: the ack answers with the alert, reaches storage, and a restarted
    /// engine on the same storage still has it.
    @Test func anAcknowledgementReachesStorageAndSurvivesARestart() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.close() }
        let clock = ManualClock()
        let storage = TestStorage(persistent: true)
        let first = engine(receiver.url, storage: storage, clock: clock)
        let run1 = Task { await first.run() }
        await first.started()
        #expect(first.acknowledge(id: "db-down:db", by: "alice", comment: "") == .notFiring)
        first.observe(observation(clock, .unhealthy))
        _ = await receiver.waitFor(1)
        guard case .acknowledged(let json) = first.acknowledge(id: "db-down:db", by: "alice", comment: "on it") else {
            Issue.record("a firing alert was not acknowledged")
            return
        }
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(entry["id"] as? String == "db-down:db")
        #expect((entry["acknowledged"] as? [String: Any])?["by"] as? String == "alice")
        await first.drained()
        await first.flush()
        run1.cancel()
        await run1.value

        let second = engine(receiver.url, storage: storage, clock: clock)
        let run2 = Task { await second.run() }
        defer { run2.cancel() }
        await second.started()
        #expect(second.alertsJSON().contains(#""acknowledged":{"at":"#), "\(second.alertsJSON())")
        #expect(second.alertsJSON().contains(#""by":"alice""#))
    }
}

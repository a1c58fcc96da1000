import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// Against a real Alertmanager when `VITALS_TEST_ALERTMANAGER=http://127.0.0.1:PORT` is set
/// (`make test` starts one; there a missing server fails, through `TestEnvironment.require`).
@Suite struct AlertmanagerTests {
    static let available = TestEnvironment.required || ProcessInfo.processInfo.environment["VITALS_TEST_ALERTMANAGER"] != nil

    func alerts(_ base: String) async throws -> [[String: Any]] {
        let (status, body) = try #require(await LoopbackTransport.get(base + "/api/v2/alerts"))
        #expect(status == 200)
        return try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
    }

    /// In each style an alert name is written in (kebab, snake, Prometheus' CamelCase), sent as written.
    @Test(.enabled(if: available, "VITALS_TEST_ALERTMANAGER is not set (run `make test`)"), arguments: ["vitals-test-", "vitals_test_", "VitalsTest"])
    func firesAndResolvesAgainstAlertmanager(prefix: String) async throws {
        let base = try TestEnvironment.require("VITALS_TEST_ALERTMANAGER")
        let name = prefix + "\(UInt32.random(in: 0...UInt32.max))"
        let clock = ManualClock(epoch: Date())
        let e = AlertEngine(
            rules: [AlertRuleSpec(name: name, on: .anyComponent, when: .unhealthy, notify: ["am"])],
            notifiers: [NotifierSpec(name: "am", kind: .alertmanager, url: Secret(base + "/"))],
            context: NotificationContext(detailsURL: "http://vitals.test/health/detailed", serviceName: "vitals-tests"),
            storage: TestStorage(persistent: false), transport: LoopbackTransport(), clock: clock, options: .init(tickInterval: nil),
            now: { Date() })
        let running = Task { await e.run() }
        defer { running.cancel() }
        await e.started()
        e.observe(AlertInput(at: Date(), serviceStatus: .degraded, components: [.init(name: "orders-db", status: .unhealthy, message: "timeout after 2s")]))
        await e.drained()
        let ours = try await alerts(base).filter { ($0["labels"] as? [String: String])?["alertname"] == name }
        #expect(ours.count == 1)
        let labels = try #require(ours.first?["labels"] as? [String: String])
        #expect(labels == ["alertname": name, "component": "orders-db", "severity": "critical", "service": "vitals-tests"])
        #expect((ours.first?["status"] as? [String: Any])?["state"] as? String == "active")
        #expect((ours.first?["annotations"] as? [String: String])?["summary"] == "orders-db is unhealthy")
        #expect(e.alertsJSON().contains("\"outcome\":\"success\""))

        e.observe(AlertInput(at: Date(), serviceStatus: .healthy, components: [.init(name: "orders-db", status: .healthy)]))
        await e.drained()
        // Resolved: Alertmanager no longer lists it as active (its endsAt has passed).
        let after = try await alerts(base).filter { ($0["labels"] as? [String: String])?["alertname"] == name }
        for alert in after {
            let text = try #require(alert["endsAt"] as? String)
            let ends = try #require(RFC3339.date(text))
            #expect(ends <= Date())
        }
    }
}

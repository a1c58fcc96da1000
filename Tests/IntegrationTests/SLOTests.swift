import Foundation
import Testing
import VitalsTestSupport

/// `slo:` in a running daemon with SQLite: the API and the metrics show the objective, the
/// budget and the burn rates from what was stored, and a target that goes down consumes the
/// budget; a restart keeps the figures (they come from the roll-ups, not from memory).
struct SLODaemonTests {
    static func config(_ target: TCPTarget, sqlite path: String) -> String {
        """
        defaults: { interval: 200ms, timeout: 150ms, failure_threshold: 1 }
        storage: { type: sqlite, path: "\(path)" }
        components:
          - name: checkout
            type: tcp
            address: "127.0.0.1:\(target.port)"
            slo: { objective: 99.9, window: 7d }
          - { name: plain, type: tcp, address: "127.0.0.1:\(target.port)" }

        """
    }

    static func json(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test func apiAndMetricsShowTheBudgetAndARestartKeepsIt() async throws {
        let target = try TCPTarget()
        try target.open()
        let dir = ScratchFolder()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("vitals.db").path
        var vitals = try VitalsProcess(configBody: Self.config(target, sqlite: path))
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        try await vitals.waitFor("/health/ready") { s, _ in s == 503 }
        // Down for a while: bad seconds reach the stored roll-ups (written in 250 ms batches).
        let down = try await vitals.waitFor("/api/v1/components/checkout/slo") { s, b in
            guard s == 200, let o = try? Self.json(b), let budget = o["error_budget"] as? [String: Any] else { return false }
            return (budget["consumed_seconds"] as? Double ?? 0) >= 1
        }
        let slo = try Self.json(down.body)
        #expect(slo["objective"] as? Double == 99.9)
        #expect(slo["window"] as? String == "7d")
        #expect(slo["source"] as? String == "storage")
        let budget = try #require(slo["error_budget"] as? [String: Any])
        #expect(abs((budget["seconds"] as? Double ?? 0) - 604.8) < 1e-6, "0.1% of 7 days")
        let rates = try #require(slo["burn_rates"] as? [String: Any])
        let m5 = try #require(rates["5m"] as? [String: Any])
        #expect((m5["rate"] as? Double ?? 0) > 14.4, "down most of the last minutes: it burns far above 14.4x")
        #expect(try await vitals.get("/api/v1/components/plain/slo").status == 404, "no slo: 404")
        #expect(try await vitals.get("/api/v1/components/nope/slo").status == 404)
        let list = try Self.json(try await vitals.get("/api/v1/slos").body)
        #expect((list["slos"] as? [[String: Any]])?.map { $0["component"] as? String } == ["checkout"])
        let metrics = try await vitals.waitFor("/metrics", timeout: .seconds(20)) { _, b in b.contains("vitals_slo_burn_rate{component=\"checkout\",window=\"5m\"}") }
        #expect(MetricSamples(metrics.body).value("vitals_slo_objective_ratio", ["component": "checkout"]) == 0.999)
        #expect(!metrics.body.contains("vitals_slo_objective_ratio{component=\"plain\"}"))
        try Promtool.checkMetrics(metrics.body)

        // A restart: the consumed budget is read back from the roll-ups.
        let consumed = try #require(budget["consumed_seconds"] as? Double)
        vitals.signal(SIGTERM)
        #expect(await vitals.waitForExit(timeout: .seconds(20)) == 0)
        vitals = try VitalsProcess(configBody: Self.config(target, sqlite: path))
        let after = try Self.json(try await vitals.waitFor("/api/v1/components/checkout/slo") { s, _ in s == 200 }.body)
        let kept = try #require((after["error_budget"] as? [String: Any])?["consumed_seconds"] as? Double)
        #expect(kept >= consumed, "the budget consumed before the restart is still consumed")
    }
}

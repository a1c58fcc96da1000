import Foundation
import Testing
import VitalsTestSupport

/// Windowed thresholds in a running daemon, against exec plugins whose outcome and latency the
/// test controls with a counter file: one probe in five fails, or one in five answers slowly.
@Suite(.serialized)
struct WindowedThresholdTests {
    /// A plugin counting its runs in the file named by its argument: the runs whose number is a
    /// multiple of five exit 2 (`fail`) or sleep 350 ms before answering (`slow`).
    static func plugin(_ dir: ScratchFolder, _ kind: String) throws -> Plugin {
        let script = dir.url.appendingPathComponent("\(kind).sh").path
        let fifth = kind == "fail" ? "echo \"run $n fails\"; exit 2" : "sleep 0.35"
        let text = """
            #!/bin/sh
            n=0
            [ -f "$1" ] && read n < "$1"
            n=$((n + 1))
            echo "$n" > "$1"
            if [ $((n % 5)) -eq 0 ]; then \(fifth); fi
            echo "run $n ok"

            """
        try text.write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        return Plugin(script: script, counter: dir.url.appendingPathComponent("\(kind).count").path)
    }

    struct Plugin {
        var script: String
        var counter: String

        /// A config with one component running the plugin; `thresholds` are its lines.
        func config(_ name: String, interval: String, timeout: String, storage: String = "", thresholds: [String]) -> String {
            """
            \(storage)components:
              - name: \(name)
                type: exec
                command: ["\(script)", "\(counter)"]
                interval: \(interval)
                timeout: \(timeout)
                thresholds:
            \(thresholds.map { "      \($0)\n" }.joined())
            """
        }
    }

    static func component(_ detailed: String) throws -> [String: Any] {
        let json = try #require(jsonObject(detailed))
        return try #require((json["components"] as? [[String: Any]])?.first)
    }

    static func observation(_ c: [String: Any], _ name: String) -> Double? { (c["observations"] as? [String: Any])?[name] as? Double }
    static func threshold(_ c: [String: Any], _ name: String) -> [String: Any]? { (c["thresholds"] as? [String: Any])?[name] as? [String: Any] }

    /// One probe in five fails; over a window of exactly twenty results (4.9 s at 250 ms) the
    /// success rate is 80 %, under the degraded level of 90: the component is degraded, says
    /// why, and Prometheus reads the rate.
    @Test func oneFailureInFiveIsEightyPercentAndDegraded() async throws {
        let dir = ScratchFolder()
        defer { dir.remove() }
        let plugin = try Self.plugin(dir, "fail")
        let vitals = try VitalsProcess(
            configBody: plugin.config(
                "flaky", interval: "250ms", timeout: "200ms", thresholds: ["success_rate: { window: 4900ms, degraded: 90, unhealthy: 50 }"]))
        defer { vitals.stop() }
        let seen = try await vitals.waitFor("/health/detailed", timeout: .seconds(40)) { _, b in
            guard let c = try? Self.component(b) else { return false }
            return c["status"] as? String == "degraded" && Self.observation(c, "success_rate") == 80
                && Self.threshold(c, "success_rate")?["results"] as? Int == 20
        }
        let c = try Self.component(seen.body)
        #expect(Self.threshold(c, "success_rate")?["judged"] as? Bool == true)
        #expect(Self.threshold(c, "success_rate")?["window"] as? String == "4.9s")
        #expect(Self.threshold(c, "success_rate")?["degraded"] as? Int == 90)
        // After a successful run (a failed one shows its own message), the reason.
        let reason = try await vitals.waitFor("/health/detailed") { _, b in
            ((try? Self.component(b))?["message"] as? String ?? "").contains("; success_rate ")
        }
        let after = try Self.component(reason.body)
        #expect(after["status"] as? String == "degraded")
        #expect((after["message"] as? String ?? "").hasSuffix("below degraded 90% over 4.9s"), "\(after["message"] ?? "")")
        let metrics = try await vitals.get("/metrics")
        #expect(metrics.body.contains(#"vitals_probe_observation{component="flaky",type="exec",name="success_rate"} "#))
        #expect(metrics.body.contains(#"vitals_component_status{component="flaky",type="exec",status="degraded"} 1"#))
        try Promtool.checkMetrics(metrics.body)
        #expect(try await vitals.get("/health/ready").status == 200, "degraded is still ready")
    }

    /// One answer in five takes 350 ms: over ten results the p95 is a slow one and crosses
    /// 300 ms, while the median stays fast and under its own level.
    @Test func slowAnswersCrossTheP95ButNotTheMedian() async throws {
        let dir = ScratchFolder()
        defer { dir.remove() }
        let plugin = try Self.plugin(dir, "slow")
        let vitals = try VitalsProcess(
            configBody: plugin.config(
                "sluggish", interval: "600ms", timeout: "550ms",
                thresholds: [
                    "latency_p95: { window: 6s, degraded: 300ms, unhealthy: 2s }", "latency_p50: { window: 6s, degraded: 300ms }",
                    "success_rate: { window: 6s, unhealthy: 50 }",
                ]))
        defer { vitals.stop() }
        let seen = try await vitals.waitFor("/health/detailed", timeout: .seconds(40)) { _, b in
            guard let c = try? Self.component(b) else { return false }
            return c["status"] as? String == "degraded" && (Self.observation(c, "latency_p95") ?? 0) >= 0.35
        }
        let c = try Self.component(seen.body)
        #expect((Self.observation(c, "latency_p50") ?? 1) < 0.3, "\(c)")
        #expect(Self.observation(c, "success_rate") == 100)
        #expect(Self.threshold(c, "latency_p95")?["degraded_ms"] as? Int == 300)
        #expect(Self.threshold(c, "latency_p95")?["judged"] as? Bool == true)
        #expect((c["message"] as? String ?? "").contains("latency_p95 "), "\(c["message"] ?? "")")
        #expect((c["message"] as? String ?? "").contains("above degraded 300ms over 6s"), "\(c["message"] ?? "")")
        let ietf = try await vitals.get("/health/detailed", headers: ["Accept": "application/health+json"])
        #expect(ietf.body.contains(#""sluggish:latency_p95""#))
    }

    /// With sqlite storage the window survives a restart: the daemon started again (now probing
    /// every 10 s, a 1-minute window of seven results) shows the rate of the results from before
    /// the stop at once, and judges its first result over them, degraded as before.
    @Test func theWindowIsRebuiltFromStorageOnStart() async throws {
        let dir = ScratchFolder()
        defer { dir.remove() }
        let plugin = try Self.plugin(dir, "fail")
        func config(interval: String, timeout: String) -> String {
            plugin.config(
                "flaky", interval: interval, timeout: timeout, storage: "storage: { type: sqlite, path: \"\(dir.path)/state.db\" }\n",
                thresholds: ["success_rate: { window: 1m, degraded: 90, unhealthy: 50 }"])
        }
        let first = try VitalsProcess(configBody: config(interval: "250ms", timeout: "200ms"))
        try await first.waitFor("/health/detailed", timeout: .seconds(30)) { _, b in
            guard let c = try? Self.component(b) else { return false }
            return c["status"] as? String == "degraded" && (Self.threshold(c, "success_rate")?["results"] as? Int ?? 0) >= 10
        }
        first.signal(SIGTERM)
        #expect(await first.waitForExit(timeout: .seconds(20)) == 0)

        let second = try VitalsProcess(configBody: config(interval: "10s", timeout: "2s"))
        defer { second.stop() }
        let restored = try await second.waitFor("/health/detailed") { _, b in b.contains("\"last_check\":\"") }
        var c = try Self.component(restored.body)
        #expect(Self.threshold(c, "success_rate")?["results"] as? Int == 7, "the newest seven from before the stop")
        #expect(Self.threshold(c, "success_rate")?["judged"] as? Bool == true)
        // Any seven in a row of these results hold one or two failures.
        #expect((Self.observation(c, "success_rate") ?? 100) <= 100.0 * 6 / 7)
        try await second.waitFor("/health/startup", timeout: .seconds(15)) { s, _ in s == 200 }
        c = try Self.component(try await second.get("/health/detailed").body)
        #expect(c["status"] as? String == "degraded", "the first result of this run is judged over the restored window")
        #expect(Self.threshold(c, "success_rate")?["results"] as? Int == 7)
        #expect((Self.observation(c, "success_rate") ?? 100) <= 100.0 * 6 / 7)
    }
}

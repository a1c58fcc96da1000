import Foundation
import Testing
import VitalsTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The daemon as users run it: a real `vitals run` process, a TCP target the test opens and
/// closes, and the endpoints kubelet, Prometheus and people read.
@Suite(.serialized)
struct DaemonTests {
    static func config(target: Int, optional: Int) -> String {
        """
        defaults:
          interval: 200ms
          timeout: 150ms
          failure_threshold: 2
          success_threshold: 1
        components:
          - name: target
            type: tcp
            groups: [core]
            address: "127.0.0.1:\(target)"
          - name: optional
            type: tcp
            critical: false
            address: "127.0.0.1:\(optional)"

        """
    }

    @Test func readinessFollowsTheCriticalTarget() async throws {
        let target = try TCPTarget()
        let neverOpen = try FreePort.pick()
        try target.open()
        let vitals = try VitalsProcess(configBody: Self.config(target: target.port, optional: neverOpen))
        defer { vitals.stop() }

        try await vitals.waitFor("/health/startup") { s, _ in s == 200 }
        let ready = try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        #expect(ready.body.contains("\"status\":\"pass\""))

        // A non-critical unhealthy component degrades the service but keeps it ready.
        let health = try await vitals.waitFor("/health") { _, b in b.contains("\"unhealthy\":1") }
        #expect(health.status == 200)
        #expect(health.body == #"{"status":"degraded","components":{"healthy":1,"degraded":0,"unhealthy":1,"unknown":0}}"#)

        let detailed = try await vitals.get("/health/detailed")
        #expect(detailed.status == 200)
        let json = try #require(jsonObject(detailed.body))
        #expect(json["status"] as? String == "degraded")
        let components = try #require(json["components"] as? [[String: Any]])
        #expect(components.map { $0["name"] as? String } == ["target", "optional"])
        #expect(components[0]["status"] as? String == "healthy")
        #expect(components[0]["type"] as? String == "tcp")
        #expect((components[0]["latency_ms"] as? Double ?? -1) >= 0)
        #expect(components[1]["status"] as? String == "unhealthy")
        #expect((components[1]["message"] as? String ?? "").contains("refused"))

        let ietf = try await vitals.get("/health/detailed", headers: ["Accept": "application/health+json"])
        #expect(ietf.contentType.hasPrefix("application/health+json"))
        #expect(ietf.body.contains("\"status\":\"warn\""))
        #expect(ietf.body.contains("\"target:responseTime\""))

        let metrics = try await vitals.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"vitals_component_status{component="target",type="tcp",status="healthy"} 1"#))
        #expect(metrics.body.contains(#"vitals_service_status{status="degraded"} 1"#))
        #expect(metrics.body.contains(#"vitals_probe_success{component="optional",type="tcp"} 0"#))
        #expect(metrics.body.contains("vitals_scheduler_lag_seconds_bucket"))
        #expect(metrics.body.contains(#"vitals_probe_observation{component="target",type="tcp",name="connect_time"} "#))
        try Promtool.checkMetrics(metrics.body)

        // The critical target goes away: after failure_threshold failures, readiness fails.
        target.close()
        let notReady = try await vitals.waitFor("/health/ready") { s, _ in s == 503 }
        #expect(notReady.body.contains("\"failing\":[\"target\"]"))
        let verbose = try await vitals.get("/health/ready?verbose")
        #expect(verbose.status == 503)
        #expect(verbose.body.contains("[-]target failed: unhealthy"))
        // The failing non-critical component shows its real status, not `ok`.
        #expect(verbose.body.contains("[+]optional unhealthy (non-critical)\n"))
        #expect(verbose.body.hasSuffix("readyz check failed\n"))
        // Public endpoints never reveal a probe message.
        #expect(!verbose.body.contains("refused"))
        let excluded = try await vitals.get("/health/ready?exclude=target")
        #expect(excluded.status == 200)
        let group = try await vitals.get("/health/group/core")
        #expect(group.status == 503)
        #expect(try await vitals.get("/health").status == 503)
        #expect(try await vitals.get("/health/live").status == 200)

        // Back again: success_threshold 1 makes it ready on the next good result.
        try target.open()
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
    }

    @Test func unknownPathsAndMethods() async throws {
        let target = try TCPTarget()
        try target.open()
        let vitals = try VitalsProcess(configBody: Self.config(target: target.port, optional: target.port))
        defer { vitals.stop() }
        try await vitals.waitFor("/health/live") { s, _ in s == 200 }
        #expect(try await vitals.get("/nope").status == 404)
        #expect(try await vitals.get("/health/group/nosuchgroup").status == 404)
        #expect(try await vitals.get("/probe?target=http://example.com").status == 404)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(vitals.port)/health/ready")!)
        request.httpMethod = "POST"
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as! HTTPURLResponse).statusCode == 405)
    }

    @Test func tokenGuardsDetailsButNotProbes() async throws {
        let target = try TCPTarget()
        try target.open()
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-token-\(UUID().uuidString)")
        try "s3cret-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let vitals = try VitalsProcess(
            configBody: Self.config(target: target.port, optional: target.port),
            extraServer: "  detailed_token_file: \"\(tokenFile.path)\"\n")
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        #expect(try await vitals.get("/health/detailed").status == 401)
        #expect(try await vitals.get("/metrics").status == 401)
        #expect(try await vitals.get("/health/detailed", headers: ["Authorization": "Bearer wrong"]).status == 401)
        let ok = try await vitals.get("/health/detailed", headers: ["Authorization": "Bearer s3cret-token"])
        #expect(ok.status == 200)
        #expect(!ok.body.contains("s3cret-token"))
        #expect(try await vitals.get("/health").status == 200)
    }

    @Test func sigtermFlipsReadinessBeforeExiting() async throws {
        let target = try TCPTarget()
        try target.open()
        let vitals = try VitalsProcess(configBody: Self.config(target: target.port, optional: target.port))
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        vitals.signal(SIGTERM)
        let draining = try await vitals.waitFor("/health/ready", timeout: .seconds(3)) { s, _ in s == 503 }
        #expect(draining.body.contains("\"draining\":true"))
        // Liveness stays up while draining: kubelet must not restart a pod that is shutting down.
        #expect(try await vitals.get("/health/live").status == 200)
        let status = await vitals.waitForExit(timeout: .seconds(10))
        #expect(status == 0)
    }

    @Test func badConfigExitsWithExConfigAndLocation() async throws {
        let vitals = try VitalsProcess(configBody: "components:\n  - name: Bad_Name\n    type: tcp\n    adress: x\n")
        defer { vitals.stop() }
        let status = await vitals.waitForExit(timeout: .seconds(10))
        #expect(status == 78)
        // Lines count from the file's top: the harness writes two `server:` lines first.
        let err = vitals.stderr
        #expect(err.contains("vitals.yaml:4:11: components[0].name: \"Bad_Name\" is not a valid name"))
        #expect(err.contains("vitals.yaml:6:5: components[0].adress: unknown key (did you mean address?)"))
    }

    @Test func validateAndCheckUseTheirExitCodes() async throws {
        let target = try TCPTarget()
        try target.open()
        let good = try VitalsProcess(configBody: Self.config(target: target.port, optional: target.port), arguments: ["validate"])
        #expect(await good.waitForExit(timeout: .seconds(10)) == 0)
        let bad = try VitalsProcess(configBody: "defaults:\n  interval: 1s\n  timeout: 5s\n", arguments: ["validate"])
        #expect(await bad.waitForExit(timeout: .seconds(10)) == 1)

        let healthy = try VitalsProcess(configBody: Self.config(target: target.port, optional: target.port), arguments: ["check"])
        #expect(await healthy.waitForExit(timeout: .seconds(10)) == 0)
        target.close()
        let down = try VitalsProcess(configBody: Self.config(target: target.port, optional: target.port), arguments: ["check"])
        #expect(await down.waitForExit(timeout: .seconds(10)) == 2)
        let json = try VitalsProcess(
            configBody: Self.config(target: target.port, optional: target.port), arguments: ["check", "--component", "optional", "--format", "json"])
        #expect(await json.waitForExit(timeout: .seconds(10)) == 2)
    }

    /// `validate` refuses what `run` refuses, all of it at once, at the line of the refused
    /// value: DSNs libpq cannot parse pass the config's own checks and fail only in the probe.
    @Test func validateRefusesEveryDSNThatRunRefuses() async throws {
        let body = """
            components:
              - { name: a, type: postgres, dsn: "postgres://u:%zz@h/db" }
              - { name: b, type: postgres, dsn: "postgres://h/db?bogus=1" }
              - { name: c, type: postgres, dsn: "postgres://[::1/db" }
              - { name: d, type: postgres, dsn: "host=h dbname='x" }
              - { name: e, type: postgres, dsn: "postgres://h/db" }

            """
        // Lines count from the file's top: the harness writes two `server:` lines first.
        let expected = [
            "vitals.yaml:4:37: components[a].dsn: invalid dsn: invalid percent-encoded token",
            "vitals.yaml:5:37: components[b].dsn: invalid dsn: invalid URI query parameter: \"bogus\"",
            "vitals.yaml:6:37: components[c].dsn: invalid dsn: end of string reached when looking for matching \"]\"",
            "vitals.yaml:7:37: components[d].dsn: invalid dsn: unterminated quoted string",
        ]
        for (command, code) in [("validate", Int32(1)), ("run", 78), ("check", 3)] {
            let vitals = try VitalsProcess(configBody: body, arguments: [command])
            #expect(await vitals.waitForExit(timeout: .seconds(10)) == code, "\(command)")
            let err = vitals.stderrAfterExit
            for line in expected { #expect(err.contains(line), "\(command) did not say \(line): \(err)") }
            #expect(!err.contains("components[e]"))
        }
    }

    /// What opening `storage:` would refuse is found by `validate` too, at its line, without a
    /// database being made: an sslmode libpq rejects only when connecting (the same check for
    /// a postgres probe's dsn), and an SQLite path below a file. The DSN's password is not
    /// quoted.
    @Test func validateRefusesStorageThatRunCannotOpen() async throws {
        let postgres = """
            storage: { type: postgres, dsn: "postgres://vitals:pw-s3cret@127.0.0.1:1/vitals?sslmode=bogus" }
            components:
              - { name: m, type: memory }
              - { name: pg, type: postgres, dsn: "host=127.0.0.1 target_session_attrs=primary-ish" }

            """
        let expected = [
            #"vitals.yaml:3:33: storage.dsn: invalid dsn: sslmode "bogus" is not one of disable, allow, prefer, require, verify-ca, verify-full"#,
            #"vitals.yaml:6:38: components[pg].dsn: invalid dsn: target_session_attrs "primary-ish" is not one of any, read-write, read-only, primary, standby, prefer-standby"#,
        ]
        let validate = try VitalsProcess(configBody: postgres, arguments: ["validate"])
        #expect(await validate.waitForExit(timeout: .seconds(10)) == 1)
        let err = validate.stderrAfterExit
        for line in expected { #expect(err.contains(line), "\(err)") }
        #expect(!err.contains("pw-s3cret"))
        let run = try VitalsProcess(configBody: postgres, arguments: ["run"])
        #expect(await run.waitForExit(timeout: .seconds(10)) == 78)
        #expect(run.stderrAfterExit.contains(expected[0]))

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-not-a-folder-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let sqlite = "storage: { type: sqlite, path: \"\(file.path)/state/vitals.db\" }\ncomponents:\n  - { name: m, type: memory }\n"
        let below = try VitalsProcess(configBody: sqlite, arguments: ["validate"])
        #expect(await below.waitForExit(timeout: .seconds(10)) == 1)
        #expect(below.stderrAfterExit.contains("vitals.yaml:3:32: storage.path: \(file.path) is a file, so \(file.path)/state/vitals.db cannot be made below it"))

        // A path that can be made: valid, and nothing is created by validating it.
        let fresh = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-fresh-\(UUID().uuidString)")
        let ok = try VitalsProcess(configBody: "storage: { type: sqlite, path: \"\(fresh.path)/a/b.db\" }\ncomponents:\n  - { name: m, type: memory }\n", arguments: ["validate"])
        #expect(await ok.waitForExit(timeout: .seconds(10)) == 0, "\(ok.stderrAfterExit)")
        #expect(!FileManager.default.fileExists(atPath: fresh.path))
    }

    /// A busy listen address fails the start in its own words, with no success line first.
    @Test func busyPortNamesTheAddressAndPrintsNoStartedLine() async throws {
        let holder = try TCPTarget()
        try holder.open()
        defer { holder.close() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-busy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("vitals.yaml")
        try "server:\n  listen: \"127.0.0.1:\(holder.port)\"\ncomponents:\n  - name: m\n    type: memory\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let (status, out) = try DefaultConfigTests.run(VitalsProcess.binary, ["run", "--config", file.path], in: folder)
        #expect(status == 69, "\(out)")
        #expect(out.contains("cannot listen on 127.0.0.1:\(holder.port): address already in use"), "\(out)")
        #expect(!out.contains("vitals started"), "\(out)")
    }

    /// `check` shows the daemon's message, threshold reason included, and JSON carries the
    /// observations. A disk at 0 % degraded always crosses its level.
    @Test func checkShowsTheThresholdCrossedAndObservations() async throws {
        let body = "components:\n  - name: root-disk\n    type: disk\n    path: /\n    thresholds:\n      used_percent: { degraded: 0 }\n"
        let table = try VitalsProcess(configBody: body, arguments: ["check"])
        defer { table.stop() }
        #expect(await table.waitForExit(timeout: .seconds(10)) == 1)
        let text = table.stdoutAfterExit
        #expect(text.contains("above degraded 0%"), "\(text)")
        let json = try VitalsProcess(configBody: body, arguments: ["check", "--format", "json"])
        defer { json.stop() }
        #expect(await json.waitForExit(timeout: .seconds(10)) == 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdoutAfterExit.utf8)) as? [String: Any]
        let component = (object?["components"] as? [[String: Any]])?.first
        #expect((component?["message"] as? String)?.contains("used_percent") == true)
        let observations = component?["observations"] as? [String: Any]
        #expect(observations?["used_percent"] is Double)
        #expect(observations?["mount"] as? String == "/")
    }
}

import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// SIGHUP: a valid new config replaces the old one and keeps unchanged components' state; an
/// invalid one is rejected and the old config keeps running.
struct ReloadTests {
    @Test func reloadKeepsStateAndRejectsBadConfigs() async throws {
        let target = try TCPTarget()
        try target.open()
        let body = """
            defaults:
              interval: 200ms
              timeout: 150ms
            components:
              - name: kept
                type: tcp
                address: "127.0.0.1:\(target.port)"
              - name: removed
                type: tcp
                address: "127.0.0.1:\(target.port)"
              - name: changed
                type: tcp
                address: "127.0.0.1:\(target.port)"

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        // Let `kept` gather a few results, then reload with `removed` swapped for `added`.
        let before = try await vitals.waitFor("/metrics") { _, b in
            (MetricSamples(b).value("vitals_probes_total", ["component": "changed", "result": "success"]) ?? 0) >= 10
        }
        let keptBefore = try #require(MetricSamples(before.body).value("vitals_probes_total", ["component": "kept", "result": "success"]))
        let changedBefore = try #require(MetricSamples(before.body).value("vitals_probes_total", ["component": "changed", "result": "success"]))
        // `changed` gets a new probe (another address on the same open port): its state starts over.
        let file = vitals.folder.appendingPathComponent("vitals.yaml")
        let original = try String(contentsOf: file, encoding: .utf8)
        let changedAddress = "address: \"127.0.0.1:\(target.port)\"\n"
        var edited = original.replacingOccurrences(of: "name: removed", with: "name: added")
        let range = try #require(edited.range(of: changedAddress, options: .backwards))
        edited.replaceSubrange(range, with: "address: \"localhost:\(target.port)\"\n")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        vitals.signal(SIGHUP)
        let detailed = try await vitals.waitFor("/health/detailed") { _, b in b.contains("\"added\"") && !b.contains("\"removed\"") }
        let after = MetricSamples(try await vitals.get("/metrics").body)
        // Counters: kept goes on from where it was, changed started again from zero.
        #expect(try #require(after.value("vitals_probes_total", ["component": "kept", "result": "success"])) >= keptBefore)
        #expect(try #require(after.value("vitals_probes_total", ["component": "changed", "result": "success"])) < changedBefore)
        let json = try #require(jsonObject(detailed.body))
        let kept = try #require((json["components"] as? [[String: Any]])?.first { $0["name"] as? String == "kept" })
        // History survived the reload: more results than the new component could have.
        #expect(((kept["history"] as? [Any])?.count ?? 0) >= 3)
        #expect(try await vitals.get("/metrics").body.contains("vitals_config_last_reload_successful 1"))

        // A broken config is rejected; the running one stays.
        try "components:\n  - name: BAD\n".write(to: file, atomically: true, encoding: .utf8)
        vitals.signal(SIGHUP)
        try await vitals.waitFor("/metrics") { _, b in b.contains("vitals_config_last_reload_successful 0") }
        // The log says why, at the file, line and column of the problem.
        let log = vitals.stderr
        let rejected = try #require(log.split(separator: "\n").first { $0.contains("config reload rejected") })
        #expect(rejected.contains("level=error"))
        #expect(rejected.contains("vitals.yaml:2:"), "\(rejected)")
        let running = try await vitals.get("/health/detailed")
        #expect(running.body.contains("\"added\"") && running.body.contains("\"kept\""))
        #expect(try await vitals.get("/health/ready").status == 200)
    }

    /// Rotating the token: rewrite `detailed_token_file`, SIGHUP; the new token is accepted and
    /// the old one refused at once, on every endpoint that needs it.
    @Test func reloadRotatesTheDetailedToken() async throws {
        let secrets = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: secrets) }
        let tokenFile = secrets.appendingPathComponent("token")
        try "old-token-1\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let vitals = try VitalsProcess(
            configBody: "components:\n  - name: mem\n    type: memory\n",
            extraServer: "  detailed_token_file: \"\(tokenFile.path)\"\n")
        defer { vitals.stop() }
        let old = ["Authorization": "Bearer old-token-1"]
        let new = ["Authorization": "Bearer new-token-2"]
        try await vitals.waitFor("/health/detailed", headers: old) { s, _ in s == 200 }
        #expect(try await vitals.get("/health/detailed", headers: new).status == 401)

        try "new-token-2\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        vitals.signal(SIGHUP)
        try await vitals.waitFor("/health/detailed", headers: new) { s, _ in s == 200 }
        for path in ["/health/detailed", "/metrics", "/alerts"] {
            #expect(try await vitals.get(path, headers: old).status == 401, "\(path) still takes the old token")
            #expect(try await vitals.get(path, headers: new).status == 200, "\(path) refuses the new token")
        }
        #expect(try await vitals.get("/metrics", headers: new).body.contains("vitals_config_last_reload_successful 1"))

        // A token file that cannot be read fails the reload, honestly, and the current token stays.
        try FileManager.default.removeItem(at: tokenFile)
        vitals.signal(SIGHUP)
        try await vitals.waitFor("/metrics", headers: new) { _, b in b.contains("vitals_config_last_reload_successful 0") }
        #expect(try await vitals.get("/health/detailed", headers: new).status == 200)
    }
}

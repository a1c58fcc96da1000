import Foundation
import Testing
import VitalsTestSupport

/// The daemon binary with `mysql` components against the real MariaDB servers of
/// scripts/test-servers/test-env.sh: the primary and its replica healthy, with the replica's lag
/// judged and exported, and the replica cut off from its primary unhealthy, saying why, with the
/// password (from `password_file`) nowhere.
struct MySQLDaemonTests {
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func mysqlComponentsAreProbedJudgedAndExported() async throws {
        let primary = try TestEnvironment.require("VITALS_TEST_MYSQL_DSN")
        let replica = try TestEnvironment.require("VITALS_TEST_MYSQL_REPLICA_DSN")
        let cutOff = try TestEnvironment.require("VITALS_TEST_MYSQL_REPLICA_DOWN_DSN")
        let password = try TestEnvironment.require("VITALS_TEST_MYSQL_PASSWORD")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-mysql-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let passwordFile = folder.appendingPathComponent("mysql").path
        try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let body = """
            defaults: { interval: 1s, timeout: 900ms, failure_threshold: 1 }
            components:
              - { name: legacy-db, type: mysql, dsn: "\(primary)", password_file: \(passwordFile) }
              - name: legacy-replica
                type: mysql
                dsn: "\(replica)"
                password_file: \(passwordFile)
                critical: false
                thresholds: { replica_lag_seconds: { degraded: 5, unhealthy: 60 } }
              - { name: legacy-cut-off, type: mysql, dsn: "\(cutOff)", password_file: \(passwordFile), critical: false }

            """
        let validate = try VitalsProcess(configBody: body, arguments: ["validate"])
        #expect(await validate.waitForExit(timeout: .seconds(10)) == 0, "\(validate.stderrAfterExit)")

        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        let detailed = try await vitals.waitFor("/health/detailed", timeout: .seconds(20)) { _, b in
            b.contains(" replica, query ok") && b.contains("replica IO thread is not connected to the primary")
                && b.contains("primary, query ok")
        }
        // The observation (a caught-up replica: 0), beside the threshold of the same name.
        #expect(detailed.body.contains(#""replica_lag_seconds":0"#), "\(detailed.body.prefix(3000))")
        let metrics = try await vitals.get("/metrics").body
        #expect(metrics.contains(#"vitals_probe_observation{component="legacy-replica",type="mysql",name="replica_lag_seconds"}"#))
        #expect(metrics.contains(#"vitals_probe_observation{component="legacy-db",type="mysql",name="connections_percent"}"#))
        for view in [detailed.body, metrics] { #expect(!view.contains(password)) }
        vitals.signal(SIGTERM)
        #expect(await vitals.waitForExit(timeout: .seconds(20)) == 0)
        #expect(!vitals.stderrAfterExit.contains(password))
    }
}

import Foundation
import Testing
import VitalsTestSupport

/// SIGTERM ends the daemon cleanly in any probe mix, and ends the plugins it started with it.
struct ShutdownTests {
    static let plugins = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VitalsProbesTests/Fixtures/plugins").path

    /// TLS handshakes, libpq and hiredis sessions in flight at SIGTERM, twenty times: OpenSSL's
    /// exit handlers once ran under a thread still inside libcrypto (exit 139 in 2 to 3 of 20).
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func sigtermWithHTTPSPostgresAndRedisInFlightExitsZero() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let dsn = try TestEnvironment.require("VITALS_TEST_PG_DSN")
        let pgPassword = try TestEnvironment.require("VITALS_TEST_PG_PASSWORD")
        let redis = try TestEnvironment.require("VITALS_TEST_REDIS")
        let redisPassword = try TestEnvironment.require("VITALS_TEST_REDIS_PASSWORD")
        var body = "defaults:\n  interval: 200ms\n  timeout: 150ms\ncomponents:\n"
        for i in 0..<40 {
            body += "  - { name: web\(i), type: http, url: \"\(https)/\", tls: { ca_file: \"\(ca)\" } }\n"
        }
        let preferTLS = dsn.replacingOccurrences(of: "sslmode=disable", with: "sslmode=prefer")
        for i in 0..<10 {
            body += "  - { name: db\(i), type: postgres, dsn: \"\(preferTLS)\", password: \"\(pgPassword)\" }\n"
            body += "  - { name: cache\(i), type: redis, address: \"\(redis)\", password: \"\(redisPassword)\" }\n"
        }
        for round in 1...20 {
            // No drain delay: the stop begins with probes in flight.
            let vitals = try VitalsProcess(configBody: body, arguments: ["run", "--drain-delay", "0s"])
            defer { vitals.stop() }
            try await vitals.waitFor("/health/startup") { s, _ in s == 200 }
            // Stop after a few cycles, at a different point of the 200 ms cycle each round.
            try await Task.sleep(for: .milliseconds(300 + 53 * (round % 10)))
            vitals.signal(SIGTERM)
            let status = await vitals.waitForExit(timeout: .seconds(15))
            #expect(status == 0, "round \(round): exit \(status.map(String.init) ?? "none"); stderr: \(vitals.stderrAfterExit.suffix(1500))")
            if status != 0 { break }
        }
    }

    /// A plugin still running at SIGTERM, and the child it hid in a session of its own, end
    /// with the daemon; so do they when the daemon is killed outright (its keeper sees it go).
    @Test(arguments: [SIGTERM, SIGKILL])
    func pluginsEndWithTheDaemon(signal: Int32) async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-escapee-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let body = """
            components:
              - name: plugin
                type: exec
                command: ["\(Self.plugins)/escapee", "\(pidFile)"]
                interval: 1m
                timeout: 50s

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        var escapee: Int32?
        for _ in 0..<500 where escapee == nil {
            escapee = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if escapee == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let pid = try #require(escapee, "the plugin never started")
        vitals.signal(signal)
        let status = await vitals.waitForExit(timeout: .seconds(10))
        if signal == SIGTERM { #expect(status == 0) }
        var running = true
        for _ in 0..<300 where running {
            running = Self.isRunning(pid)
            if running { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(!running, "the plugin's setsid child outlived the daemon (signal \(signal))")
    }

    static func isRunning(_ pid: Int32) -> Bool { Processes.isRunning(pid) }
}

import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

struct ExecProbeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/plugins").path
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func probe(
        _ command: [String], env: [String: String] = [:], timeout: Duration = .seconds(2), folder: String = fixtures, running: RunningPlugins = .shared
    ) throws -> ExecProbe {
        var e = ExecSettings(command: command, workingDirectory: folder)
        e.environment = env.mapValues(Secret.init)
        return try ExecProbe(settings: e, timeout: timeout, running: running)
    }

    static func run(_ command: [String], env: [String: String] = [:], timeout: Duration = .seconds(2)) async throws -> ProbeResult {
        try await probe(command, env: env, timeout: timeout).run(deadline: .now + timeout)
    }

    @Test(arguments: [
        (Int32(0), true, HealthStatus?.none, "OK: fine"),
        (1, true, .degraded, "WARNING: slow"),
        (2, false, nil, "CRITICAL: down"),
        (3, false, nil, "UNKNOWN: confused"),
        (7, false, nil, "unknown (exit 7): odd"),
    ] as [(Int32, Bool, HealthStatus?, String)])
    func exitCodesFollowTheNagiosConvention(code: Int32, success: Bool, reported: HealthStatus?, message: String) async throws {
        let text = message.replacingOccurrences(of: "unknown (exit 7): ", with: "")
        let r = try await Self.run(["./exit_with", "\(code)", text])
        #expect(r.success == success)
        #expect(r.reportedStatus == reported)
        #expect(r.message == message)
        #expect(r.number("exit_code") == Double(code))
        let judged = Judge.judge(r, thresholds: Thresholds()).status
        #expect(judged == [0: HealthStatus.healthy, 1: .degraded][code] ?? .unhealthy)
    }

    @Test func pluginKilledBySignalIsUnknown() async throws {
        let r = try await Self.run(["/bin/sh", "-c", "echo 'OK: about to die'; kill -9 $$"])
        #expect(!r.success)
        #expect(r.message == "unknown: killed by signal 9")
        #expect(Judge.judge(r, thresholds: Thresholds()).status == .unhealthy)
    }

    @Test func stderrIsTheMessageWhenStdoutIsEmpty() async throws {
        let r = try await Self.run(["/bin/sh", "-c", "echo '  CRITICAL: only on stderr  ' >&2; echo second >&2; exit 2"])
        #expect(!r.success)
        #expect(r.message == "CRITICAL: only on stderr")
    }

    @Test func silentPluginIsJudgedByItsExitCode() async throws {
        let ok = try await Self.run(["/bin/sh", "-c", "exit 0"])
        #expect(ok.success)
        #expect(ok.message == "exit 0")
        let warn = try await Self.run(["/bin/sh", "-c", "exit 1"])
        #expect(warn.reportedStatus == .degraded)
        #expect(warn.message == "exit 1")
    }

    /// `x=1 y=5s x=2 ... | x=3 y=7s`: one observation per label, the first value, and the real
    /// exit status as `exit_code` whatever the plugin printed under that name.
    @Test func repeatedLabelsCountOnceFirstWins() async throws {
        let r = try await Self.run(["./repeats"])
        #expect(r.success)
        #expect(r.observations == [
            Observation("x", 1), Observation("y", 5, unit: "seconds"), Observation("z", 4), Observation("exit_code", 0),
        ])
    }

    @Test func perfdataBecomesObservationsThatThresholdsJudge() async throws {
        let r = try await Self.run(["./perf"])
        #expect(r.success)
        #expect(r.message == "OK: 3 things")
        #expect(r.number("queue depth") == 42)
        // A perfdata label named `latency` is kept as an observation, but `latency` thresholds
        // judge the probe's own measure (how long the plugin took), not the label.
        #expect(r.observation("latency") == .number(0.0125))
        #expect(r.number("latency") == r.latency.seconds)
        #expect(r.number("free") == 20)
        #expect(r.number("bytes") == 3072)
        #expect(r.number("extra") == 7)
        #expect(r.observation("junk") == nil)
        let t = Thresholds(["queue depth": Threshold(degraded: 40, unhealthy: 100, unit: .count)])
        #expect(Judge.judge(r, thresholds: t).status == .degraded)
    }

    @Test func timeoutEndsTheWholeProcessGroup() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-grandchild-\(UUID().uuidString)").path
        let start = ContinuousClock.now
        let r = try await Self.run(["./sleeper", pidFile], timeout: .milliseconds(300))
        let took = start.duration(to: .now)
        #expect(!r.success)
        #expect(r.message == "timeout after 300ms")
        // SIGTERM ends a sleeping shell at once: well within the kill grace.
        #expect(took < .milliseconds(300) + ExecProbe.killGrace, "took \(took)")
        let grandchild = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Gone, or a zombie waiting for its new parent to reap it (kill(pid, 0) succeeds on
        // those): either way no longer running. Signals land asynchronously: a bounded wait.
        var alive = true
        for _ in 0..<100 where alive {
            alive = Self.isRunning(grandchild)
            if alive { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(!alive, "the grandchild survived")
        try? FileManager.default.removeItem(atPath: pidFile)
    }

    /// Waits (bounded: signals land asynchronously) until `pid` no longer runs.
    static func ended(_ pid: Int32) async throws -> Bool {
        for _ in 0..<200 {
            if !isRunning(pid) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// The pid the `escapee` fixture's setsid child writes, once it has.
    static func escapeePid(_ pidFile: String) async throws -> Int32 {
        for _ in 0..<500 {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return pid
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ProbeSetupError("the escapee never wrote its pid")
    }

    /// The session id in /proc/PID/stat (the fourth field after the command).
    static func session(_ pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 3 ? Int32(fields[3]) : nil
    }

    @Test func timeoutEndsAChildThatLeftTheSessionAndIgnoresTerm() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-escapee-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let run = Task { try await Self.run(["./escapee", pidFile], timeout: .seconds(1)) }
        let escapee = try await Self.escapeePid(pidFile)
        // It really did leave: a session of its own, which no process-group kill reaches.
        #expect(Self.session(escapee) == escapee)
        let r = try await run.value
        #expect(r.message == "timeout after 1s")
        #expect(try await Self.ended(escapee), "the setsid child survived the timeout")
    }

    @Test func shutdownEndsRunningPluginsAndTheirEscapees() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-escapee-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let start = ContinuousClock.now
        // A registry of its own: ending every plugin of the shared one would end other tests'.
        let running = RunningPlugins()
        let probe = try Self.probe(["./escapee", pidFile], timeout: .seconds(30), running: running)
        let run = Task { await probe.run(deadline: .now + .seconds(30)) }
        let escapee = try await Self.escapeePid(pidFile)
        await running.endAll(within: .seconds(3))
        #expect(try await Self.ended(escapee), "the setsid child survived shutdown")
        let r = await run.value
        #expect(!r.success)
        #expect(start.duration(to: .now) < .seconds(10), "the run waited for its 30 s timeout")
    }

    @Test func pluginWritingFastIsNotFailedByItsOwnStdout() async throws {
        // A non-blocking stdout (shared with the daemon's read end) gave head EAGAIN: exit 1.
        let r = try await Self.run(["./big_output"], timeout: .seconds(5))
        #expect(r.success)
        #expect(r.reportedStatus == nil)
        #expect(r.number("exit_code") == 0)
        #expect(r.message == "OK: wrote 1 MiB")
    }

    @Test func secretPassedInEnvIsRedactedWhenThePluginEchoesIt() async throws {
        let r = try await Self.probe(["./show_env"], env: ["API_TOKEN": "tok-81f2a9", "DB_PASSWORD": "hunter22", "QUEUE": "orders"])
            .run(deadline: .now + .seconds(2))
        #expect(r.message.contains("API_TOKEN=<redacted> "), "\(r.message)")
        #expect(r.message.contains("DB_PASSWORD=<redacted> "), "\(r.message)")
        #expect(!r.message.contains("tok-81f2a9") && !r.message.contains("hunter22"))
        // A setting is not a secret: the plugin names it on purpose.
        #expect(r.message.contains("QUEUE=orders"), "\(r.message)")
    }

    static func isRunning(_ pid: Int32) -> Bool { Processes.isRunning(pid) }

    @Test func pluginIgnoringTermIsKilled() async throws {
        let start = ContinuousClock.now
        let r = try await Self.run(["./ignore_term"], timeout: .milliseconds(200))
        let took = start.duration(to: .now)
        #expect(r.message == "timeout after 200ms")
        // TERM is ignored, so KILL follows after the grace: bounded, not the plugin's 30 s.
        #expect(took < .milliseconds(200) + ExecProbe.killGrace + .seconds(1), "took \(took)")
    }

    @Test func outputIsCapped() async throws {
        let r = try await Self.run(["./flood"])
        #expect(r.success)
        #expect(r.message.count <= 64 * 1024 + 40)
        #expect(r.message.hasPrefix("yyyy"))
    }

    @Test func orphanHoldingThePipeDoesNotHoldTheProbe() async throws {
        let start = ContinuousClock.now
        let r = try await Self.run(["./orphan"], timeout: .seconds(5))
        #expect(r.success)
        #expect(r.message == "OK: parent done")
        #expect(start.duration(to: .now) < .seconds(1))
    }

    @Test func cleanEnvironmentAndWorkingDirectory() async throws {
        setenv("VITALS_SHOULD_NOT_LEAK", "1", 1)
        let r = try await Self.probe(["./show_env"], env: ["QUEUE": "orders"]).run(deadline: .now + .seconds(2))
        #expect(r.message == "env: LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/nagios/plugins PWD=\(Self.fixtures) QUEUE=orders")
    }

    @Test func missingCommand() async throws {
        let r = try await Self.run(["./no-such-plugin"])
        #expect(!r.success)
        #expect(r.message == "cannot run \(Self.fixtures)/no-such-plugin: No such file or directory")
    }

    @Test func ourOwnPlugins() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-plugins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let depth = dir.appendingPathComponent("depth").path
        try "150\n".write(toFile: depth, atomically: true, encoding: .utf8)
        let plugins = Self.repo.appendingPathComponent("probes/plugins").path
        let q = try await Self.probe(["./check_queue_depth", "--file", depth, "--warn", "100", "--crit", "1000"], folder: plugins)
            .run(deadline: .now + .seconds(2))
        #expect(q.reportedStatus == .degraded)
        #expect(q.number("depth") == 150)
        let age = try await Self.probe(["./check_file_age", "--file", depth, "--warn", "1h", "--crit", "1d"], folder: plugins)
            .run(deadline: .now + .seconds(2))
        #expect(age.success && age.reportedStatus == nil, "\(age.message)")
        #expect((age.number("age") ?? 99) < 60)
        let missing = try await Self.probe(["./check_file_age", "--file", "/nonexistent", "--warn", "1h", "--crit", "1d"], folder: plugins)
            .run(deadline: .now + .seconds(2))
        #expect(!missing.success)
        #expect(missing.message == "CRITICAL: /nonexistent does not exist")
    }

    /// Debian's monitoring-plugins run unchanged.
    @Test(.enabled(
        if: TestEnvironment.required || FileManager.default.isExecutableFile(atPath: "/usr/lib/nagios/plugins/check_tcp"),
        "monitoring-plugins-basic is not installed (`make test` installs it)"))
    func monitoringPluginsRunUnchanged() async throws {
        _ = try TestEnvironment.requireExecutable("/usr/lib/nagios/plugins/check_tcp")
        let server = try LoopbackServer(.hang)
        let tcp = try await Self.run(["check_tcp", "-H", "127.0.0.1", "-p", "\(server.port)"])
        #expect(tcp.success, "\(tcp.message)")
        #expect(tcp.message.hasPrefix("TCP OK"))
        #expect(tcp.observation("time") != nil)
        let closed = try await Self.run(["check_tcp", "-H", "127.0.0.1", "-p", "\(try LoopbackServer.closedPort())"])
        #expect(!closed.success)
        let disk = try await Self.run(["check_disk", "-w", "1%", "-c", "1%", "-p", "/"])
        // OK unless `/` really has under 1 % free: then CRITICAL (2), as check_disk says.
        var fs = statvfs()
        #expect(statvfs("/", &fs) == 0)
        let freePercent = Double(fs.f_bavail) / Double(fs.f_blocks) * 100
        #expect(disk.number("exit_code") == (freePercent > 1 ? 0 : 2), "\(disk.message)")
        #expect(disk.observations.contains { $0.name == "/" }, "\(disk.observations)")
        let http = try TestEnvironment.require("VITALS_TEST_HTTP")
        if let url = URL(string: http), let port = url.port {
            let ok = try await Self.run(["check_http", "-H", "127.0.0.1", "-p", "\(port)", "-u", "/health", "-s", "UP"])
            #expect(ok.success, "\(ok.message)")
            let bad = try await Self.run(["check_http", "-H", "127.0.0.1", "-p", "\(port)", "-u", "/status/503"])
            #expect(!bad.success)
        } else {
            Issue.record("VITALS_TEST_HTTP has no port: \(http)")
        }
    }
}

struct PerfdataTests {
    @Test func parsesLabelsUnitsAndLongOutput() {
        let p = Perfdata.parse("DISK OK - free | '/var lib'=1024MB;2000;3000;0;4000 time=0.5s u=U\nlong output\n| later=3%\n")
        #expect(p.message == "DISK OK - free")
        #expect(p.observations == [
            Observation("/var lib", 1_073_741_824, unit: "bytes"), Observation("time", 0.5, unit: "seconds"), Observation("later", 3, unit: "percent"),
        ])
    }

    @Test func repeatedLabelIsKeptOnceWithItsFirstValue() {
        let p = Perfdata.parse("OK | x=1 x=2 'x'=5 y=1\nlong\n| x=3 y=2 z=1")
        #expect(p.observations == [Observation("x", 1), Observation("y", 1), Observation("z", 1)])
    }

    @Test func noPerfdata() {
        #expect(Perfdata.parse("OK").observations.isEmpty)
        #expect(Perfdata.parse("").message == "")
        #expect(Perfdata.parse("OK | ").observations.isEmpty)
        #expect(Perfdata.parse("x | =1 'unterminated=2").observations.isEmpty)
    }
}

import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

/// The `postgres` probe against the real streaming replica `make test` starts next to the test
/// primary (scripts/test-servers/test-env.sh): role, recovery, replication lag and its thresholds.
///
/// Serialized: one test pauses the replica's replay and one restarts the replica, which the
/// others must not see.
@Suite(.enabled(if: DBServers.postgresReplicaAvailable, DBServers.skipPostgresReplica), .serialized)
struct PostgresReplicaTests {
    static func lag(degraded: Double? = nil, unhealthy: Double? = nil) -> Thresholds {
        Thresholds(["replication_lag": Threshold(degraded: degraded, unhealthy: unhealthy, unit: .seconds)])
    }

    static func replicaProbe(role: PostgresSettings.Role? = nil, thresholds: Thresholds = Thresholds()) throws -> PostgresProbe {
        let (replica, pg) = (try DBServers.postgresReplica(), try DBServers.postgres())
        return try PostgresProbeTests.probe(dsn: replica.dsn, password: pg.password, role: role, thresholds: thresholds)
    }

    // MARK: Running SQL as the superuser (through the probe: it reports only success)

    /// Runs `sql` as `postgres` on the server at `port`; fails the test when it fails.
    @discardableResult
    static func run(_ sql: String, port: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws -> ProbeResult {
        let probe = try PostgresProbeTests.probe(dsn: "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable", password: nil, query: sql)
        let r = await probe.run(deadline: .now + .seconds(5))
        #expect(r.success, "\(sql): \(r.message)", sourceLocation: sourceLocation)
        return r
    }

    /// Runs `sql` with psql as `postgres`, outside a transaction (`ALTER SYSTEM` refuses one,
    /// and the probe wraps its query in one). Through ExecProbe, under a deadline.
    static func psql(_ sql: String, port: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
        let bin = try TestEnvironment.require("VITALS_TEST_PG_BIN")
        var settings = ExecSettings(
            command: ["\(bin)/psql", "-X", "-q", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", "postgres", "-c", sql],
            workingDirectory: "/")
        settings.environment = [:]
        let r = await (try ExecProbe(settings: settings, timeout: .seconds(10)))
            .run(deadline: .now + .seconds(10))
        #expect(r.number("exit_code") == 0, "psql \(sql): \(r.message)", sourceLocation: sourceLocation)
    }

    /// Waits (bounded) until the SQL condition `condition` holds on the server at `port`.
    static func waitUntil(
        _ condition: String, port: Int, within limit: Duration = .seconds(15), sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws {
        let probe = try PostgresProbeTests.probe(
            dsn: "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable", password: nil,
            query: "SELECT 1 / (\(condition))::int")
        let end = ContinuousClock.now + limit
        var last = ""
        while ContinuousClock.now < end {
            let r = await probe.run(deadline: .now + .seconds(2))
            if r.success { return }
            last = r.message
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("not within \(limit): \(condition) (last: \(last))", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// A timestamp literal PostgreSQL compares with its own clock (the same machine's).
    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return "'\(f.string(from: date))'::timestamptz"
    }

    /// Commits a transaction on the primary and waits until the replica has replayed it.
    static func commitOnThePrimaryAndWaitForReplay() async throws {
        let (pg, replica) = (try DBServers.postgres(), try DBServers.postgresReplica())
        let before = Date().addingTimeInterval(-0.001)
        try await run("SELECT txid_current()", port: pg.port)  // assigns an xid: a commit record
        try await waitUntil("coalesce(pg_last_xact_replay_timestamp() >= \(timestamp(before)), false)", port: replica.port)
    }

    // MARK: Role and recovery

    @Test func replicaIsInRecoveryWithARoleAndALag() async throws {
        let pg = try DBServers.postgres()
        let r = await (try Self.replicaProbe()).run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        guard case .text(let version)? = r.observation("server_version") else { Issue.record("no server_version"); return }
        #expect(r.message == "PostgreSQL \(version) replica, query ok")
        #expect(r.number("in_recovery") == 1)
        #expect(r.observation("role") == .text("replica"))
        let lag = try #require(r.number("replication_lag"), "a replica reports its replication lag")
        #expect(lag >= 0)
        #expect(Judge.judge(r, thresholds: Thresholds()).status == .healthy)
        DBTest.expectClean(r.message, secrets: [pg.password])
    }

    @Test func expectedReplicaOnTheReplicaIsHealthy() async throws {
        let r = await (try Self.replicaProbe(role: .replica)).run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        #expect(r.number("in_recovery") == 1)
        #expect(Judge.judge(r, thresholds: Thresholds()).status == .healthy)
    }

    @Test func expectedPrimaryOnTheReplicaFailsWithTheRole() async throws {
        let r = await (try Self.replicaProbe(role: .primary)).run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message == "role is replica, expected primary")
        #expect(r.observation("server_version") != nil, "observations are kept on a failed judgement")
        let judged = Judge.judge(r, thresholds: Thresholds())
        #expect(judged.status == .unhealthy)
        #expect(judged.reason == "role is replica, expected primary")
    }

    /// The same expectation on both servers: the primary passes, its replica does not.
    @Test func expectedPrimaryTellsThePrimaryFromItsReplica() async throws {
        let (primary, _) = try PostgresProbeTests.healthy(role: .primary)
        let onPrimary = await primary.run(deadline: .now + .seconds(2))
        #expect(onPrimary.success, "\(onPrimary.message)")
        #expect(onPrimary.number("in_recovery") == 0)
        #expect(onPrimary.observation("replication_lag") == nil)
        #expect(Judge.judge(onPrimary, thresholds: Self.lag(degraded: 1)).status == .healthy)
        let onReplica = await (try Self.replicaProbe(role: .primary)).run(deadline: .now + .seconds(2))
        #expect(!onReplica.success)
    }

    // MARK: Replication lag

    /// An idle primary: the last replayed transaction gets older every second, but a replica
    /// that replayed everything it received is not lagging.
    @Test func caughtUpReplicaOfAnIdlePrimaryHasNoLag() async throws {
        try await Self.commitOnThePrimaryAndWaitForReplay()
        try await Task.sleep(for: .milliseconds(1200))
        let thresholds = Self.lag(degraded: 0.5, unhealthy: 1)
        let r = try await Self.caughtUpRun(thresholds: thresholds)
        #expect(r.success, "\(r.message)")
        #expect(r.number("replication_lag") == 0, "idle and caught up, yet replication_lag is \(r.number("replication_lag") ?? -1)")
        #expect(Judge.judge(r, thresholds: thresholds).status == .healthy)
    }

    /// A replica restarted while its primary is idle replays everything it has and streams
    /// again, but its receive position restarts at the beginning of the WAL segment, behind
    /// the replay position, until the primary writes again: that is not lag either.
    @Test(.enabled(if: geteuid() == 0, "restarting the replica takes root (runuser -u postgres), as `make test` runs"))
    func restartedReplicaOfAnIdlePrimaryHasNoLag() async throws {
        let data = try TestEnvironment.require("VITALS_TEST_PG_REPLICA_DATA")
        let bin = try TestEnvironment.require("VITALS_TEST_PG_BIN")
        let replica = try DBServers.postgresReplica()
        try await Self.commitOnThePrimaryAndWaitForReplay()

        // pg_ctl restart reuses the options the replica was started with (postmaster.opts).
        // Not through ExecProbe: its keeper ends whatever a plugin leaves running, and the
        // restarted server is exactly that. On a thread of its own: waitpid blocks.
        let folder = URL(fileURLWithPath: data).deletingLastPathComponent().path
        let runuser = ["/usr/sbin/runuser", "/sbin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "runuser"
        let argv = [runuser, "-u", "postgres", "--", "\(bin)/pg_ctl", "-D", data, "-l", "\(folder)/server.log", "-m", "fast", "-w", "-t", "30", "restart"]
        let status = await withCheckedContinuation { (c: CheckedContinuation<Int32, Never>) in
            Thread {
                var pid: pid_t = 0
                guard withCStrings(argv, { posix_spawn(&pid, runuser, nil, nil, $0, environ) }) == 0 else { return c.resume(returning: -1) }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                c.resume(returning: (status >> 8) & 0xff)
            }.start()
        }
        try #require(status == 0, "pg_ctl restart exited \(status) (see \(folder)/server.log)")
        try await Self.waitUntil(
            "pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')", port: replica.port)

        let thresholds = Self.lag(degraded: 0.2)
        let r = try await Self.caughtUpRun(thresholds: thresholds)
        #expect(r.success, "\(r.message)")
        #expect(r.number("replication_lag") == 0, "restarted and caught up, yet replication_lag is \(r.number("replication_lag") ?? -1)")
        #expect(Judge.judge(r, thresholds: thresholds).status == .healthy)
    }

    /// The replica's WAL receiver pointed at a closed port: everything it received is replayed,
    /// but it is not following its primary any more, and must not report a lag of 0.
    @Test func replicaCutOffFromItsPrimaryDoesNotLookCaughtUp() async throws {
        let (pg, replica) = (try DBServers.postgres(), try DBServers.postgresReplica())
        try await Self.commitOnThePrimaryAndWaitForReplay()
        let replayedAt = Date()
        let closed = try LoopbackServer.closedPort()
        var failure: (any Error)?
        do {
            try await Self.psql("ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=\(closed) user=postgres'", port: replica.port)
            try await Self.run("SELECT pg_reload_conf()", port: replica.port)
            try await Self.waitUntil("NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')", port: replica.port)
            let wait = 0.5 - Date().timeIntervalSince(replayedAt)
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000) + 10)) }
            // The startup process retries the (failing) connection every few seconds; a run that
            // lands on an attempt sees a receiver for a moment: again, bounded.
            let probe = try Self.replicaProbe()
            var r = await probe.run(deadline: .now + .seconds(2))
            for _ in 0..<10 where (r.number("replication_lag") ?? 0) < 0.5 {
                try await Task.sleep(for: .milliseconds(100))
                r = await probe.run(deadline: .now + .seconds(2))
            }
            #expect(r.success, "\(r.message)")
            let lag = try #require(r.number("replication_lag"))
            #expect(lag >= 0.5, "cut off from its primary, yet replication_lag is \(lag)")
            #expect(Judge.judge(r, thresholds: Self.lag(degraded: 0.25)).status == .degraded)
        } catch {
            failure = error
        }
        // Always: the other tests need a replica that streams from its primary.
        try await Self.psql("ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=\(pg.port) user=postgres'", port: replica.port)
        try await Self.run("SELECT pg_reload_conf()", port: replica.port)
        try await Self.waitUntil("EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')", port: replica.port, within: .seconds(30))
        if let failure { throw failure }
        let caughtUp = try await Self.caughtUpRun(thresholds: Self.lag(degraded: 0.25))
        #expect(caughtUp.number("replication_lag") == 0)
    }

    /// One run on the replica; again (bounded) while WAL the primary writes on its own (a
    /// checkpoint, a standby snapshot) is received but not yet replayed at that very instant.
    static func caughtUpRun(thresholds: Thresholds) async throws -> ProbeResult {
        let probe = try replicaProbe(thresholds: thresholds)
        var r = await probe.run(deadline: .now + .seconds(2))
        for _ in 0..<5 where r.number("replication_lag") != 0 {
            try await Task.sleep(for: .milliseconds(100))
            r = await probe.run(deadline: .now + .seconds(2))
        }
        return r
    }

    /// Replay paused on the replica while the primary commits: the replica receives WAL it
    /// does not apply, and its lag (since the last replayed commit) is judged by thresholds.
    @Test func laggingReplicaIsJudgedByReplicationLag() async throws {
        let (pg, replica) = (try DBServers.postgres(), try DBServers.postgresReplica())
        try await Self.commitOnThePrimaryAndWaitForReplay()
        let replayedAt = Date()
        try await Self.run("SELECT pg_wal_replay_pause()", port: replica.port)
        var failure: (any Error)?
        do {
            try await Self.run("SELECT txid_current()", port: pg.port)
            try await Self.waitUntil("pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()", port: replica.port)
            // At least half a second since the last replayed commit.
            let wait = 0.5 - Date().timeIntervalSince(replayedAt)
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000) + 10)) }

            let r = await (try Self.replicaProbe(thresholds: Self.lag(degraded: 0.25))).run(deadline: .now + .seconds(2))
            #expect(r.success, "\(r.message)")
            let lag = try #require(r.number("replication_lag"))
            #expect(lag >= 0.5 && lag < 60, "replication_lag \(lag)")
            let degraded = Judge.judge(r, thresholds: Self.lag(degraded: 0.25))
            #expect(degraded.status == .degraded)
            #expect(degraded.reason?.hasPrefix("replication_lag ") == true && degraded.reason?.hasSuffix(" above degraded 250ms") == true, "\(degraded.reason ?? "")")
            #expect(Judge.judge(r, thresholds: Self.lag(degraded: 0.1, unhealthy: 0.25)).status == .unhealthy)
            #expect(Judge.judge(r, thresholds: Self.lag(degraded: 60)).status == .healthy)
        } catch {
            failure = error
        }
        // Always: the other tests need a replica that replays.
        try await Self.run("SELECT pg_wal_replay_resume()", port: replica.port)
        try await Self.waitUntil("pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn()", port: replica.port)
        if let failure { throw failure }

        let caughtUp = try await Self.caughtUpRun(thresholds: Self.lag(degraded: 0.25))
        #expect(caughtUp.number("replication_lag") == 0)
    }
}

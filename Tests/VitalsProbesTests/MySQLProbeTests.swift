import Foundation
import Testing
import VitalsConfig
import VitalsCore
import VitalsTestSupport
@testable import VitalsProbes

/// The `mysql` probe against the real MariaDB `make test` starts (a primary with TLS, its
/// replica, a replica whose primary is unreachable), and against loopback listeners that
/// refuse, hang, or speak HTTP.
@Suite(.enabled(if: DBServers.mysqlAvailable, DBServers.skipMySQL))
struct MySQLProbeTests {
    static func probe(
        dsn: String, password: String?, query: String? = nil, sslMode: MySQLSettings.SSLMode? = nil, caFile: String? = nil,
        timeout: Duration = .seconds(2), thresholds: Thresholds = Thresholds()
    ) throws -> MySQLProbe {
        var settings = MySQLSettings(dsn: Secret(dsn))
        settings.password = password.map(Secret.init)
        if let query { settings.query = query }
        if let sslMode { settings.sslMode = sslMode }
        if let caFile {
            var tls = TLSSettings()
            tls.caFile = caFile
            settings.tls = tls
        }
        return try MySQLProbe(settings: settings, timeout: timeout, thresholds: thresholds)
    }

    static func healthy(query: String? = nil, timeout: Duration = .seconds(2), thresholds: Thresholds = Thresholds()) throws -> (
        MySQLProbe, DBServers.MySQL
    ) {
        let my = try DBServers.mysql()
        return (try probe(dsn: my.dsn, password: my.password, query: query, timeout: timeout, thresholds: thresholds), my)
    }

    static func lag(degraded: Double, unhealthy: Double) -> Thresholds {
        Thresholds(["replica_lag_seconds": Threshold(degraded: degraded, unhealthy: unhealthy, unit: .count)])
    }

    @Test func healthyServerAnswersWithVersionAndState() async throws {
        let (probe, my) = try Self.healthy()
        let r = await probe.run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        guard case .text(let version)? = r.observation("server_version") else {
            Issue.record("no server_version")
            return
        }
        #expect(version.range(of: #"^\d+\.\d+\.\d+$"#, options: .regularExpression) != nil, "\(version)")
        #expect(r.message == "MariaDB \(version) primary, query ok")
        #expect(r.observation("role") == .text("primary"))
        #expect(r.number("read_only") == 0)
        #expect(r.observation("replica_lag_seconds") == nil)
        let connections = try #require(r.number("connections_percent"))
        #expect(connections > 0 && connections <= 100)
        #expect(try #require(r.number("connections")) >= 1)
        // ssl_mode defaults to disabled, though the test server offers TLS.
        #expect(r.observation("tls_cipher") == nil)
        try DBTest.expectHealthyRun(r, secrets: [my.password])
    }

    @Test func passwordInTheDSNWorksAndNeverShows() async throws {
        let my = try DBServers.mysql()
        let withPassword = my.dsn.replacingOccurrences(of: "vitals@", with: "vitals:\(my.password)@")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let r = try await Self.probe(dsn: withPassword, password: nil, sslMode: .preferred, caFile: ca).run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        #expect(r.observation("tls_cipher") != nil, "ssl_mode: preferred, and the server offers TLS")
        DBTest.expectClean(r.message, secrets: [my.password])
    }

    @Test func wrongPasswordIsAClearFailureThatDoesNotQuoteIt() async throws {
        let my = try DBServers.mysql()
        let wrong = "wrong-\(my.password)-Zq9"
        let r = try await Self.probe(dsn: my.dsn, password: wrong).run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message.hasPrefix("access denied for user 'vitals'@"), "\(r.message)")
        #expect(r.message.hasSuffix("(error 1045)"), "\(r.message)")
        #expect(r.latency < .seconds(1))
        DBTest.expectClean(r.message, secrets: [wrong, my.password])
    }

    @Test func queryErrorIsReported() async throws {
        let (probe, my) = try Self.healthy(query: "SELECT * FROM no_such_table")
        let r = await probe.run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message == "table 'vitals.no_such_table' doesn't exist (error 1146)", "\(r.message)")
        DBTest.expectClean(r.message, secrets: [my.password])
    }

    /// Rows are counted as they come: 4.5 MB of them fail at the 1 MiB cap, and so does a
    /// single row larger than it (libmariadb refuses the packet). MariaDB stops a recursion at
    /// 1,000 iterations by default, hence wide rows.
    @Test(arguments: [
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 900) SELECT n, REPEAT('x', 5000) FROM r",
        "SELECT REPEAT('x', 4000000)",
    ])
    func hugeResultIsRefused(query: String) async throws {
        let (probe, _) = try Self.healthy(query: query)
        let r = await probe.run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message == "result too large (over 1024 KiB)", "\(r.message)")
    }

    /// A query past the deadline is a timeout, and the server stops it too
    /// (`max_statement_time`), so it does not run on after the probe gave up.
    @Test func slowQueryTimesOutAndStopsOnTheServer() async throws {
        let (probe, my) = try Self.healthy(query: "SELECT SLEEP(5.01)", timeout: .milliseconds(300))
        let (r, past, _) = await DBTest.timed(probe, timeout: .milliseconds(300))
        #expect(!r.success)
        #expect(r.message == "timeout after 300ms")
        #expect(past < Timing.slack)
        try await Task.sleep(for: .milliseconds(600))
        // A subquery answering two rows fails the query while another session still sleeps.
        let check = try Self.probe(
            dsn: my.dsn, password: my.password,
            query: "SELECT IF(COUNT(*) = 0, 1, (SELECT 1 UNION SELECT 2)) FROM information_schema.PROCESSLIST "
                + "WHERE INFO LIKE '%SLEEP(5.01)%' AND ID <> CONNECTION_ID()")
        let gone = await check.run(deadline: .now + .seconds(2))
        #expect(gone.success, "the timed-out query is still running: \(gone.message)")
    }

    @Test func refusedConnectionSaysSo() async throws {
        let port = try LoopbackServer.closedPort()
        let r = try await Self.probe(dsn: "mysql://vitals@127.0.0.1:\(port)/vitals", password: "pw-not-shown").run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message.contains("connection refused") || r.message.contains("can't connect"), "\(r.message)")
        #expect(r.latency < .seconds(1))
        DBTest.expectClean(r.message, secrets: ["pw-not-shown"])
    }

    /// A server that accepts and never answers: the probe ends at its deadline, and a healthy
    /// probe running at the same time is not held up.
    @Test func hungServerEndsAtTheDeadlineAndDelaysNobody() async throws {
        let hung = try LoopbackServer(.hang)
        defer { withExtendedLifetime(hung) {} }
        let stuck = try Self.probe(dsn: "mysql://vitals@127.0.0.1:\(hung.port)/vitals", password: "pw", timeout: .milliseconds(600))
        let (healthy, _) = try Self.healthy()
        let other = try await DBTest.expectHungEndsAtTheDeadline(stuck, beside: healthy)
        #expect(other.success, "\(other.message)")
    }

    /// A MySQL server speaks first: this one greets with an HTTP answer, whose first bytes read
    /// as a 5 MB packet, refused at once (over the packet cap) rather than waited for.
    @Test func serverSpeakingHTTPIsAClearFailure() async throws {
        let http = try LoopbackServer(.greet(DBTest.badRequest))
        defer { withExtendedLifetime(http) {} }
        let probe = try Self.probe(dsn: "mysql://vitals@127.0.0.1:\(http.port)/vitals", password: "pw-secret")
        let (r, past, _) = await DBTest.timed(probe, timeout: .seconds(2))
        #expect(!r.success)
        #expect(past < .zero, "a wrong protocol must fail at once, not time out")
        #expect(!r.message.hasPrefix("timeout"))
        DBTest.expectClean(r.message, secrets: ["pw-secret"])
    }

    @Test func cancellationEndsAHungRunPromptly() async throws {
        let hung = try LoopbackServer(.hang)
        defer { withExtendedLifetime(hung) {} }
        let stuck = try Self.probe(dsn: "mysql://vitals@127.0.0.1:\(hung.port)/vitals", password: "pw", timeout: .seconds(5))
        let start = ContinuousClock.now
        let task = Task { await stuck.run(deadline: .now + .seconds(5)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let r = await task.value
        #expect(!r.success)
        #expect(r.message == "cancelled")
        #expect(start.duration(to: .now) < .seconds(2))
    }

    /// `vitals_tls` may only log in over TLS: verified against the test CA and the host name,
    /// required without a check, refused in plain text, refused with no CA to check against.
    @Test func tlsModes() async throws {
        let my = try DBServers.mysql()
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let verified = try await Self.probe(dsn: my.tlsDSN, password: my.password, sslMode: .verifyIdentity, caFile: ca)
            .run(deadline: .now + .seconds(2))
        #expect(verified.success, "\(verified.message)")
        #expect(verified.observation("tls_cipher") != nil)
        let required = try await Self.probe(dsn: my.tlsDSN, password: my.password, sslMode: .required).run(deadline: .now + .seconds(2))
        #expect(required.success, "\(required.message)")
        let plain = try await Self.probe(dsn: my.tlsDSN, password: my.password, sslMode: .disabled).run(deadline: .now + .seconds(2))
        #expect(!plain.success)
        #expect(plain.message.hasPrefix("access denied"), "\(plain.message)")
        // A CA file that does not sign the server's certificate (a leaf, not even a CA).
        let client = try TestEnvironment.require("VITALS_TEST_CLIENT_CERT")
        let unknownCA = try await Self.probe(dsn: my.tlsDSN, password: my.password, sslMode: .verifyIdentity, caFile: client)
            .run(deadline: .now + .seconds(2))
        #expect(!unknownCA.success)
        #expect(unknownCA.message.lowercased().contains("certificate") || unknownCA.message.contains("TLS"), "\(unknownCA.message)")
        for r in [verified, required, plain, unknownCA] { DBTest.expectClean(r.message, secrets: [my.password]) }
    }

    /// `vitals_tls` may not read the replica status: the run still succeeds, without a role,
    /// unless a `replica_lag_seconds` threshold needs the answer, and then it says why.
    @Test func replicaStatusWithoutThePrivilege() async throws {
        let my = try DBServers.mysql()
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let plain = try await Self.probe(dsn: my.tlsDSN, password: my.password, sslMode: .verifyIdentity, caFile: ca)
            .run(deadline: .now + .seconds(2))
        #expect(plain.success, "\(plain.message)")
        #expect(plain.message.hasSuffix(", query ok") && !plain.message.contains("primary"), "\(plain.message)")
        #expect(plain.observation("role") == nil)
        let judged = try await Self.probe(
            dsn: my.tlsDSN, password: my.password, sslMode: .verifyIdentity, caFile: ca, thresholds: Self.lag(degraded: 5, unhealthy: 60)
        ).run(deadline: .now + .seconds(2))
        #expect(!judged.success)
        #expect(judged.message.hasPrefix("could not read server state: access denied"), "\(judged.message)")
        DBTest.expectClean(judged.message, secrets: [my.password])
    }

    /// The replica reports its lag (0 when caught up) and its threads, judged by the thresholds.
    @Test func replicaReportsItsLag() async throws {
        let my = try DBServers.mysql()
        let r = try await Self.probe(dsn: my.replicaDSN, password: my.password, thresholds: Self.lag(degraded: 5, unhealthy: 60))
            .run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        #expect(r.message.hasPrefix("MariaDB ") && r.message.hasSuffix(" replica, query ok"), "\(r.message)")
        #expect(r.observation("role") == .text("replica"))
        #expect(r.observation("replica_io_running") == .text("Yes"))
        #expect(r.observation("replica_sql_running") == .text("Yes"))
        let lag = try #require(r.number("replica_lag_seconds"), "a replica reports its lag")
        #expect(lag >= 0 && lag < 5)
        #expect(Judge.judge(r, thresholds: Self.lag(degraded: 5, unhealthy: 60)).status == .healthy)
        // The same lag judged against a zero budget: the threshold reads the observation.
        let strict = Judge.judge(r, thresholds: Self.lag(degraded: -1, unhealthy: 60))
        #expect(strict.status == .degraded, "\(strict.reason)")
    }

    /// A replica whose primary cannot be reached: its IO thread keeps `Connecting`, its lag is
    /// unknown, and the run fails saying why, with the thread's last error.
    @Test func replicaCutOffFromItsPrimaryIsUnhealthy() async throws {
        let my = try DBServers.mysql()
        let r = try await Self.probe(dsn: my.replicaDownDSN, password: my.password).run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message.hasPrefix("replica IO thread is not connected to the primary (Connecting): error connecting to master"), "\(r.message)")
        #expect(r.observation("replica_io_running") == .text("Connecting"))
        #expect(r.observation("replica_lag_seconds") == nil, "NULL lag is no observation")
        DBTest.expectClean(r.message, secrets: [my.password])
    }

    /// MySQL 8's names for the same columns, and a stopped SQL thread, without a server.
    @Test func replicaStatusInMySQLsWords() {
        let columns = ["Replica_IO_Running", "Replica_SQL_Running", "Seconds_Behind_Source", "Last_SQL_Error"]
        let running = MySQLSession.ResultSet(columns: columns, rows: [["Yes", "Yes", "12", ""]])
        let ok = MySQLProbe.judgeReplica(running, secrets: [])
        #expect(ok.isReplica && ok.problem == nil)
        #expect(ok.observations.contains { $0.name == "replica_lag_seconds" && $0.value == .number(12) })
        let stopped = MySQLSession.ResultSet(columns: columns, rows: [["Yes", "No", nil, "Error 'x' on query; pw s3cr3t"]])
        let bad = MySQLProbe.judgeReplica(stopped, secrets: ["s3cr3t"])
        #expect(bad.problem == "replica SQL thread is not running: Error 'x' on query; pw <redacted>")
        #expect(!bad.observations.contains { $0.name == "replica_lag_seconds" })
        let primary = MySQLProbe.judgeReplica(MySQLSession.ResultSet(columns: columns, rows: []), secrets: [])
        #expect(!primary.isReplica && primary.problem == nil)
    }
}

import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

/// The `postgres` probe against the real server `make test` starts, and against loopback
/// listeners that refuse, hang, or speak HTTP.
@Suite(.enabled(if: DBServers.postgresAvailable, DBServers.skipPostgres))
struct PostgresProbeTests {
    static func probe(
        dsn: String, password: String?, query: String? = nil, role: PostgresSettings.Role? = nil,
        timeout: Duration = .seconds(2), thresholds: Thresholds = Thresholds()
    ) throws -> PostgresProbe {
        var settings = PostgresSettings(dsn: Secret(dsn))
        settings.password = password.map(Secret.init)
        if let query { settings.query = query }
        settings.expectRole = role
        return try PostgresProbe(settings: settings, timeout: timeout, thresholds: thresholds)
    }

    static func healthy(query: String? = nil, role: PostgresSettings.Role? = nil, thresholds: Thresholds = Thresholds()) throws -> (PostgresProbe, DBServers.Postgres) {
        let pg = try DBServers.postgres()
        return (try probe(dsn: pg.dsn, password: pg.password, query: query, role: role, thresholds: thresholds), pg)
    }

    /// The test DSN pointed at another local port (same user, database and sslmode).
    static func dsn(port: Int, sslmode: String = "disable") -> String {
        "postgres://vitals@127.0.0.1:\(port)/vitals?sslmode=\(sslmode)"
    }

    @Test func healthyServerAnswersWithVersionAndState() async throws {
        let (probe, pg) = try Self.healthy()
        let r = await probe.run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        let version = try #require(r.observation("server_version"))
        guard case .text(let v) = version else { Issue.record("server_version is not text"); return }
        #expect(v.range(of: #"^\d+\.\d+$"#, options: .regularExpression) != nil)
        #expect(r.message == "PostgreSQL \(v) primary, query ok")
        #expect(r.number("in_recovery") == 0)
        #expect(r.observation("role") == .text("primary"))
        #expect(r.observation("replication_lag") == nil)
        let connections = try #require(r.number("connections_percent"))
        #expect(connections > 0 && connections <= 100)
        try DBTest.expectHealthyRun(r, secrets: [pg.password])
    }

    @Test func passwordInTheDSNWorksAndNeverShows() async throws {
        let pg = try DBServers.postgres()
        let withPassword = pg.dsn.replacingOccurrences(of: "vitals@", with: "vitals:\(pg.password)@")
        let r = try await Self.probe(dsn: withPassword, password: nil).run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        DBTest.expectClean(r.message, secrets: [pg.password])
    }

    /// TLS to the real server: the role `vitals_tls` may log in only over TLS (`hostssl`, and
    /// `hostnossl ... reject`), so a success with `sslmode=require` shows the session is encrypted;
    /// `verify-full` checks the test CA and the address in the certificate.
    @Test func tlsWithSslmodeRequireAndVerifyFull() async throws {
        let pg = try DBServers.postgres()
        let tls = try DBServers.variable("VITALS_TEST_PG_TLS_DSN")
        let ca = try DBServers.variable("VITALS_TEST_CA_FILE")
        let required = try await Self.probe(dsn: tls + "?sslmode=require", password: pg.password).run(deadline: .now + .seconds(2))
        #expect(required.success, "\(required.message)")
        let verified = try await Self.probe(dsn: tls + "?sslmode=verify-full&sslrootcert=\(ca)", password: pg.password)
            .run(deadline: .now + .seconds(2))
        #expect(verified.success, "\(verified.message)")
        // The same role without TLS is refused by the server: the success above was over TLS.
        let plain = try await Self.probe(dsn: tls + "?sslmode=disable", password: pg.password).run(deadline: .now + .seconds(2))
        #expect(!plain.success)
        #expect(plain.message.contains("no encryption"), "\(plain.message)")
        // A root that did not sign the server's certificate fails verification.
        let wrongRoot = try await Self.probe(dsn: tls + "?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt", password: pg.password)
            .run(deadline: .now + .seconds(2))
        #expect(!wrongRoot.success)
        #expect(wrongRoot.message.contains("certificate verify failed"), "\(wrongRoot.message)")
        for r in [required, verified, plain, wrongRoot] { DBTest.expectClean(r.message, secrets: [pg.password]) }
    }

    @Test func expectedPrimaryIsHealthy() async throws {
        let (probe, _) = try Self.healthy(role: .primary)
        let r = await probe.run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
    }

    @Test func expectedReplicaOnAPrimaryFailsWithTheRole() async throws {
        let (probe, _) = try Self.healthy(role: .replica)
        let r = await probe.run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message == "role is primary, expected replica")
        #expect(r.observation("server_version") != nil, "observations are kept on a failed judgement")
    }

    @Test func wrongPasswordSaysWhyWithoutThePassword() async throws {
        let pg = try DBServers.postgres()
        let wrong = "wrong-\(pg.password)-x"
        let viaSetting = try await Self.probe(dsn: pg.dsn, password: wrong).run(deadline: .now + .seconds(2))
        #expect(!viaSetting.success)
        #expect(viaSetting.message == "password authentication failed for user \"vitals\"")
        DBTest.expectClean(viaSetting.message, secrets: [wrong, pg.password])

        let inDSN = pg.dsn.replacingOccurrences(of: "vitals@", with: "vitals:\(wrong)@")
        let viaDSN = try await Self.probe(dsn: inDSN, password: nil).run(deadline: .now + .seconds(2))
        #expect(viaDSN.message == "password authentication failed for user \"vitals\"")
        DBTest.expectClean(viaDSN.message, secrets: [wrong, pg.password])
    }

    @Test func missingDatabaseIsNamed() async throws {
        let pg = try DBServers.postgres()
        let dsn = pg.dsn.replacingOccurrences(of: "/vitals?", with: "/nope?")
        let r = try await Self.probe(dsn: dsn, password: pg.password).run(deadline: .now + .seconds(2))
        #expect(r.message == "database \"nope\" does not exist")
    }

    @Test func failingQueryReportsThePrimaryMessage() async throws {
        let (probe, _) = try Self.healthy(query: "SELECT * FROM no_such_table")
        let r = await probe.run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message == "query failed: relation \"no_such_table\" does not exist")
        #expect(r.observation("server_version") != nil)
    }

    @Test func slowQueryIsJudgedByLatency() async throws {
        let (probe, _) = try Self.healthy(query: "SELECT pg_sleep(0.2)", thresholds: DBTest.latencyThreshold(degraded: .milliseconds(100)))
        let r = await probe.run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        #expect(r.latency >= .milliseconds(200))
        #expect(try #require(r.number("query_time")) >= 0.2)
        #expect(r.message.hasPrefix("PostgreSQL "))
        let judged = Judge.judge(r, thresholds: DBTest.latencyThreshold(degraded: .milliseconds(100)))
        #expect(judged.status == .degraded)
    }

    /// A query that returns 100 MB fails at the 1 MiB cap, long before its deadline, instead of
    /// libpq holding the whole result; a query with many small rows under the cap is fine.
    @Test func hugeResultEndsAtTheCap() async throws {
        let pg = try DBServers.postgres()
        let huge = try Self.probe(
            dsn: pg.dsn, password: pg.password, query: "SELECT repeat('x', 1000) FROM generate_series(1, 100000)", timeout: .seconds(20))
        let r = await huge.run(deadline: .now + .seconds(20))
        #expect(!r.success)
        #expect(r.message == "result too large (over 1024 KiB)", "\(r.message)")
        #expect(r.latency < .seconds(10), "read \(r.latency) of rows before giving up")

        let (many, _) = try Self.healthy(query: "SELECT g FROM generate_series(1, 5000) g")
        let ok = await many.run(deadline: .now + .seconds(5))
        #expect(ok.success, "\(ok.message)")
        #expect(ok.observation("role") == .text("primary"), "the state query after a many-row query still reads its row")
    }

    /// A query the probe gave up on is cancelled by the server soon after, not left running.
    @Test func timedOutQueryDoesNotKeepRunningOnTheServer() async throws {
        let (slow, pg) = try Self.healthy(query: "SELECT pg_sleep(5.01)")
        let (r, past, _) = await DBTest.timed(slow, timeout: .milliseconds(300))
        #expect(r.message == "timeout after 300ms")
        #expect(past < Timing.slack)
        try await Task.sleep(for: .milliseconds(500))
        // Divides by zero while another backend still runs the sleep.
        let check = try Self.probe(
            dsn: pg.dsn, password: pg.password,
            query: "SELECT 1 / (1 - count(*))::int FROM pg_stat_activity WHERE query LIKE '%pg_sleep(5.01)%' AND pid <> pg_backend_pid()")
        let gone = await check.run(deadline: .now + .seconds(2))
        #expect(gone.success, "the timed-out query is still running: \(gone.message)")
    }

    @Test func refusedConnectionSaysSo() async throws {
        let port = try LoopbackServer.closedPort()
        let r = try await Self.probe(dsn: Self.dsn(port: port), password: "pw-not-shown").run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message == "connection refused")
        #expect(r.latency < .seconds(1))
    }

    /// Several hosts: the first refuses, the next answers. (Moving on resolves the next host's
    /// name inside `PQconnectPoll`, so those steps run on the blocking executor.)
    @Test func multiHostDSNMovesOnToTheNextHost() async throws {
        let pg = try DBServers.postgres()
        let closed = try LoopbackServer.closedPort()
        let probe = try Self.probe(
            dsn: "postgres://vitals@127.0.0.1:\(closed),localhost:\(pg.port)/vitals?sslmode=disable", password: pg.password)
        #expect(probe.multiHost)
        let r = await probe.run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
    }

    /// A unix-socket DSN (`host=/dir`), when the environment names the socket folder.
    @Test func unixSocketDSN() async throws {
        let pg = try DBServers.postgres()
        let dir = try TestEnvironment.require("VITALS_TEST_PG_SOCKET_DIR")
        let probe = try Self.probe(dsn: "host=\(dir) port=\(pg.port) dbname=vitals user=vitals", password: pg.password)
        let r = await probe.run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
    }

    /// A server that accepts and never answers: the probe ends at its deadline, not at libpq's
    /// `connect_timeout`, and a healthy probe running at the same time is not held up.
    @Test func hungServerEndsAtTheDeadlineAndDelaysNobody() async throws {
        let hung = try LoopbackServer(.hang)
        defer { withExtendedLifetime(hung) {} }
        let stuck = try Self.probe(dsn: Self.dsn(port: hung.port), password: "pw", timeout: .milliseconds(600))
        let (healthy, _) = try Self.healthy()
        let other = try await DBTest.expectHungEndsAtTheDeadline(stuck, beside: healthy)
        #expect(other.success, "\(other.message)")
    }

    @Test(arguments: ["disable", "prefer"])
    func serverSpeakingHTTPIsAClearFailure(sslmode: String) async throws {
        let http = try LoopbackServer(.reply(DBTest.badRequest, after: .zero))
        defer { withExtendedLifetime(http) {} }
        let probe = try Self.probe(dsn: Self.dsn(port: http.port, sslmode: sslmode), password: "pw-secret")
        let (r, past, _) = await DBTest.timed(probe, timeout: .seconds(2))
        #expect(!r.success)
        #expect(past < .zero, "a wrong protocol must fail at once, not time out")
        #expect(!r.message.hasPrefix("timeout"))
        DBTest.expectClean(r.message, secrets: ["pw-secret"])
    }

    @Test func cancellationEndsAHungRunPromptly() async throws {
        let hung = try LoopbackServer(.hang)
        defer { withExtendedLifetime(hung) {} }
        let stuck = try Self.probe(dsn: Self.dsn(port: hung.port), password: "pw", timeout: .seconds(5))
        let start = ContinuousClock.now
        let task = Task { await stuck.run(deadline: .now + .seconds(5)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let r = await task.value
        #expect(r.message == "cancelled")
        #expect(start.duration(to: .now) < .seconds(1))
    }
}

/// Text handling that needs no server.
struct PostgresProbeTextTests {
    @Test func libpqErrorsBecomeOneLine() {
        let refusedTwice = """
            connection to server at "localhost" (::1), port 1 failed: Connection refused
            \tIs the server running on that host and accepting TCP/IP connections?
            connection to server at "localhost" (127.0.0.1), port 1 failed: Connection refused
            \tIs the server running on that host and accepting TCP/IP connections?

            """
        #expect(PostgresProbe.cleanError(refusedTwice, secrets: []) == "connection refused")
        let auth = "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password authentication failed for user \"vitals\"\n"
        #expect(PostgresProbe.cleanError(auth, secrets: []) == "password authentication failed for user \"vitals\"")
        let socket = "connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: No such file or directory\n\tIs the server running locally and accepting connections on that socket?\n"
        #expect(PostgresProbe.cleanError(socket, secrets: []) == "no such file or directory")
        let closed = "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.\n"
        #expect(PostgresProbe.cleanError(closed, secrets: []) == "server closed the connection unexpectedly")
        #expect(PostgresProbe.cleanError("FATAL:  bad s3cret here\n", secrets: ["s3cret"]) == "bad <redacted> here")
        #expect(PostgresProbe.cleanError("SSL error: certificate verify failed\n", secrets: []) == "SSL error: certificate verify failed")
        #expect(PostgresProbe.cleanError("", secrets: []) == "connection failed")
    }

    @Test func scrubbingShortSecretsLeavesWordsAlone() {
        #expect(Redactor.scrub("expected x but got \"x\"", ["x"]) == "expected <redacted> but got \"<redacted>\"")
        #expect(Redactor.scrub("a hunter2hunter2 b", ["hunter2"]) == "a <redacted><redacted> b")
        #expect(Redactor.scrub("p$s, p$ssword", ["p$s"]) == "<redacted>, p$ssword")
    }

    @Test func versionsReadLikePostgresWritesThem() {
        #expect(PostgresProbe.versionText(150018) == "15.18")
        #expect(PostgresProbe.versionText(160002) == "16.2")
        #expect(PostgresProbe.versionText(90624) == "9.6.24")
    }

    @Test func dsnPasswordsAreFoundForScrubbing() {
        #expect(Redactor.dsnPasswords(of: "postgres://app:p%40ss@db:5432/x") == ["p%40ss", "p@ss"])
        #expect(Redactor.dsnPasswords(of: "host=db password='a b' user=x") == ["a b"])
        #expect(Redactor.dsnPasswords(of: "host=db password=abc user=x") == ["abc"])
        #expect(Redactor.dsnPasswords(of: "postgres://app@db/x").isEmpty)
    }

    @Test func invalidDSNIsRejectedWithoutItsPassword() {
        var settings = PostgresSettings(dsn: Secret("postgres://app:hunter2@db:5432/x?bogus_option=1"))
        settings.password = Secret("other-secret")
        #expect {
            try PostgresProbe(settings: settings, timeout: .seconds(2))
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("invalid dsn: ") && !text.contains("hunter2") && !text.contains("other-secret")
        }
    }

    @Test func timeoutLabelNamesTheConfiguredTimeout() {
        #expect(PostgresProbe.timeoutLabel(configured: .seconds(2), budget: .milliseconds(1999)) == .seconds(2))
        #expect(PostgresProbe.timeoutLabel(configured: .seconds(2), budget: .milliseconds(500)) == .milliseconds(500))
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CLibPQ
import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// `postgres`: connect with libpq, run the configured query (default `SELECT 1`), and read the
/// server's state (recovery, replication lag, connection use) in one more round trip.
///
/// Everything is non-blocking and parked on the `SocketPoller` under the probe's deadline:
/// libpq's own `connect_timeout` is whole seconds, covers only the connect, and is enforced only
/// by the blocking `PQconnectdb`, so it is passed along but the deadline is what ends a run.
/// The one libpq call that can block, `PQconnectStartParams` (it resolves the first host name
/// and reads `~/.pgpass`), runs on the `BlockingExecutor`; so does every `PQconnectPoll` step
/// when the DSN names several hosts, because moving to the next host resolves its name.
///
/// Each query goes out as `SET LOCAL statement_timeout = <time left + 100 ms>; <query>` in one
/// message, so a query the probe gave up on does not keep running on a struggling server until
/// it finishes on its own, one more every interval (`SET LOCAL` lasts for that one implicit
/// transaction: nothing leaks into the session or, behind a pooler, into other clients'). The
/// margin lets the probe's own deadline fire first, which reports `timeout after 2s`.
///
/// Latency is connect plus the configured query, what a client of the database experiences.
/// The state query is not counted: it is the probe's own overhead, one round trip always made
/// because its answers (`in_recovery`, `replication_lag`, `connections_percent`) are what people
/// read on `/health/detailed`, and it costs the server microseconds. If it fails (a proxy that
/// hides `pg_stat_activity`, a PostgreSQL-compatible server without those functions) the run
/// still succeeds, unless `expect.role` or a `replication_lag`/`connections_percent` threshold
/// needs its answers.
public struct PostgresProbe: Probe {
    /// Keywords and values for `PQconnectStartParams`, in processing order (later wins).
    let keywords: [String]
    let values: [String]
    let query: String
    let expectRole: PostgresSettings.Role?
    /// Whether the state query's answers are needed to judge the run.
    let needsState: Bool
    /// A DSN listing several hosts makes libpq resolve names inside `PQconnectPoll`.
    let multiHost: Bool
    /// Strings that must never appear in a message: the configured password, the DSN's.
    let secrets: [String]
    let timeout: Duration
    /// Where this probe's blocking calls run, one at a time (`BlockingLane`).
    let lane = BlockingLane()

    public var blockedSince: ContinuousClock.Instant? { lane.busySince }

    /// `thresholds`: the component's; the server's state is read only when one needs it.
    public init(settings: PostgresSettings, timeout: Duration, thresholds: Thresholds = Thresholds()) throws {
        let dsn = settings.dsn.value
        var secrets = Redactor.dsnPasswords(of: dsn)
        if let p = settings.password?.value, !p.isEmpty { secrets.append(p) }

        let options: [String: String]
        switch PostgresConninfo.parse(dsn) {
        case .success(let o): options = o
        case .failure(let failure): throw ProbeSetupError("invalid dsn: \(Redactor.scrub(failure.text, secrets))", key: "dsn")
        }
        if let problem = PostgresConninfo.problem(in: options) {
            throw ProbeSetupError("invalid dsn: \(Redactor.scrub(problem, secrets))", key: "dsn")
        }
        if let p = options["password"], !p.isEmpty, !secrets.contains(p) { secrets.append(p) }
        self.secrets = secrets
        multiHost = (options["host"] ?? "").contains(",") || (options["hostaddr"] ?? "").contains(",")

        // Our defaults first (the DSN may override them), then the DSN, then the password
        // from `password`/`password_file`, which wins over one written in the DSN.
        let seconds = max(2, Int(timeout.seconds.rounded(.up)))  // libpq treats 1 as 2
        var keywords = ["connect_timeout", "application_name", "dbname"]
        var values = [String(seconds), "vitals", dsn]
        // An empty one (`${PGPASSWORD:-}` unset) is none: the DSN's, or ~/.pgpass, then applies.
        if let password = settings.password?.value, !password.isEmpty {
            keywords.append("password")
            values.append(password)
        }
        self.keywords = keywords
        self.values = values

        query = settings.query
        expectRole = settings.expectRole
        needsState = settings.expectRole != nil || thresholds["replication_lag"] != nil
            || thresholds["connections_percent"] != nil
        self.timeout = timeout
    }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        let timeout = Self.timeoutLabel(configured: self.timeout, budget: start.duration(to: deadline))
        func elapsed() -> Duration { start.duration(to: .now) }
        func stopped() -> ProbeResult {
            Task.isCancelled ? .failure("cancelled", latency: elapsed()) : .timeout(after: timeout)
        }

        // 1. Start the connection (may resolve a name: on the executor, bounded by the deadline).
        var session: PostgresSession
        switch await PostgresSession.open(
            keywords: keywords, values: values, deadline: deadline, multiHost: multiHost, maxResultBytes: Self.maxResultBytes,
            keptRows: Self.keptRows, lane: lane)
        {
        case .success(let s): session = s
        case .failure(.timedOut), .failure(.cancelled): return stopped()
        case .failure(.busy(let busy)): return .stillHung(startedAt: busy.since, latency: elapsed())
        case .failure(let failure): return .failure(failure.text(secrets), latency: elapsed())
        }
        defer { session.finish() }

        // 2. Drive PQconnectPoll until the connection is made.
        var observations: [Observation] = []
        if let failure = await session.connect() {
            return result(for: failure, latency: elapsed(), timeout: timeout, observations: observations)
        }
        let connected = elapsed()
        let version = Self.versionText(session.serverVersion)
        observations.append(Observation("server_version", text: version))
        observations.append(Observation("connect_time", connected.seconds, unit: "seconds"))

        // 3. The configured query.
        let queryStart = ContinuousClock.now
        switch await session.execute(query) {
        case .failure(let failure):
            return result(for: failure, latency: elapsed(), timeout: timeout, observations: observations)
        case .success:
            break
        }
        let latency = elapsed()
        observations.append(Observation("query_time", queryStart.duration(to: .now).seconds, unit: "seconds"))

        // 4. Server state, one round trip.
        let stateQuery = session.serverVersion >= 100000 ? Self.stateQuery : Self.stateQuery9
        let row: [String?]
        switch await session.execute(stateQuery) {
        case .success(let rows) where rows.count == 1 && rows[0].count == 4:
            row = rows[0]
        case .success:
            row = []
        case .failure(.timedOut):
            return .timeout(after: timeout)
        case .failure(.cancelled):
            return .failure("cancelled", latency: elapsed())
        case .failure(let failure):
            if needsState {
                return .failure("could not read server state: \(failure.text(secrets))", latency: latency, observations: observations)
            }
            row = []
        }
        var inRecovery: Bool?
        if row.count == 4 {
            inRecovery = row[0] == "t"
            observations.append(Observation("role", text: inRecovery == true ? "replica" : "primary"))
            observations.append(Observation("in_recovery", inRecovery == true ? 1 : 0))
            if let lag = row[1].flatMap(Double.init) { observations.append(Observation("replication_lag", max(0, lag), unit: "seconds")) }
            if let used = row[2].flatMap(Double.init), let max = row[3].flatMap(Double.init), max > 0 {
                observations.append(Observation("connections_percent", used / max * 100, unit: "percent"))
            }
        } else if needsState {
            return .failure("could not read server state: unexpected answer", latency: latency, observations: observations)
        }

        if let expectRole, let inRecovery {
            let role: PostgresSettings.Role = inRecovery ? .replica : .primary
            if role != expectRole {
                return .failure("role is \(role.rawValue), expected \(expectRole.rawValue)", latency: latency, observations: observations)
            }
        }
        // What the server is comes first; the query is in the config, and a long one cut to fit
        // said nothing.
        let role = inRecovery.map { $0 ? " replica" : " primary" } ?? ""
        return ProbeResult(success: true, latency: latency, message: "PostgreSQL \(version)\(role), query ok", observations: observations)
    }

    private func result(for failure: PostgresSession.Failure, latency: Duration, timeout: Duration, observations: [Observation]) -> ProbeResult {
        switch failure {
        case .timedOut: .timeout(after: timeout)
        case .busy(let busy): .stillHung(startedAt: busy.since, latency: latency)
        default: .failure(failure.text(secrets), latency: latency, observations: observations)
        }
    }

    // MARK: - Server state

    /// The most a query's rows may carry in all (values plus a byte per field): a health query
    /// answers in bytes; past this the run fails rather than hold the result.
    static let maxResultBytes = 1 << 20
    /// Rows kept of the first result: the state query needs one; the configured query's are not used.
    static let keptRows = 16

    /// `in_recovery`, replication lag (0 when everything received is replayed: an idle primary
    /// must not look like a lagging replica), client connections, `max_connections`.
    ///
    /// "Everything received is replayed" is `receive <= replay`, not `=`: when a replica
    /// (re)starts, its receive position begins at the start of the WAL segment it streams
    /// from, behind what it already replayed from its own pg_wal, and stays there until the
    /// primary writes again. With `=`, a restarted replica of an idle primary reported the age
    /// of the last replayed transaction as lag, growing without end while fully caught up.
    ///
    /// And only while a WAL receiver runs (`pg_stat_wal_receiver` has its row, whose pid every
    /// role may see): a replica cut off from its primary has replayed all it received, yet
    /// knows nothing of what the primary wrote since; then its lag is the age of the last
    /// replayed transaction, as when it is behind.
    static let stateQuery = """
        SELECT pg_is_in_recovery(), \
        CASE WHEN NOT pg_is_in_recovery() THEN NULL \
        WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0 \
        ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END, \
        (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), \
        current_setting('max_connections')::int
        """
    /// The same before PostgreSQL 10 (xlog names, no `backend_type`).
    static let stateQuery9 = """
        SELECT pg_is_in_recovery(), \
        CASE WHEN NOT pg_is_in_recovery() THEN NULL \
        WHEN pg_last_xlog_receive_location() <= pg_last_xlog_replay_location() THEN 0 \
        ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END, \
        (SELECT count(*) FROM pg_stat_activity), \
        current_setting('max_connections')::int
        """

    // MARK: - Text

    /// `150018` → `15.18`; `90624` → `9.6.24`.
    static func versionText(_ v: Int32) -> String {
        if v <= 0 { return "unknown" }
        if v >= 100000 { return "\(v / 10000).\(v % 10000)" }
        return "\(v / 10000).\(v / 100 % 100).\(v % 100)"
    }

    /// The timeout a message names: the configured one, unless the deadline the caller gave is
    /// clearly another budget (a `check` run, a test).
    static func timeoutLabel(configured: Duration, budget: Duration) -> Duration {
        abs((budget - configured).seconds) <= 0.1 ? configured : max(budget, .zero)
    }

    /// libpq's multi-line error text as one line: the hint lines (tab-indented) and the
    /// `connection to server at "h", port p failed:` preamble dropped, severity prefixes
    /// (`FATAL:  `) removed, the same reason for several addresses said once, secrets scrubbed.
    static func cleanError(_ raw: String, secrets: [String]) -> String {
        var reasons: [String] = []
        for line in raw.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("\t") || line.hasPrefix(" ") { continue }
            var text = line.trimmingCharacters(in: .whitespaces)
            for preamble in [#"^connection to server (at|on) .*? failed: ?"#, #"^could not connect to server: ?"#] {
                if let r = text.range(of: preamble, options: .regularExpression) { text.removeSubrange(r) }
            }
            for severity in ["FATAL:", "ERROR:", "PANIC:"] where text.hasPrefix(severity) {
                text = String(text.dropFirst(severity.count)).trimmingCharacters(in: .whitespaces)
            }
            text = MessageText.lowerFirstWord(text)
            if !text.isEmpty, !reasons.contains(text) { reasons.append(text) }
        }
        let joined = reasons.isEmpty ? "connection failed" : reasons.joined(separator: "; ")
        return Redactor.scrub(MessageText.oneLine(joined), secrets)
    }
}

extension PostgresSession.Failure {
    /// The failure as the probe's message says it: libpq's text cleaned, secrets scrubbed.
    func text(_ secrets: [String]) -> String {
        switch self {
        case .timedOut: "timeout"
        case .cancelled: "cancelled"
        case .libpq(let raw): PostgresProbe.cleanError(raw, secrets: secrets)
        case .other(let text): Redactor.scrub(text, secrets)
        case .busy(let busy): ProbeResult.stillHung(startedAt: busy.since).message
        }
    }
}

import Foundation
import VitalsConfig
import VitalsCore
import VitalsIO

/// `mysql`: MySQL or MariaDB through libmariadb's non-blocking API (`MySQLSession`): connect
/// (TLS by `ssl_mode`), run the configured query (default `SELECT 1`), then read the server's
/// state in one more round trip: `read_only`, connections used of `max_connections`, and, when
/// it is a replica, its lag and the state of its IO and SQL threads.
///
/// Each query goes out behind `SET SESSION max_statement_time` (MariaDB) or
/// `max_execution_time` (MySQL 5.7.8+, SELECTs only) set to the time left plus 100 ms, in the
/// same round trip, so a query the probe gave up on does not keep running on a struggling
/// server, one more every interval. The margin lets the probe's own deadline fire first.
///
/// Latency is connect plus the configured query. The state query is the probe's own overhead;
/// if it fails (a user without the REPLICATION CLIENT / REPLICA MONITOR privilege cannot read
/// the replica status) the run still succeeds, without those observations, unless a
/// `replica_lag_seconds` or `connections_percent` threshold needs them.
///
/// A replica whose IO thread is not connected to its primary, or whose SQL thread is stopped,
/// is unhealthy, with the thread's last error in the message: its lag is unknown (the server
/// reports NULL) and it serves ever older data.
public struct MySQLProbe: Probe {
    let target: MySQLSession.Target
    let query: String
    let requireTLS: Bool
    let needsState: Bool
    /// Strings that must never appear in a message: the configured password, the DSN's.
    let secrets: [String]
    let timeout: Duration
    /// Where the connect start runs when it resolves a host name (`BlockingLane`).
    let lane = BlockingLane()

    public var blockedSince: ContinuousClock.Instant? { lane.busySince }

    /// The most a query's rows may carry in all (values plus a byte per field).
    static let maxResultBytes = 1 << 20
    /// Rows kept of each result set: the state query's have one each.
    static let keptRows = 16

    public init(settings: MySQLSettings, timeout: Duration, thresholds: Thresholds = Thresholds()) throws {
        var secrets = Redactor.dsnPasswords(of: settings.dsn.value)
        let configured = settings.password?.value.isEmpty == false ? settings.password?.value : nil
        if let configured { secrets.append(configured) }
        let dsn: MySQLDSN
        switch MySQLDSN.parse(settings.dsn.value) {
        case .success(let d): dsn = d
        case .failure(let e): throw ProbeSetupError("invalid dsn: \(e.text)", key: "dsn")
        }
        if let p = dsn.password, !p.isEmpty, !secrets.contains(p) { secrets.append(p) }
        self.secrets = secrets
        let mode: MySQLTLS.Mode =
            switch settings.sslMode {
            case .disabled: .disabled
            case .preferred: .preferred
            case .required: .required
            case .verifyIdentity: .verifyIdentity
            }
        // `password`/`password_file` wins over one written in the DSN; an empty one is none.
        target = MySQLSession.Target(
            host: dsn.host, port: dsn.port, user: dsn.user, password: configured ?? dsn.password, database: dsn.database, sslMode: mode,
            caFile: settings.tls?.caFile, certFile: settings.tls?.clientCertFile, keyFile: settings.tls?.clientKeyFile)
        requireTLS = settings.sslMode == .required || settings.sslMode == .verifyIdentity
        query = settings.query
        needsState = thresholds["replica_lag_seconds"] != nil || thresholds["connections_percent"] != nil
        self.timeout = timeout
    }

    public func run(deadline: ContinuousClock.Instant) async -> ProbeResult {
        let start = ContinuousClock.now
        let timeout = PostgresProbe.timeoutLabel(configured: self.timeout, budget: start.duration(to: deadline))
        func elapsed() -> Duration { start.duration(to: .now) }
        func failed(_ failure: MySQLSession.Failure, _ observations: [Observation] = [], latency: Duration? = nil) -> ProbeResult {
            switch failure {
            case .timedOut: .timeout(after: timeout)
            case .cancelled: .failure("cancelled", latency: elapsed())
            case .busy(let busy): .stillHung(startedAt: busy.since, latency: elapsed())
            default: .failure(text(failure), latency: latency ?? elapsed(), observations: observations)
            }
        }

        // 1. Connect: handshake, TLS, authentication.
        let session: MySQLSession
        switch await MySQLSession.connect(
            target, deadline: deadline, maxResultBytes: Self.maxResultBytes, keptRows: Self.keptRows, lane: lane)
        {
        case .success(let s): session = s
        case .failure(let f): return failed(f)
        }
        defer { session.close() }
        let connected = elapsed()
        let info = session.serverInfo
        let flavour = Flavour(info: info, version: session.serverVersion)
        var observations = [
            Observation("server_version", text: flavour.version), Observation("connect_time", connected.seconds, unit: "seconds"),
        ]
        if let cipher = session.cipher {
            observations.append(Observation("tls_cipher", text: cipher))
        } else if requireTLS {
            return .failure("the server does not offer TLS (ssl_mode: \(target.sslMode == .required ? "required" : "verify_identity"))",
                latency: connected, observations: observations)
        }

        // 2. The configured query, behind the server-side time limit.
        let queryStart = ContinuousClock.now
        if let failure = await session.execute(flavour.timeLimit(left: ContinuousClock.now.duration(to: deadline)) + query).failure {
            return failed(failure, observations)
        }
        let latency = elapsed()
        observations.append(Observation("query_time", queryStart.duration(to: .now).seconds, unit: "seconds"))

        // 3. Server state: variables and connections, then the replica status.
        let state = await session.execute(
            "SELECT @@read_only, @@max_connections; SHOW GLOBAL STATUS LIKE 'Threads_connected'; \(flavour.replicaStatus)")
        var sets = state.sets
        var stateFailure = state.failure
        if sets.count == 2, case .mysql(1064, _)? = stateFailure, flavour.replicaStatus != Flavour.olderReplicaStatus {
            // A server older than its version says (a fork, a proxy): the old statement.
            let older = await session.execute(Flavour.olderReplicaStatus)
            sets += older.sets
            stateFailure = older.failure
        }
        if case .timedOut? = stateFailure { return .timeout(after: timeout) }
        if case .cancelled? = stateFailure { return .failure("cancelled", latency: elapsed()) }
        let variables = sets.first
        let readOnly = variables?.rows.first?.first.flatMap { $0 }.map { $0 == "1" || $0.uppercased() == "ON" }
        if let readOnly { observations.append(Observation("read_only", readOnly ? 1 : 0)) }
        if let max = variables?.rows.first.flatMap({ $0.count > 1 ? $0[1] : nil }).flatMap(Double.init), max > 0,
            let used = sets.count > 1 ? sets[1].value("Value").flatMap(Double.init) : nil
        {
            observations.append(Observation("connections", used, unit: "count"))
            observations.append(Observation("connections_percent", used / max * 100, unit: "percent"))
        }
        let replica = sets.count > 2 ? sets[2] : nil
        if replica == nil, needsState {
            let why = stateFailure.map(text) ?? "unexpected answer"
            return .failure("could not read server state: \(why)", latency: latency, observations: observations)
        }
        var role = ""
        if let replica {
            let judged = Self.judgeReplica(replica, secrets: secrets)
            observations += judged.observations
            role = judged.isReplica ? " replica" : " primary"
            if let problem = judged.problem { return .failure(problem, latency: latency, observations: observations) }
        }
        let readOnlyText = readOnly == true ? ", read-only" : ""
        return ProbeResult(
            success: true, latency: latency, message: "\(flavour.name) \(flavour.version)\(role)\(readOnlyText), query ok",
            observations: observations)
    }

    /// The replica status row (none on a primary) as observations, and what makes it unhealthy.
    static func judgeReplica(_ status: MySQLSession.ResultSet, secrets: [String]) -> (
        isReplica: Bool, observations: [Observation], problem: String?
    ) {
        guard !status.rows.isEmpty else { return (false, [Observation("role", text: "primary")], nil) }
        var observations = [Observation("role", text: "replica")]
        let io = status.value("Slave_IO_Running", "Replica_IO_Running") ?? "unknown"
        let sql = status.value("Slave_SQL_Running", "Replica_SQL_Running") ?? "unknown"
        observations.append(Observation("replica_io_running", text: io))
        observations.append(Observation("replica_sql_running", text: sql))
        if let lag = status.value("Seconds_Behind_Master", "Seconds_Behind_Source").flatMap(Double.init) {
            observations.append(Observation("replica_lag_seconds", lag, unit: "seconds"))
        }
        func lastError(_ column: String) -> String {
            guard let e = status.value(column), !e.isEmpty else { return "" }
            return ": " + Redactor.scrub(MessageText.oneLine(e), secrets)
        }
        var problem: String?
        if sql != "Yes" {
            problem = "replica SQL thread is not running\(lastError("Last_SQL_Error"))"
        } else if io != "Yes" {
            let state = io == "Connecting" ? "is not connected to the primary (Connecting)" : "is not running"
            problem = "replica IO thread \(state)\(lastError("Last_IO_Error"))"
        }
        return (true, observations, problem)
    }

    /// A failure as the message says it: one line, secrets scrubbed.
    func text(_ failure: MySQLSession.Failure) -> String {
        switch failure {
        case .timedOut: "timeout"
        case .cancelled: "cancelled"
        case .busy(let busy): ProbeResult.stillHung(startedAt: busy.since).message
        case .tooLarge(let limit): "result too large (over \(limit / 1024) KiB)"
        case .other(let text): Redactor.scrub(text, secrets)
        case .mysql(let code, let raw):
            Redactor.scrub("\(MessageText.lowerFirstWord(MessageText.oneLine(raw))) (error \(code))", secrets)
        }
    }

    /// What the server is, and the statements that differ between MySQL and MariaDB versions.
    struct Flavour {
        var name: String
        var version: String
        var isMariaDB: Bool
        /// `major * 10000 + minor * 100 + patch`.
        var number: UInt

        static let olderReplicaStatus = "SHOW SLAVE STATUS"

        /// `info`: `10.11.19-MariaDB-0+deb12u1` or `8.0.36`.
        init(info: String, version: UInt) {
            isMariaDB = info.localizedCaseInsensitiveContains("mariadb")
            name = isMariaDB ? "MariaDB" : "MySQL"
            self.version = String(info.prefix { $0 != "-" }).isEmpty ? "unknown" : String(info.prefix { $0 != "-" })
            number = version
        }

        /// `SHOW REPLICA STATUS` from MariaDB 10.5.1 and MySQL 8.0.22; `SHOW SLAVE STATUS` before.
        var replicaStatus: String {
            (isMariaDB ? number >= 100501 : number >= 80022) ? "SHOW REPLICA STATUS" : Self.olderReplicaStatus
        }

        /// The statement that bounds the next one on the server, with its `;`, or nothing on a
        /// server without such a variable.
        func timeLimit(left: Duration) -> String {
            let ms = max(1, Int((left.seconds * 1000).rounded(.up))) + 100
            if isMariaDB, number >= 100100 { return "SET SESSION max_statement_time = \(Double(ms) / 1000); " }
            if !isMariaDB, number >= 50708 { return "SET SESSION max_execution_time = \(ms); " }
            return ""
        }
    }
}

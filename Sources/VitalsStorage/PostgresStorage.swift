import Foundation
import Synchronization
import VitalsCore

/// `storage: postgres`: the tables of `storage: sqlite` in a PostgreSQL database that every
/// replica of a sharded deployment writes to and reads from (spec section 8).
///
/// Writes go through the shared `StorageWriter`; each batch is one query on the writer's own
/// connection. Reads (endpoints, the restore on start, the other shards' components) take turns
/// on a second connection. Both are made again after the database restarts; while it is away,
/// batches fail and are counted, probes and endpoints go on.
public final class PostgresStorage: PersistentStorage {
    public typealias Options = StorageOptions

    private let options: Options
    private let writer: StorageWriter
    private let writerLink: PostgresLink
    private let reader: PostgresLink
    /// The session that holds the service lock while this replica evaluates `on: service`
    /// rules: a session-level advisory lock, released by the server when the session ends.
    private let lockLink: PostgresLink
    private let holdsLock = Mutex(false)
    /// Fleet membership's own session: its renewals never wait behind a slow read or a batch.
    let fleetLink: PostgresLink
    /// Reads on the endpoints' path: a deadline each, and fast 503s while the server does not answer.
    private let reads = ReadGuard(name: "postgres")
    /// The shards' reads of each other's components (not an endpoint's).
    private let readTimeout: Duration = .seconds(5)

    public var isPersistent: Bool { true }

    private init(options: Options, writerLink: PostgresLink, reader: PostgresLink, lockLink: PostgresLink, fleetLink: PostgresLink) {
        self.options = options
        self.fleetLink = fleetLink
        self.writerLink = writerLink
        self.reader = reader
        self.lockLink = lockLink
        writer = StorageWriter(name: "postgres", options: options, store: PostgresBatchStore(link: writerLink, location: options.location))
    }

    /// Connects, creates or migrates the schema (refusing a newer one), and starts the writer.
    public static func open(dsn: String, password: String?, options: Options = Options()) async throws(StorageError) -> PostgresStorage {
        let link = PostgresLink(dsn: dsn, password: password, notice: options.notice)
        switch await link.query(PostgresSchema.migrateSQL(), timeout: .seconds(15)) {
        case .failure(let f):
            link.close()
            throw StorageError.database(path: "postgres", message: f.message)
        case .success(let rows):
            let found = rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0
            if found > PostgresSchema.version {
                link.close()
                throw StorageError.newerSchema(path: "postgres", found: found, known: PostgresSchema.version)
            }
        }
        return PostgresStorage(
            options: options, writerLink: link, reader: PostgresLink(dsn: dsn, password: password, notice: options.notice),
            lockLink: PostgresLink(dsn: dsn, password: password, notice: options.notice),
            fleetLink: PostgresLink(dsn: dsn, password: password, notice: options.notice))
    }

    public var writes: StorageCounts { writer.writes }

    public func close() {
        writer.close()
        writerLink.close()
        reader.close()
        lockLink.close()
        fleetLink.close()
    }

    public func metricsText() -> String { writer.metricsText() }

    /// The health store's hook: queued at once, under its lock (never waits for the writer).
    public func recorded(
        component: String, entry: HistoryEntry, observations: [Observation], status: HealthStatus, staleAfter: Duration,
        transition: StatusTransition?
    ) { writer.recorded(component, entry, observations, status, staleAfter, transition) }
    public func changed(component: String, transition: StatusTransition) { writer.enqueue(.transition(component, transition)) }
    public func record(component: String, entry: HistoryEntry) async { writer.recorded(component, entry) }
    public func record(component: String, transition: StatusTransition) async { writer.enqueue(.transition(component, transition)) }
    public func put(namespace: String, key: String, value: Data) async throws { try await writer.committed { .put(namespace, key, value, $0) } }
    public func remove(namespace: String, key: String) async throws { try await writer.committed { .remove(namespace, key, $0) } }

    /// The advisory lock's key for `on: service` rules ("service" in ASCII).
    static let serviceLockKey = 0x73_6572_7669_6365

    /// Whether this replica holds the service lock, after one step: takes it when free, or
    /// checks that the session holding it is still alive. Any failure of that session means
    /// the server has released (or will release) the lock, so it counts as not held; another
    /// replica takes it over at its next step.
    public func holdServiceLock() async -> Bool {
        let held = holdsLock.withLock { $0 }
        let sql = held ? "SELECT true" : "SELECT pg_try_advisory_lock(\(Self.serviceLockKey))"
        let now: Bool
        switch await lockLink.query(sql, timeout: .seconds(2)) {
        case .success(let rows): now = rows.first?.first == "t"
        case .failure: now = false
        }
        holdsLock.withLock { $0 = now }
        return now
    }

    // MARK: Reads

    private static let q = PGText.literal

    private static func range(_ component: String, _ since: Date?, _ until: Date?, _ limit: Int) -> String {
        "component = \(q(component)) AND at >= \(PGText.number(since?.timeIntervalSince1970 ?? 0)) AND at <= \(PGText.number(until?.timeIntervalSince1970 ?? 1e15)) ORDER BY at DESC LIMIT \(max(0, limit))"
    }

    /// The restore's reads on start (not an endpoint's: no read deadline of theirs).
    private func rows(_ sql: String, timeout: Duration) async -> [[String?]] {
        (try? await reader.query(sql, timeout: timeout).get()) ?? []
    }

    /// An endpoint's read: under the read deadline, through the breaker.
    func endpointRead(_ sql: String) async -> StorageRead<[[String?]]> { await read(sql) }

    private func read(_ sql: String) async -> StorageRead<[[String?]]> {
        let reader = self.reader
        return await reads.read { deadline, ended in
            defer { ended() }
            switch await reader.query(sql, until: deadline) {
            case .failure(let f) where f.kind == PostgresLink.timedOut: return nil
            case let outcome: return outcome
            }
        }
    }

    public func history(component: String, since: Date?, until: Date?, limit: Int) async -> [HistoryEntry] {
        await readHistory(component: component, since: since, until: until, limit: limit).value ?? []
    }

    public func readHistory(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[HistoryEntry]> {
        await read("SELECT at, status, latency, message, success FROM results WHERE " + Self.range(component, since, until, limit))
            .map { $0.compactMap { Self.historyEntry($0[...]) } }
    }

    public func transitions(component: String, since: Date?, until: Date?, limit: Int) async -> [StatusTransition] {
        await readTransitions(component: component, since: since, until: until, limit: limit).value ?? []
    }

    public func readTransitions(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[StatusTransition]> {
        await read("SELECT at, from_status, to_status, message FROM transitions WHERE " + Self.range(component, since, until, limit))
            .map { $0.compactMap { Self.transition($0[...]) } }
    }

    public func transition(component: String, after at: Date) async -> StorageRead<StatusTransition?> {
        await read(
            "SELECT at, from_status, to_status, message FROM transitions WHERE component = \(Self.q(component)) AND at > \(PGText.number(at.timeIntervalSince1970)) ORDER BY at LIMIT 1"
        ).map { $0.compactMap { Self.transition($0[...]) }.first }
    }

    public func rollups(component: String, window: Duration, now: Date = Date()) async -> StorageRead<[Rollup]> {
        let w = RollupWindow(window, now: now)
        return await read(Self.rollupsSQL(components: [component], period: w.period, from: w.from, to: w.to)).map { $0.compactMap { Self.rollup($0.dropFirst()) } }
    }

    public func uptimeOfAll(window: Duration, now: Date) async -> StorageRead<[String: (uptime: Double?, coverage: Double)]> {
        let w = RollupWindow(window, now: now)
        let sql = RollupBook.totalsSQL(
            placeholders: false, period: w.period.rawValue, from: w.from.timeIntervalSince1970, to: w.to.timeIntervalSince1970)
        return await read(sql).map { rows in
            var out: [String: (uptime: Double?, coverage: Double)] = [:]
            for r in rows where r.count == 4 {
                guard let c = r[0] else { continue }
                let v = r.dropFirst().map { $0.flatMap(Double.init) ?? 0 }
                out[c] = w.uptime(healthy: v[0], degraded: v[1], unhealthy: v[2])
            }
            return out
        }
    }

    public func rollups(of components: [String], period: RollupPeriod, since: Date, until: Date) async -> [String: [Rollup]] {
        await readRollups(of: components, period: period, since: since, until: until).value ?? [:]
    }

    /// One query: `component = ANY(array)` walks the primary key (component, period, start) per name.
    public func readRollups(of components: [String], period: RollupPeriod, since: Date, until: Date) async -> StorageRead<[String: [Rollup]]> {
        guard !components.isEmpty else { return .value([:]) }
        return await read(Self.rollupsSQL(components: components, period: period, from: since, to: until)).map { rows in
            var out: [String: [Rollup]] = [:]
            for row in rows {
                guard let c = row.first ?? nil, let r = Self.rollup(row.dropFirst()) else { continue }
                out[c, default: []].append(r)
            }
            return out
        }
    }

    public func incidentsByDay(since: Date, until: Date) async -> [String: [Int: Int]] {
        await readIncidentsByDay(since: since, until: until).value ?? [:]
    }

    public func readIncidentsByDay(since: Date, until: Date) async -> StorageRead<[String: [Int: Int]]> {
        let sql = Incidents.sql(
            from: PGText.number(since.timeIntervalSince1970), to: PGText.number(until.timeIntervalSince1970), day: "floor(at / 86400)::bigint")
        return await read(sql).map { rows in
            var out: [String: [Int: Int]] = [:]
            for row in rows where row.count == 3 {
                guard let c = row[0], let day = row[1].flatMap({ Int($0) }), let n = row[2].flatMap({ Int($0) }) else { continue }
                out[c, default: [:]][day] = n
            }
            return out
        }
    }

    public func all(namespace: String) async throws -> [String: Data] {
        var out: [String: Data] = [:]
        // Alert state on start and on a handover: not an endpoint's read (no breaker, a longer wait).
        let rows: [[String?]]
        switch await reader.query("SELECT key, value FROM state WHERE namespace = \(Self.q(namespace))", timeout: .seconds(30)) {
        case .success(let r): rows = r
        case .failure(let f): throw StorageError.database(path: "postgres", message: f.message)
        }
        for row in rows {
            if row.count == 2, let key = row[0], let text = row[1], let value = Data(base64Encoded: text) { out[key] = value }
        }
        return out
    }

    /// Components in chunks of 500, each chunk's history, transitions, newest observations and
    /// hourly roll-ups in one query apiece (`LATERAL` walks the index per component).
    public func restore(components: [(name: String, history: Int)]) async -> [String: StoredComponent] {
        var out: [String: StoredComponent] = [:]
        let now = options.now()
        var start = 0
        while start < components.count {
            let chunk = Array(components[start..<min(components.count, start + 500)])
            start += chunk.count
            let names = PGText.array(chunk.map(\.name))
            let limits = "ARRAY[" + chunk.map { String(max(0, $0.history)) }.joined(separator: ",") + "]::int[]"
            var history: [String: [HistoryEntry]] = [:]
            var transitions: [String: [StatusTransition]] = [:]
            var observations: [String: [Observation]] = [:]
            var hourly: [String: [Rollup]] = [:]
            // Each component's own number of rows (a windowed threshold may want more than `history`).
            for row in await rows(
                "SELECT w.c, r.at, r.status, r.latency, r.message, r.success FROM unnest(\(names), \(limits)) AS w(c, n) CROSS JOIN LATERAL "
                    + "(SELECT at, status, latency, message, success FROM results WHERE component = w.c ORDER BY at DESC LIMIT w.n) r",
                timeout: .seconds(60))
            {
                guard let c = row.first ?? nil, let e = Self.historyEntry(row.dropFirst()) else { continue }
                history[c, default: []].append(e)
            }
            for row in await rows(
                "SELECT c, t.at, t.from_status, t.to_status, t.message FROM unnest(\(names)) AS c CROSS JOIN LATERAL "
                    + "(SELECT at, from_status, to_status, message FROM transitions WHERE component = c ORDER BY at DESC LIMIT 50) t", timeout: .seconds(60))
            {
                guard let c = row.first ?? nil, let t = Self.transition(row.dropFirst()) else { continue }
                transitions[c, default: []].append(t)
            }
            for row in await rows("SELECT component, observations FROM component_status WHERE component = ANY(\(names))", timeout: .seconds(60)) {
                if row.count == 2, let c = row[0], let text = row[1] { observations[c] = StoredObservations.parse(text) }
            }
            for row in await rows(Self.rollupsSQL(names: names, period: .hour, from: RollupWindow(.seconds(86_400), now: now).from, to: now), timeout: .seconds(60)) {
                guard let c = row.first ?? nil, let r = Self.rollup(row.dropFirst()) else { continue }
                hourly[c, default: []].append(r)
            }
            for c in chunk where history[c.name] != nil || transitions[c.name] != nil {
                out[c.name] = StoredComponent(
                    history: history[c.name] ?? [], transitions: transitions[c.name] ?? [], observations: observations[c.name] ?? [],
                    hourly: hourly[c.name] ?? [])
            }
        }
        return out
    }

    /// The latest state of the named components as their own replicas last wrote it (the
    /// components other shards probe), in one query.
    /// Nil when the database did not answer (what was known stays shown, and turns stale).
    public func latest(components names: [String]) async -> [String: StoredStatus]? {
        guard !names.isEmpty else { return [:] }
        let sql = "SELECT component, status, coalesce(since, last_check), last_check, latency, message, observations, stale_after FROM component_status WHERE component = ANY(\(PGText.array(names)))"
        guard case .success(let rows) = await reader.query(sql, timeout: readTimeout) else { return nil }
        var out: [String: StoredStatus] = [:]
        for row in rows {
            guard row.count == 8, let c = row[0], let status = row[1].flatMap(HealthStatus.init(rawValue:)), let since = row[2].flatMap(Double.init),
                let last = row[3].flatMap(Double.init), let latency = row[4].flatMap(Double.init), let message = row[5],
                let staleAfter = row[7].flatMap(Double.init)
            else { continue }
            out[c] = StoredStatus(
                status: status, since: Date(timeIntervalSince1970: since), lastCheck: Date(timeIntervalSince1970: last),
                latency: .microseconds(Int64((latency * 1_000_000).rounded())), message: message,
                observations: row[6].map(StoredObservations.parse) ?? [], staleAfter: .milliseconds(Int64(staleAfter * 1000)))
        }
        return out
    }

    /// What the other locations last wrote of the named components (`location_status`, each
    /// after that location's own hysteresis), with whether each location's canary fails, in
    /// one query. Nil when the database did not answer.
    public func locationReports(components names: [String], except location: String) async -> [String: [LocationReport]]? {
        guard !names.isEmpty else { return [:] }
        let sql = """
            SELECT s.component, s.location, s.status, s.last_check, s.latency, s.message, coalesce(c.failed, false)
            FROM location_status s LEFT JOIN location_canary c ON c.location = s.location
            WHERE s.component = ANY(\(PGText.array(names))) AND s.location <> \(Self.q(location))
            """
        guard case .success(let rows) = await reader.query(sql, timeout: readTimeout) else { return nil }
        var out: [String: [LocationReport]] = [:]
        for row in rows {
            guard row.count == 7, let c = row[0], let at = row[1], let status = row[2].flatMap(HealthStatus.init(rawValue:)),
                let last = row[3].flatMap(Double.init), let latency = row[4].flatMap(Double.init), let message = row[5]
            else { continue }
            out[c, default: []].append(
                LocationReport(
                    location: at, status: status, lastCheck: Date(timeIntervalSince1970: last),
                    latency: .microseconds(Int64((latency * 1_000_000).rounded())), message: message, canaryFailed: row[6] == "t"))
        }
        return out
    }

    /// Whether this location's canary fails, for the other locations to leave it out.
    @discardableResult
    public func setCanary(location: String, failed: Bool, at date: Date) async -> Bool {
        let sql = """
            INSERT INTO location_canary (location, failed, at) VALUES (\(Self.q(location)), \(failed), \(PGText.number(date.timeIntervalSince1970)))
            ON CONFLICT (location) DO UPDATE SET failed = excluded.failed, at = excluded.at
            """
        if case .success = await reader.query(sql, timeout: readTimeout) { return true }
        return false
    }

    private static func rollupsSQL(components: [String], period: RollupPeriod, from: Date, to: Date) -> String {
        rollupsSQL(names: PGText.array(components), period: period, from: from, to: to)
    }

    /// The roll-ups of `period` starting in `[from, to)`, by component and start.
    private static func rollupsSQL(names: String, period: RollupPeriod, from: Date, to: Date) -> String {
        """
        SELECT component, start, healthy_seconds, degraded_seconds, unhealthy_seconds, results, failures, latency_min, latency_sum, latency_max
        FROM rollups WHERE component = ANY(\(names)) AND period = '\(period.rawValue)' AND start >= \(from.timeIntervalSince1970)
            AND start < \(to.timeIntervalSince1970) ORDER BY component, start
        """
    }

    private static func historyEntry(_ row: ArraySlice<String?>) -> HistoryEntry? {
        let r = Array(row)
        guard r.count == 5, let at = r[0].flatMap(Double.init), let judgement = r[1].flatMap(HealthStatus.init(rawValue:)),
            let latency = r[2].flatMap(Double.init), let message = r[3]
        else { return nil }
        return HistoryEntry(
            at: Date(timeIntervalSince1970: at), judgement: judgement, latency: .microseconds(Int64((latency * 1_000_000).rounded())),
            message: message, success: r[4].map { $0 == "t" })
    }

    private static func transition(_ row: ArraySlice<String?>) -> StatusTransition? {
        let r = Array(row)
        guard r.count == 4, let at = r[0].flatMap(Double.init), let from = r[1].flatMap(HealthStatus.init(rawValue:)),
            let to = r[2].flatMap(HealthStatus.init(rawValue:)), let message = r[3]
        else { return nil }
        return StatusTransition(at: Date(timeIntervalSince1970: at), from: from, to: to, message: message)
    }

    private static func rollup(_ row: ArraySlice<String?>) -> Rollup? {
        let r = Array(row).map { $0.flatMap(Double.init) }
        guard r.count == 9, let start = r[0], let h = r[1], let d = r[2], let u = r[3], let n = r[4], let f = r[5], let sum = r[7] else { return nil }
        return Rollup(
            start: Date(timeIntervalSince1970: start), healthy: h, degraded: d, unhealthy: u, results: Int(n), failures: Int(f),
            latencyMin: r[6], latencySum: sum, latencyMax: r[8])
    }
}

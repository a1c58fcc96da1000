import Foundation
import Synchronization
import VitalsCore
import VitalsIO

/// `storage: sqlite`: history, transitions, roll-ups and alert state in one SQLite file.
///
/// Writes go through the shared `StorageWriter` (a bounded queue, one writer thread, batches of
/// one transaction each, prepared statements). Reads run on the blocking executor through a
/// connection of their own (WAL: readers never wait for the writer).
public final class SQLiteStorage: PersistentStorage {
    public typealias Options = StorageOptions

    public let path: String
    private let options: Options
    private let writer: StorageWriter
    private let reader: Locked<SQLiteDatabase>
    /// The endpoints' reads: a deadline each, and fast 503s while the file does not answer.
    private let reads = ReadGuard(name: "sqlite")

    public var isPersistent: Bool { true }

    public init(path: String, options: Options = Options()) throws(StorageError) {
        self.path = path
        self.options = options
        let db: SQLiteDatabase
        do {
            // `.vitals/state.db` on a first start: the folder is made, the file created.
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            db = try SQLiteDatabase(path: path)
        } catch {
            throw StorageError.database(path: path, message: error.message)
        }
        // A malformed file is refused before anything is written to it.
        if let problem = SQLiteCheck.problem(db) {
            throw StorageError.database(path: path, message: problem + "; restore it from a backup, or move it aside to start afresh")
        }
        try SQLiteSchema.migrate(db)
        do {
            reader = Locked(try SQLiteDatabase(path: path, readOnly: true))
            writer = StorageWriter(name: path, options: options, store: try SQLiteBatchStore(db, location: options.location))
        } catch {
            throw StorageError.database(path: path, message: error.message)
        }
    }

    public var writes: StorageCounts { writer.writes }

    public func close() { writer.close() }

    deinit { close() }

    // MARK: Storage

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
    public func metricsText() -> String { writer.metricsText() }

    public func history(component: String, since: Date?, until: Date?, limit: Int) async -> [HistoryEntry] {
        await readHistory(component: component, since: since, until: until, limit: limit).value ?? []
    }

    public func readHistory(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[HistoryEntry]> {
        await read(Self.historySQL, Self.range(component, since, until, limit)).map { $0.compactMap(Self.historyEntry) }
    }

    public func transitions(component: String, since: Date?, until: Date?, limit: Int) async -> [StatusTransition] {
        await readTransitions(component: component, since: since, until: until, limit: limit).value ?? []
    }

    public func readTransitions(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[StatusTransition]> {
        await read(Self.transitionsSQL, Self.range(component, since, until, limit)).map { $0.compactMap(Self.transition) }
    }

    public func transition(component: String, after at: Date) async -> StorageRead<StatusTransition?> {
        let sql = "SELECT at, from_status, to_status, message FROM transitions WHERE component = ? AND at > ? ORDER BY at LIMIT 1"
        return await read(sql, [.text(component), .real(at.timeIntervalSince1970)]).map { $0.compactMap(Self.transition).first }
    }

    /// Every component's history, transitions, newest observations and last day of hourly
    /// roll-ups, in one job on the reader connection (ten thousand components restore in
    /// about a second rather than one executor hop per query).
    public func restore(components: [(name: String, history: Int)]) async -> [String: StoredComponent] {
        let reader = self.reader
        let now = options.now()
        return await BlockingExecutor.shared.run {
            reader.withLock { db -> [String: StoredComponent] in
                guard let history = try? db.prepare(Self.historySQL), let transitions = try? db.prepare(Self.transitionsSQL),
                    let observations = try? db.prepare("SELECT observations FROM results WHERE component = ? ORDER BY at DESC LIMIT 1"),
                    let hourly = try? db.prepare(Self.rollupsSQL)
                else { return [:] }
                var out: [String: StoredComponent] = [:]
                for c in components {
                    let h = ((try? history.rows(Self.range(c.name, nil, nil, c.history))) ?? []).compactMap(Self.historyEntry)
                    let t = ((try? transitions.rows(Self.range(c.name, nil, nil, 50))) ?? []).compactMap(Self.transition)
                    guard !h.isEmpty || !t.isEmpty else { continue }
                    var obs: [Observation] = []
                    if case .text(let json)? = (try? observations.rows([.text(c.name)]))?.first?.first { obs = StoredObservations.parse(json) }
                    let r = ((try? hourly.rows(Self.rollupRange(c.name, RollupWindow(.seconds(86_400), now: now)))) ?? []).compactMap(Self.rollup)
                    out[c.name] = StoredComponent(history: h, transitions: t, observations: obs, hourly: r)
                }
                return out
            }
        }
    }

    private static let historySQL = "SELECT at, status, latency, message, success FROM results " + newestInRange
    private static let transitionsSQL = "SELECT at, from_status, to_status, message FROM transitions " + newestInRange
    private static let rollupsSQL = """
        SELECT start, healthy_seconds, degraded_seconds, unhealthy_seconds, results, failures, latency_min, latency_sum, latency_max
        FROM rollups WHERE component = ? AND period = ? AND start >= ? AND start < ? ORDER BY start
        """

    private static func historyEntry(_ row: [SQLiteStatement.Value]) -> HistoryEntry? {
        guard row.count == 5, case .real(let at) = row[0], case .text(let status) = row[1], case .real(let latency) = row[2],
            case .text(let message) = row[3], let judgement = HealthStatus(rawValue: status)
        else { return nil }
        // Seconds as stored, to the microsecond a probe measures.
        let micros = Duration.microseconds(Int64((latency * 1_000_000).rounded()))
        var success: Bool?
        if case .integer(let s) = row[4] { success = s != 0 }
        return HistoryEntry(at: Date(timeIntervalSince1970: at), judgement: judgement, latency: micros, message: message, success: success)
    }

    private static func transition(_ row: [SQLiteStatement.Value]) -> StatusTransition? {
        guard row.count == 4, case .real(let at) = row[0], case .text(let from) = row[1], case .text(let to) = row[2],
            case .text(let message) = row[3], let f = HealthStatus(rawValue: from), let t = HealthStatus(rawValue: to)
        else { return nil }
        return StatusTransition(at: Date(timeIntervalSince1970: at), from: f, to: t, message: message)
    }

    private static func rollup(_ r: [SQLiteStatement.Value]) -> Rollup? {
        func real(_ v: SQLiteStatement.Value) -> Double? {
            switch v {
            case .real(let d): d
            case .integer(let i): Double(i)
            default: nil
            }
        }
        guard r.count == 9, let start = real(r[0]), let h = real(r[1]), let d = real(r[2]), let u = real(r[3]),
            case .integer(let n) = r[4], case .integer(let f) = r[5], let sum = real(r[7])
        else { return nil }
        return Rollup(
            start: Date(timeIntervalSince1970: start), healthy: h, degraded: d, unhealthy: u, results: Int(n), failures: Int(f),
            latencyMin: real(r[6]), latencySum: sum, latencyMax: real(r[8]))
    }

    private static func rollupRange(_ component: String, _ window: RollupWindow) -> [SQLiteStatement.Value] {
        [.text(component), .text(window.period.rawValue), .real(window.from.timeIntervalSince1970), .real(window.to.timeIntervalSince1970)]
    }

    /// Uptime and coverage over the `window` before `now`, from hourly roll-ups up to 7 days and
    /// daily ones beyond (spec section 4: time-weighted, gaps unknown).
    public func uptime(component: String, window: Duration, now: Date = Date()) async -> (uptime: Double?, coverage: Double) {
        RollupWindow(window, now: now).uptime(await rollups(component: component, window: window, now: now).value ?? [])
    }

    /// Per bucket of the window (hourly up to 7 days, daily beyond), oldest first: its start,
    /// seconds healthy, degraded and unhealthy, results, failures, latency min, sum and max.
    public func rollups(component: String, window: Duration, now: Date = Date()) async -> StorageRead<[Rollup]> {
        await read(Self.rollupsSQL, Self.rollupRange(component, RollupWindow(window, now: now))).map { $0.compactMap(Self.rollup) }
    }

    /// One statement: the names go in as one JSON array, and `IN (json_each)` seeks each
    /// component's rows through the primary key (component, period, start) rather than
    /// scanning every component's roll-ups.
    public func rollups(of components: [String], period: RollupPeriod, since: Date, until: Date) async -> [String: [Rollup]] {
        await readRollups(of: components, period: period, since: since, until: until).value ?? [:]
    }

    public func readRollups(of components: [String], period: RollupPeriod, since: Date, until: Date) async -> StorageRead<[String: [Rollup]]> {
        guard !components.isEmpty else { return .value([:]) }
        var names = "["
        for (i, c) in components.enumerated() {
            if i > 0 { names += "," }
            JSONString.append(c, to: &names)
        }
        names += "]"
        let sql = """
            SELECT component, start, healthy_seconds, degraded_seconds, unhealthy_seconds, results, failures, latency_min, latency_sum, latency_max
            FROM rollups WHERE component IN (SELECT value FROM json_each(?)) AND period = ? AND start >= ? AND start < ? ORDER BY component, start
            """
        return await read(sql, [.text(names), .text(period.rawValue), .real(since.timeIntervalSince1970), .real(until.timeIntervalSince1970)]).map { rows in
            var out: [String: [Rollup]] = [:]
            for row in rows {
                guard case .text(let c)? = row.first, let r = Self.rollup(Array(row.dropFirst())) else { continue }
                out[c, default: []].append(r)
            }
            return out
        }
    }

    public func incidentsByDay(since: Date, until: Date) async -> [String: [Int: Int]] {
        await readIncidentsByDay(since: since, until: until).value ?? [:]
    }

    public func readIncidentsByDay(since: Date, until: Date) async -> StorageRead<[String: [Int: Int]]> {
        let sql = Incidents.sql(from: "?", to: "?", day: "CAST(at / 86400 AS INTEGER)")
        return await read(sql, [.real(since.timeIntervalSince1970), .real(until.timeIntervalSince1970)]).map { rows in
            var out: [String: [Int: Int]] = [:]
            for row in rows {
                guard row.count == 3, case .text(let c) = row[0], case .integer(let day) = row[1], case .integer(let n) = row[2] else { continue }
                out[c, default: [:]][Int(day)] = Int(n)
            }
            return out
        }
    }

    public func uptimeOfAll(window: Duration, now: Date) async -> StorageRead<[String: (uptime: Double?, coverage: Double)]> {
        let w = RollupWindow(window, now: now)
        return await read(RollupBook.totalsSQL(placeholders: true), Array(Self.rollupRange("", w).dropFirst())).map { Self.uptimes($0, w) }
    }

    private static func uptimes(_ rows: [[SQLiteStatement.Value]], _ w: RollupWindow) -> [String: (uptime: Double?, coverage: Double)] {
        var out: [String: (uptime: Double?, coverage: Double)] = [:]
        for r in rows {
            guard r.count == 4, case .text(let c) = r[0] else { continue }
            func real(_ v: SQLiteStatement.Value) -> Double {
                switch v {
                case .real(let d): d
                case .integer(let i): Double(i)
                default: 0
                }
            }
            out[c] = w.uptime(healthy: real(r[1]), degraded: real(r[2]), unhealthy: real(r[3]))
        }
        return out
    }

    /// Alert state, read on start and on a handover: not an endpoint's read, so it neither waits
    /// on nor trips the endpoints' breaker (a fast 503 there must not lose alert state here).
    public func all(namespace: String) async throws -> [String: Data] {
        let reader = self.reader
        let read = await BlockingExecutor.shared.run { () -> Result<[[SQLiteStatement.Value]], SQLiteError> in
            reader.withLock { db in
                do throws(SQLiteError) {
                    return .success(try db.prepare("SELECT key, value FROM state WHERE namespace = ?").rows([.text(namespace)]))
                } catch {
                    return .failure(error)
                }
            }
        }
        let rows: [[SQLiteStatement.Value]]
        switch read {
        case .success(let r): rows = r
        case .failure(let e): throw StorageError.database(path: path, message: e.message)
        }
        var out: [String: Data] = [:]
        for row in rows {
            if row.count == 2, case .text(let key) = row[0], case .blob(let value) = row[1] { out[key] = Data(value) }
        }
        return out
    }

    /// One component's rows in `[since, until]`, newest first, at most `limit` (the index on
    /// component and time serves it); its parameters come from `range`.
    private static let newestInRange = "WHERE component = ? AND at >= ? AND at <= ? ORDER BY at DESC LIMIT ?"

    private static func range(_ component: String, _ since: Date?, _ until: Date?, _ limit: Int) -> [SQLiteStatement.Value] {
        [.text(component), .real(since?.timeIntervalSince1970 ?? 0), .real(until?.timeIntervalSince1970 ?? .greatestFiniteMagnitude),
         .integer(Int64(max(0, limit)))]
    }

    /// A query on the reader connection, on the blocking executor (file I/O), given up at the
    /// read deadline (a hung disk): the job then ends on its thread, and no other read starts
    /// before it has (`ReadGuard`).
    private func read(_ sql: String, _ values: [SQLiteStatement.Value]) async -> StorageRead<[[SQLiteStatement.Value]]> {
        let reader = self.reader
        return await reads.read { deadline, ended in
            await BlockingExecutor.shared.run(abandoningAt: deadline) { () -> Result<[[SQLiteStatement.Value]], StorageFailure> in
                defer { ended() }
                return reader.withLock { db in
                    do throws(SQLiteError) {
                        return .success(try db.prepare(sql).rows(values))
                    } catch {
                        return .failure(StorageFailure(message: error.message, kind: error.kind))
                    }
                }
            }
        }
    }

}

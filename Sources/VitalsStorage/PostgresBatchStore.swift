import Foundation
import VitalsCore

/// The PostgreSQL writer's side: each batch is one multi-statement query (one implicit
/// transaction: all of it or none), rows of a table in one multi-row INSERT, and each
/// component's latest state upserted into `component_status` for the other shards to read, and
/// into `location_status` under this process's location for the other locations to read.
struct PostgresBatchStore: BatchStore {
    let link: PostgresLink
    /// Written with every result (`StorageOptions.location`).
    var location = "default"
    /// Per batch: a database that does not answer in this time costs the batch a retry.
    var timeout: Duration = .seconds(10)

    func commit(_ batch: [StorageWrite], rollups: [RollupBook.Key: RollupBook.Delta]) throws(StorageFailure) {
        let sql = Self.sql(batch, rollups: rollups, location: location)
        if sql.isEmpty { return }
        if case .failure(let f) = link.queryWaiting(sql, timeout: timeout) { throw f }
    }

    /// One step: at most `pruneBatch` of the oldest results and of the oldest transitions past
    /// their age (by ctid, found through the indexes on time), each table its own statement and
    /// transaction, so no lock is held for long; the roll-ups past theirs when `rollups`.
    func prune(now date: Date, options: StorageOptions, rollups: Bool) -> PruneStep {
        let now = date.timeIntervalSince1970
        var step = PruneStep()
        for (table, age) in [("results", options.retention), ("transitions", options.transitionRetention)] {
            let sql = """
                WITH gone AS (DELETE FROM \(table) WHERE ctid = ANY(ARRAY(SELECT ctid FROM \(table) WHERE at < \(now - age.seconds) \
                ORDER BY at LIMIT \(options.pruneBatch))) RETURNING 1) SELECT count(*) FROM gone
                """
            switch link.queryWaiting(sql, timeout: timeout) {
            case .success(let rows):
                let n = rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0
                step.deleted += n
                if n >= options.pruneBatch { step.more = true }
            case .failure(let f):
                step.failure = StorageFailure(message: "pruning: \(f.message)", kind: f.kind)
            }
        }
        if rollups {
            for (period, age) in RollupBook.retention(options) {
                let sql = "WITH gone AS (DELETE FROM rollups WHERE period = '\(period)' AND start < \(now - age.seconds) RETURNING 1) SELECT count(*) FROM gone"
                if case .success(let rows) = link.queryWaiting(sql, timeout: timeout) {
                    step.deleted += rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0
                }
            }
        }
        return step
    }

    /// `pg_database_size` and the oldest result through the index on time.
    func size() -> StorageSize {
        guard case .success(let rows) = link.queryWaiting("SELECT pg_database_size(current_database()), (SELECT min(at) FROM results)", timeout: timeout),
            let row = rows.first, row.count == 2
        else { return StorageSize() }
        return StorageSize(bytes: row[0].flatMap { Int64($0) }, oldestResult: row[1].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) })
    }

    static func sql(_ batch: [StorageWrite], rollups: [RollupBook.Key: RollupBook.Delta], location: String = "default") -> String {
        let q = PGText.literal, n = PGText.number
        var results: [String] = [], transitions: [String] = [], statements: [String] = []
        /// The newest result of each component in the batch, and the time of its newest transition.
        var latest: [String: (entry: HistoryEntry, observations: [Observation], status: HealthStatus, staleAfter: Duration)] = [:]
        var changed: [String: Date] = [:]
        for write in batch {
            switch write {
            case .result(let c, let e, let observations, let status, let staleAfter):
                let obs = StoredObservations.json(observations)
                results.append("(\(q(c)),\(n(e.at.timeIntervalSince1970)),\(q(e.judgement.rawValue)),\(n(e.latency.seconds)),\(q(e.message)),\(q(obs)),\(e.success),\(q(location)))")
                if latest[c].map({ $0.entry.at <= e.at }) ?? true { latest[c] = (e, observations, status, staleAfter) }
            case .transition(let c, let t):
                transitions.append("(\(q(c)),\(n(t.at.timeIntervalSince1970)),\(q(t.from.rawValue)),\(q(t.to.rawValue)),\(q(t.message)))")
                changed[c] = max(changed[c] ?? t.at, t.at)
            case .put(let ns, let k, let v, _):
                statements.append(
                    "INSERT INTO state (namespace, key, value) VALUES (\(q(ns)),\(q(k)),\(q(v.base64EncodedString()))) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value")
            case .remove(let ns, let k, _):
                statements.append("DELETE FROM state WHERE namespace = \(q(ns)) AND key = \(q(k))")
            }
        }
        var sql: [String] = []
        if !results.isEmpty {
            sql.append("INSERT INTO results (component, at, status, latency, message, observations, success, location) VALUES " + results.joined(separator: ","))
        }
        if !transitions.isEmpty {
            sql.append("INSERT INTO transitions (component, at, from_status, to_status, message) VALUES " + transitions.joined(separator: ","))
        }
        sql += statements
        if !rollups.isEmpty {
            let rows = rollups.map { key, d in
                "(\(q(key.component)),\(q(key.period)),\(n(key.start)),\(n(d.seconds[.healthy] ?? 0)),\(n(d.seconds[.degraded] ?? 0)),"
                    + "\(n(d.seconds[.unhealthy] ?? 0)),\(n(d.seconds[.unknown] ?? 0)),\(d.results),\(d.failures),\(n(d.latencyMin)),\(n(d.latencySum)),\(n(d.latencyMax)))"
            }
            sql.append(
                """
                INSERT INTO rollups (component, period, start, healthy_seconds, degraded_seconds, unhealthy_seconds, unknown_seconds,
                    results, failures, latency_min, latency_sum, latency_max) VALUES \(rows.joined(separator: ","))
                ON CONFLICT (component, period, start) DO UPDATE SET
                    healthy_seconds = rollups.healthy_seconds + excluded.healthy_seconds,
                    degraded_seconds = rollups.degraded_seconds + excluded.degraded_seconds,
                    unhealthy_seconds = rollups.unhealthy_seconds + excluded.unhealthy_seconds,
                    unknown_seconds = rollups.unknown_seconds + excluded.unknown_seconds,
                    results = rollups.results + excluded.results, failures = rollups.failures + excluded.failures,
                    latency_min = least(rollups.latency_min, excluded.latency_min),
                    latency_sum = rollups.latency_sum + excluded.latency_sum,
                    latency_max = greatest(rollups.latency_max, excluded.latency_max)
                """)
        }
        if !latest.isEmpty {
            let rows = latest.sorted { $0.key < $1.key }.map { c, l in
                "(\(q(c)),\(q(l.status.rawValue)),\(n(changed[c]?.timeIntervalSince1970)),\(n(l.entry.at.timeIntervalSince1970)),"
                    + "\(n(l.entry.latency.seconds)),\(q(l.entry.message)),\(q(StoredObservations.json(l.observations))),\(n(l.staleAfter.seconds)))"
            }
            sql.append(
                """
                INSERT INTO component_status (component, status, since, last_check, latency, message, observations, stale_after)
                VALUES \(rows.joined(separator: ","))
                ON CONFLICT (component) DO UPDATE SET status = excluded.status,
                    since = coalesce(excluded.since, component_status.since), last_check = excluded.last_check,
                    latency = excluded.latency, message = excluded.message, observations = excluded.observations,
                    stale_after = excluded.stale_after
                """)
            let located = latest.sorted { $0.key < $1.key }.map { c, l in
                "(\(q(c)),\(q(location)),\(q(l.status.rawValue)),\(n(l.entry.at.timeIntervalSince1970)),\(n(l.entry.latency.seconds)),\(q(l.entry.message)))"
            }
            sql.append(
                """
                INSERT INTO location_status (component, location, status, last_check, latency, message) VALUES \(located.joined(separator: ","))
                ON CONFLICT (component, location) DO UPDATE SET status = excluded.status, last_check = excluded.last_check,
                    latency = excluded.latency, message = excluded.message
                WHERE location_status.last_check <= excluded.last_check
                """)
        }
        return sql.joined(separator: ";\n")
    }
}

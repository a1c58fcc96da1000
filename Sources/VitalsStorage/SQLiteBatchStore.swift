import Foundation
import VitalsCore
import VitalsIO

/// The SQLite writer's side: its connection and prepared statements, one transaction per batch,
/// and retention in small passes. Owned by the writer thread.
struct SQLiteBatchStore: BatchStore {
    let db: SQLiteDatabase
    private let result: SQLiteStatement
    private let transition: SQLiteStatement
    private let put: SQLiteStatement
    private let remove: SQLiteStatement
    private let rollup: SQLiteStatement

    init(_ db: SQLiteDatabase) throws(SQLiteError) {
        self.db = db
        result = try db.prepare("INSERT INTO results (component, at, status, latency, message, observations, success) VALUES (?, ?, ?, ?, ?, ?, ?)")
        transition = try db.prepare("INSERT INTO transitions (component, at, from_status, to_status, message) VALUES (?, ?, ?, ?, ?)")
        put = try db.prepare("INSERT INTO state (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value")
        remove = try db.prepare("DELETE FROM state WHERE namespace = ? AND key = ?")
        rollup = try db.prepare(Self.upsertSQL)
    }

    func commit(_ batch: [StorageWrite], rollups: [RollupBook.Key: RollupBook.Delta]) throws(StorageFailure) {
        do {
            try db.transaction { () throws(SQLiteError) in
                for write in batch {
                    switch write {
                    case .result(let c, let e, let observations, _, _):
                        try result.run([
                            .text(c), .real(e.at.timeIntervalSince1970), .text(e.judgement.rawValue), .real(e.latency.seconds), .text(e.message),
                            .text(StoredObservations.json(observations)), .integer(e.success ? 1 : 0),
                        ])
                    case .transition(let c, let t):
                        try transition.run([.text(c), .real(t.at.timeIntervalSince1970), .text(t.from.rawValue), .text(t.to.rawValue), .text(t.message)])
                    case .put(let n, let k, let v, _):
                        try put.run([.text(n), .text(k), .blob(Array(v))])
                    case .remove(let n, let k, _):
                        try remove.run([.text(n), .text(k)])
                    }
                }
                for (key, d) in rollups {
                    func opt(_ v: Double?) -> SQLiteStatement.Value { v.map { .real($0) } ?? .null }
                    try rollup.run([
                        .text(key.component), .text(key.period), .real(key.start),
                        .real(d.seconds[.healthy] ?? 0), .real(d.seconds[.degraded] ?? 0), .real(d.seconds[.unhealthy] ?? 0),
                        .real(d.seconds[.unknown] ?? 0), .integer(Int64(d.results)), .integer(Int64(d.failures)),
                        opt(d.latencyMin), .real(d.latencySum), opt(d.latencyMax),
                    ])
                }
            }
        } catch {
            throw StorageFailure(message: error.message)
        }
    }

    /// One pass: at most `pruneBatch` rows past their age, oldest first, each table in its own
    /// short statement. Results and transitions go by rowid (rows arrive in time order: no index
    /// by time needed); hourly roll-ups are kept 90 days, daily ones as long as transitions.
    /// A failure leaves the rows for the next pass.
    func prune(now date: Date, options: StorageOptions) -> Int {
        let now = date.timeIntervalSince1970
        var deleted = 0
        for (table, age) in [("results", options.retention), ("transitions", options.transitionRetention)] {
            let sql = "DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) WHERE at < ? ORDER BY rowid LIMIT ?)"
            guard (try? db.prepare(sql).run([.real(now - age.seconds), .integer(Int64(options.pruneBatch))])) != nil else { continue }
            deleted += db.changes
        }
        for (period, age) in RollupBook.retention(options) {
            guard (try? db.prepare("DELETE FROM rollups WHERE period = ? AND start < ?").run([.text(period), .real(now - age.seconds)])) != nil
            else { continue }
            deleted += db.changes
        }
        return deleted
    }

    static let upsertSQL = """
        INSERT INTO rollups (component, period, start, healthy_seconds, degraded_seconds, unhealthy_seconds, unknown_seconds,
            results, failures, latency_min, latency_sum, latency_max) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (component, period, start) DO UPDATE SET
            healthy_seconds = healthy_seconds + excluded.healthy_seconds,
            degraded_seconds = degraded_seconds + excluded.degraded_seconds,
            unhealthy_seconds = unhealthy_seconds + excluded.unhealthy_seconds,
            unknown_seconds = unknown_seconds + excluded.unknown_seconds,
            results = results + excluded.results, failures = failures + excluded.failures,
            latency_min = min(coalesce(latency_min, excluded.latency_min), coalesce(excluded.latency_min, latency_min)),
            latency_sum = latency_sum + excluded.latency_sum,
            latency_max = max(coalesce(latency_max, excluded.latency_max), coalesce(excluded.latency_max, latency_max))
        """
}

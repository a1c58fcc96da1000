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
    /// Written with every result (`StorageOptions.location`).
    let location: String

    init(_ db: SQLiteDatabase, location: String) throws(SQLiteError) {
        self.db = db
        self.location = location
        result = try db.prepare(
            "INSERT INTO results (component, at, status, latency, message, observations, success, location) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
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
                            .text(StoredObservations.json(observations)), .integer(e.success ? 1 : 0), .text(location),
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
            throw StorageFailure(message: error.message, kind: error.kind)
        }
    }

    /// One step, each table in its own short statement (autocommit: the write lock is held for
    /// one statement). Results go by rowid: they arrive in time order, so the past-age ones are
    /// among the first rows, and a step looks at the first `pruneBatch` rows and deletes those
    /// past age, whatever the table's size, with no index by time to pay on every write (a
    /// straggler a little newer than its neighbours stays for the next step). Transitions go by
    /// their index on time. Hourly roll-ups are kept 90 days, daily ones as long as transitions.
    func prune(now date: Date, options: StorageOptions, rollups: Bool) -> PruneStep {
        let now = date.timeIntervalSince1970
        let limit = Int64(options.pruneBatch)
        var step = PruneStep()
        /// `more` when the step deleted at least `full` rows (results: any, since their window
        /// may hold stragglers: a step that deletes none ends the pass).
        func run(_ sql: String, _ values: [SQLiteStatement.Value], full: Int? = nil) {
            do {
                try db.prepare(sql).run(values)
                step.deleted += db.changes
                if let full, db.changes >= full { step.more = true }
            } catch {
                step.failure = StorageFailure(message: "pruning: \(error.message)", kind: error.kind)
            }
        }
        run(
            "DELETE FROM results WHERE rowid IN (SELECT rowid FROM results ORDER BY rowid LIMIT ?) AND at < ?",
            [.integer(limit), .real(now - options.retention.seconds)], full: 1)
        run(
            "DELETE FROM transitions WHERE rowid IN (SELECT rowid FROM transitions WHERE at < ? ORDER BY at LIMIT ?)",
            [.real(now - options.transitionRetention.seconds), .integer(limit)], full: options.pruneBatch)
        if rollups {
            for (period, age) in RollupBook.retention(options) {
                run("DELETE FROM rollups WHERE period = ? AND start < ?", [.text(period), .real(now - age.seconds)])
            }
        }
        return step
    }

    /// The main file's pages (freed pages stay in it and are reused: it does not shrink, and
    /// stops growing once retention holds) and the oldest of the first results by rowid.
    func size() -> StorageSize {
        var out = StorageSize()
        if case .integer(let pages)? = (try? db.prepare("PRAGMA page_count").rows())?.first?.first,
            case .integer(let size)? = (try? db.prepare("PRAGMA page_size").rows())?.first?.first
        {
            out.bytes = pages * size
        }
        if case .real(let at)? = (try? db.prepare("SELECT min(at) FROM (SELECT at FROM results ORDER BY rowid LIMIT 100)").rows())?.first?.first {
            out.oldestResult = Date(timeIntervalSince1970: at)
        }
        return out
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

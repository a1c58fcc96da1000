import Foundation
import VitalsIO

/// Why storage could not be opened.
public enum StorageError: Error, CustomStringConvertible, Equatable {
    /// The database was written by a newer Vitals: this one would misread it, so it refuses.
    case newerSchema(path: String, found: Int, known: Int)
    case database(path: String, message: String)

    public var description: String {
        switch self {
        case .newerSchema(let path, let found, let known):
            "\(path) has storage schema version \(found), newer than this vitals knows (\(known)): run the newer vitals, or point storage at another file"
        case .database(let path, let message): "\(path): \(message)"
        }
    }
}

/// The tables Vitals keeps in SQLite, created and migrated by Vitals itself.
///
/// `vitals_schema` holds the version: each migration takes the schema one version up, in one
/// transaction with the version's update, so a crash mid-migration leaves the old version
/// whole. Every query the endpoints make has its index: results and transitions by component
/// and time (newest first, for history pages), roll-ups by their primary key (component,
/// period, start). Results have no index by time: they arrive in time order, so pruning walks
/// them by rowid from the oldest, and a second index would cost every write of every result.
enum SQLiteSchema {
    static let migrations: [String] = [
        // 1: results, transitions, hourly and daily roll-ups, state blobs (alert rules).
        """
        CREATE TABLE results (
            component TEXT NOT NULL, at REAL NOT NULL, status TEXT NOT NULL,
            latency REAL NOT NULL, message TEXT NOT NULL, observations TEXT NOT NULL DEFAULT '{}');
        CREATE INDEX results_by_component ON results (component, at DESC);
        CREATE TABLE transitions (
            component TEXT NOT NULL, at REAL NOT NULL, from_status TEXT NOT NULL, to_status TEXT NOT NULL,
            message TEXT NOT NULL);
        CREATE INDEX transitions_by_component ON transitions (component, at DESC);
        CREATE INDEX transitions_by_time ON transitions (at);
        CREATE TABLE rollups (
            component TEXT NOT NULL, period TEXT NOT NULL CHECK (period IN ('hour', 'day')), start REAL NOT NULL,
            healthy_seconds REAL NOT NULL DEFAULT 0, degraded_seconds REAL NOT NULL DEFAULT 0,
            unhealthy_seconds REAL NOT NULL DEFAULT 0, unknown_seconds REAL NOT NULL DEFAULT 0,
            results INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
            latency_min REAL, latency_sum REAL NOT NULL DEFAULT 0, latency_max REAL,
            PRIMARY KEY (component, period, start)) WITHOUT ROWID;
        CREATE TABLE state (namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
            PRIMARY KEY (namespace, key)) WITHOUT ROWID;
        """,
        // 2: whether each probe succeeded (a windowed success_rate rebuilt on start counts probes,
        // and a successful probe may be judged unhealthy); NULL in rows from before it.
        "ALTER TABLE results ADD COLUMN success INTEGER;",
        // 3: the location each result was probed from (`fleet.location`); rows from before it
        // were probed from the one location there was.
        "ALTER TABLE results ADD COLUMN location TEXT NOT NULL DEFAULT 'default';",
    ]

    /// The version this build writes.
    static var version: Int { migrations.count }

    /// Creates the schema in a new file, brings an older one up to `version`, and refuses a
    /// newer one. Returns the version found before migrating (0 for a new file). `migrations`
    /// is this build's list; tests pass a longer one to take a database of today up a version.
    @discardableResult
    static func migrate(_ db: SQLiteDatabase, migrations: [String] = migrations) throws(StorageError) -> Int {
        let version = migrations.count
        let found: Int
        do {
            try db.execute("CREATE TABLE IF NOT EXISTS vitals_schema (version INTEGER NOT NULL, migrated_at REAL NOT NULL)")
            let rows = try db.prepare("SELECT max(version) FROM vitals_schema").rows()
            if case .integer(let v) = rows.first?.first { found = Int(v) } else { found = 0 }
        } catch {
            throw StorageError.database(path: db.path, message: error.message)
        }
        if found > version { throw StorageError.newerSchema(path: db.path, found: found, known: version) }
        do {
            for next in found..<version {
                try db.transaction { () throws(SQLiteError) in
                    try db.execute(migrations[next])
                    try db.prepare("INSERT INTO vitals_schema (version, migrated_at) VALUES (?, ?)")
                        .run([.integer(Int64(next + 1)), .real(Date().timeIntervalSince1970)])
                }
            }
        } catch {
            throw StorageError.database(path: db.path, message: error.message)
        }
        return found
    }
}

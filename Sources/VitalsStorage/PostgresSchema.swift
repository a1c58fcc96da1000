import Foundation

/// The tables Vitals keeps in PostgreSQL: those of SQLite (times as unix seconds, so both
/// backends answer from the same queries), plus `component_status`, each component's latest
/// state, from which replicas read the components other shards probe.
///
/// Migrating runs server-side in one statement under a transaction-scoped advisory lock, so
/// replicas that start together migrate once, one after the other. A newer schema than this
/// build knows is refused before anything is written.
enum PostgresSchema {
    static let migrations: [String] = [
        // 1
        """
        CREATE TABLE results (
            component text NOT NULL, at double precision NOT NULL, status text NOT NULL,
            latency double precision NOT NULL, message text NOT NULL, observations text NOT NULL DEFAULT '{}');
        CREATE INDEX results_by_component ON results (component, at DESC);
        CREATE INDEX results_by_time ON results (at);
        CREATE TABLE transitions (
            component text NOT NULL, at double precision NOT NULL, from_status text NOT NULL, to_status text NOT NULL,
            message text NOT NULL);
        CREATE INDEX transitions_by_component ON transitions (component, at DESC);
        CREATE INDEX transitions_by_time ON transitions (at);
        CREATE TABLE rollups (
            component text NOT NULL, period text NOT NULL CHECK (period IN ('hour', 'day')), start double precision NOT NULL,
            healthy_seconds double precision NOT NULL DEFAULT 0, degraded_seconds double precision NOT NULL DEFAULT 0,
            unhealthy_seconds double precision NOT NULL DEFAULT 0, unknown_seconds double precision NOT NULL DEFAULT 0,
            results bigint NOT NULL DEFAULT 0, failures bigint NOT NULL DEFAULT 0,
            latency_min double precision, latency_sum double precision NOT NULL DEFAULT 0, latency_max double precision,
            PRIMARY KEY (component, period, start));
        CREATE TABLE state (namespace text NOT NULL, key text NOT NULL, value text NOT NULL, PRIMARY KEY (namespace, key));
        CREATE TABLE component_status (
            component text PRIMARY KEY, status text NOT NULL, since double precision, last_check double precision NOT NULL,
            latency double precision NOT NULL, message text NOT NULL, observations text NOT NULL DEFAULT '{}',
            stale_after double precision NOT NULL);
        """,
        // 2: whether each probe succeeded (as in SQLite's migration 2); NULL in rows from before it.
        "ALTER TABLE results ADD COLUMN success boolean;",
        // 3: fleet members (spec section 14), their leases in the database's own time.
        """
        CREATE TABLE fleet_members (
            member text PRIMARY KEY, location text NOT NULL, config_hash text NOT NULL, started_at timestamptz NOT NULL,
            renewed_at timestamptz NOT NULL, lease_seconds double precision NOT NULL, components integer NOT NULL DEFAULT 0);
        """,
        // 4: locations (spec section 14): where each result was probed from; each location's
        // latest state of each component (after its own hysteresis), which the members of the
        // other locations read to apply the quorum; and each location's canary.
        """
        ALTER TABLE results ADD COLUMN location text NOT NULL DEFAULT 'default';
        CREATE TABLE location_status (
            component text NOT NULL, location text NOT NULL, status text NOT NULL, last_check double precision NOT NULL,
            latency double precision NOT NULL, message text NOT NULL, PRIMARY KEY (component, location));
        CREATE TABLE location_canary (location text PRIMARY KEY, failed boolean NOT NULL, at double precision NOT NULL);
        """,
        // 5: pushes that landed on a replica which does not own their component, until the
        // owner takes them (`PostgresPushes.swift`).
        """
        CREATE TABLE pushes (
            id bigserial PRIMARY KEY, component text NOT NULL, at double precision NOT NULL, success boolean NOT NULL,
            latency double precision NOT NULL, message text NOT NULL, observations text NOT NULL DEFAULT '{}');
        CREATE INDEX pushes_by_component ON pushes (component);
        """,
    ]

    static var version: Int { migrations.count }

    /// Any replica's key for the migration lock ("vitals" in ASCII).
    static let lockKey = 0x7669_7461_6C73

    /// Brings the schema up to `version` and returns the version found after: one statement.
    /// `migrations` is this build's list; tests pass a longer one to take a database up a version.
    static func migrateSQL(_ migrations: [String] = migrations) -> String {
        var body = """
            PERFORM pg_advisory_xact_lock(\(lockKey));
            CREATE TABLE IF NOT EXISTS vitals_schema (version integer NOT NULL, migrated_at double precision NOT NULL);
            found := (SELECT coalesce(max(version), 0) FROM vitals_schema);

            """
        for (i, migration) in migrations.enumerated() {
            body += """
                IF found = \(i) THEN
                \(migration)
                INSERT INTO vitals_schema VALUES (\(i + 1), extract(epoch FROM now()));
                found := \(i + 1);
                END IF;

                """
        }
        return "DO $vitals$ DECLARE found integer; BEGIN\n\(body)END $vitals$;\nSELECT coalesce(max(version), 0) FROM vitals_schema"
    }
}

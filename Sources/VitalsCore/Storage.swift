import Foundation

/// Where history, status transitions and alert state live beyond memory.
///
/// One interface for all three so that a persistent backend (SQLite, PostgreSQL) makes
/// history and alert state survive a restart together. The in-memory backend is the default.
public protocol Storage: Sendable {
    func record(component: String, entry: HistoryEntry) async
    func record(component: String, transition: StatusTransition) async
    /// Newest first, bounded by `limit`.
    func history(component: String, since: Date?, until: Date?, limit: Int) async -> [HistoryEntry]
    func transitions(component: String, since: Date?, until: Date?, limit: Int) async -> [StatusTransition]

    /// Opaque state blobs by namespace and key (alert rule states use namespace `alerts`).
    func put(namespace: String, key: String, value: Data) async throws
    func remove(namespace: String, key: String) async throws
    func all(namespace: String) async throws -> [String: Data]

    /// Whether state survives a restart (alerting starts fresh when it does not).
    var isPersistent: Bool { get }

    /// What was kept of each named component (with how many of its newest results to read: its
    /// `history`, or more for a windowed threshold's window), for the store to take up on
    /// start; components storage knows nothing of are left out.
    func restore(components: [(name: String, history: Int)]) async -> [String: StoredComponent]

    /// The named components' roll-ups of one period starting in `[since, until)`, oldest first,
    /// in one read: the status page draws a thousand components' strips from it, and a query
    /// each would cost a thousand round trips.
    func rollups(of components: [String], period: RollupPeriod, since: Date, until: Date) async -> [String: [Rollup]]
    /// Incidents begun in `[since, until)` by component and UTC day (`Incidents.day`), in one
    /// read: status changes that `Incidents.begins` counts.
    func incidentsByDay(since: Date, until: Date) async -> [String: [Int: Int]]

    /// Where the endpoints read this backend's history: the backend itself when it keeps it;
    /// in memory, `store`'s rings and the roll-ups this storage kept of the current run.
    func historyReader(over store: HealthStore) -> any HistoryReader
}

/// The two periods roll-ups are kept for (UTC hours and days), as storage names them.
public enum RollupPeriod: String, Sendable {
    case hour, day
}

/// What the status page counts as an incident: a component turning from healthy (or not yet
/// known) to degraded or unhealthy. A worsening from degraded to unhealthy is the same incident
/// going on, not a new one. Storage counts the same rule in SQL (`incidentsSQL`).
public enum Incidents {
    public static func begins(_ t: StatusTransition) -> Bool {
        (t.from == .healthy || t.from == .unknown) && (t.to == .degraded || t.to == .unhealthy)
    }

    /// The UTC day (days since 1970) a time falls on, as the daily roll-ups count them.
    public static func day(_ date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    /// Incidents per UTC day among `transitions` in `[since, until)`.
    public static func byDay(_ transitions: [StatusTransition], since: Date, until: Date) -> [Int: Int] {
        var out: [Int: Int] = [:]
        for t in transitions where t.at >= since && t.at < until && begins(t) { out[day(t.at), default: 0] += 1 }
        return out
    }

    /// The same count in SQL for both backends: component, day, incidents, over `at` in a range
    /// given by the two placeholders or values `from` and `to`.
    public static func sql(from: String, to: String, day: String) -> String {
        """
        SELECT component, \(day), count(*) FROM transitions
        WHERE at >= \(from) AND at < \(to) AND from_status IN ('healthy', 'unknown') AND to_status IN ('degraded', 'unhealthy')
        GROUP BY 1, 2
        """
    }
}

/// Where each result, and the status change it caused, also goes as the store records it: a
/// persistent backend's write queue. Called under the store's lock, so it must only enqueue:
/// never block, never wait for a disk or a database.
///
/// `status` is the component's status after the result (hysteresis applied), which uptime
/// weighs by time; `staleAfter` (2 x interval + timeout) is how long that status may be taken
/// to hold without a further result.
public protocol ResultRecorder: Sendable {
    func recorded(
        component: String, entry: HistoryEntry, observations: [Observation], status: HealthStatus, staleAfter: Duration,
        transition: StatusTransition?)
    func changed(component: String, transition: StatusTransition)
}

extension ResultRecorder {
    /// A change of a component's status that no result of this process made (the other
    /// locations' reports moved the quorum's verdict): recorded like a result's change.
    public func changed(component: String, transition: StatusTransition) {}
}

/// What storage kept of one component from before this start (`Storage.restore`): enough for
/// `/health/detailed` to look after a restart as it did before it.
public struct StoredComponent: Sendable, Equatable {
    /// Newest first, at most the number of results asked for (`ComponentSpec.resultsToRestore`).
    public var history: [HistoryEntry]
    /// Newest first.
    public var transitions: [StatusTransition]
    /// The observations of the newest result.
    public var observations: [Observation]
    /// Hourly roll-ups of the last 24 hours, oldest first (the in-memory uptime window's seed).
    public var hourly: [Rollup]

    public init(history: [HistoryEntry], transitions: [StatusTransition], observations: [Observation] = [], hourly: [Rollup] = []) {
        self.history = history
        self.transitions = transitions
        self.observations = observations
        self.hourly = hourly
    }
}

extension Storage {
    /// Kept nowhere by default: a backend that keeps roll-ups and transitions answers these.
    public func rollups(of components: [String], period: RollupPeriod, since: Date, until: Date) async -> [String: [Rollup]] { [:] }
    public func incidentsByDay(since: Date, until: Date) async -> [String: [Int: Int]] { [:] }

    /// One component at a time; a backend with a faster way overrides it.
    public func restore(components: [(name: String, history: Int)]) async -> [String: StoredComponent] {
        guard isPersistent else { return [:] }
        var out: [String: StoredComponent] = [:]
        for c in components {
            let stored = StoredComponent(
                history: await history(component: c.name, since: nil, until: nil, limit: c.history),
                transitions: await transitions(component: c.name, since: nil, until: nil, limit: 50))
            if !stored.history.isEmpty || !stored.transitions.isEmpty { out[c.name] = stored }
        }
        return out
    }
}

/// A component that another replica probes, as that replica last wrote it to the shared store
/// (`storage: postgres` with `--shard`): what this replica shows of it.
public struct StoredStatus: Sendable, Equatable {
    public var status: HealthStatus
    public var since: Date
    public var lastCheck: Date
    public var latency: Duration
    public var message: String
    public var observations: [Observation]
    /// Past `lastCheck` plus this, the component is shown stale (its replica stopped writing).
    public var staleAfter: Duration

    public init(
        status: HealthStatus, since: Date, lastCheck: Date, latency: Duration, message: String, observations: [Observation],
        staleAfter: Duration
    ) {
        self.status = status
        self.since = since
        self.lastCheck = lastCheck
        self.latency = latency
        self.message = message
        self.observations = observations
        self.staleAfter = staleAfter
    }
}

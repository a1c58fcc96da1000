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
}

import Foundation

/// Where the endpoints and pages read history from, whatever the backend: SQLite and PostgreSQL
/// from their tables, memory from the health store's rings and the roll-ups of the current run
/// (`MemoryHistory`). One interface, so the server never asks which backend it has.
///
/// Every read says when storage could not answer within its read deadline
/// (`StorageRead.unavailable`): the endpoint answers 503 with the reason rather than an empty
/// page that looks like "no history". Memory always answers.
public protocol HistoryReader: Sendable {
    /// One component's results in `[since, until]`, newest first, at most `limit`.
    func readHistory(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[HistoryEntry]>
    /// One component's status changes in `[since, until]`, newest first, at most `limit`.
    func readTransitions(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[StatusTransition]>
    /// The first status change of `component` after `at` (the one that ended the status the
    /// change at `at` brought), or nil when that one is still the newest.
    func transition(component: String, after at: Date) async -> StorageRead<StatusTransition?>
    /// Per bucket of the window before `now` (`RollupWindow`: hourly up to 7 days, daily
    /// beyond), oldest first.
    func rollups(component: String, window: Duration, now: Date) async -> StorageRead<[Rollup]>
    /// Every component's uptime and coverage over the window before `now`, in one read.
    func uptimeOfAll(window: Duration, now: Date) async -> StorageRead<[String: (uptime: Double?, coverage: Double)]>
    /// The named components' roll-ups of one period starting in `[since, until)`, oldest first,
    /// in one read: the status page draws a thousand components' strips from it.
    func readRollups(of components: [String], period: RollupPeriod, since: Date, until: Date) async -> StorageRead<[String: [Rollup]]>
    /// Incidents begun in `[since, until)` by component and UTC day (`Incidents.day`).
    func readIncidentsByDay(since: Date, until: Date) async -> StorageRead<[String: [Int: Int]]>
}

import Foundation
import VitalsCore

/// What both persistent backends offer beyond `Storage`: the health store's write hook, roll-ups
/// for uptime pages, their write metrics, and a flush on shutdown.
///
/// The endpoints read through the `read...` methods and those below, which say when storage
/// could not answer within its read deadline (`StorageRead.unavailable`, a 503) instead of
/// answering empty; the `Storage` methods give an empty answer then.
public protocol PersistentStorage: Storage, ResultRecorder {
    /// Per bucket of the window (hourly up to 7 days, daily beyond), oldest first.
    func rollups(component: String, window: Duration, now: Date) async -> StorageRead<[Rollup]>
    /// The first status change of `component` after `at` (the one that ended the status the
    /// change at `at` brought), or nil when that one is still the newest.
    func transition(component: String, after at: Date) async -> StorageRead<StatusTransition?>
    /// Every component's uptime and coverage over the window before `now`, in one query.
    func uptimeOfAll(window: Duration, now: Date) async -> StorageRead<[String: (uptime: Double?, coverage: Double)]>
    func readHistory(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[HistoryEntry]>
    func readTransitions(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[StatusTransition]>
    /// `vitals_storage_writes_total{result}`, `vitals_storage_write_lag_seconds`, size and age.
    func metricsText() -> String
    var writes: StorageCounts { get }
    /// Writes what is queued and stops the writer. For shutdown.
    func close()
}

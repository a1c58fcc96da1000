import Foundation
import VitalsCore

/// What both persistent backends offer beyond `Storage`: the health store's write hook, the
/// endpoints' history reads from their tables (`HistoryReader`), their write metrics, and a
/// flush on shutdown.
///
/// The endpoints read through `HistoryReader`, whose reads say when storage could not answer
/// within its read deadline (`StorageRead.unavailable`, a 503) instead of answering empty; the
/// `Storage` methods give an empty answer then.
public protocol PersistentStorage: Storage, ResultRecorder, HistoryReader {
    /// `vitals_storage_writes_total{result}`, `vitals_storage_write_lag_seconds`, size and age.
    func metricsText() -> String
    var writes: StorageCounts { get }
    /// Writes what is queued and stops the writer. For shutdown.
    func close()
}

extension PersistentStorage {
    /// Its own tables.
    public func historyReader(over store: HealthStore) -> any HistoryReader { self }
}

import Foundation
import Synchronization

/// The default storage: nothing survives a restart (`isPersistent` is false, so alerting starts
/// fresh). History and transitions already live in the `HealthStore`'s rings, so this keeps
/// the roll-ups of the current run (as the store's write hook, bucketed by the same
/// `RollupBook` the persistent backends' writer uses) and the state blobs other parts hand it,
/// only in memory. `historyReader(over:)` reads both (`MemoryHistory`).
public final class MemoryStorage: Storage, ResultRecorder {
    private let blobs = Mutex<[String: [String: Data]]>([:])
    private let rollupState = Mutex((book: RollupBook(), table: RollupTable()))

    public init() {}

    public var isPersistent: Bool { false }

    public func record(component: String, entry: HistoryEntry) async {}
    public func record(component: String, transition: StatusTransition) async {}
    public func history(component: String, since: Date?, until: Date?, limit: Int) async -> [HistoryEntry] { [] }
    public func transitions(component: String, since: Date?, until: Date?, limit: Int) async -> [StatusTransition] { [] }

    /// The health store's hook, under its lock: a few dictionary updates, never a wait.
    public func recorded(
        component: String, entry: HistoryEntry, observations: [Observation], status: HealthStatus, staleAfter: Duration,
        transition: StatusTransition?
    ) {
        rollupState.withLock { s in
            s.book.add(component: component, entry: entry, status: status, staleAfter: staleAfter)
            s.table.add(s.book.takePending())
        }
    }

    /// Reads the roll-ups of the current run in place: a copy handed out would make the next
    /// result copy the whole table (copy on write) under the health store's lock.
    public func withRollups<T>(_ read: (borrowing RollupTable) -> T) -> T { rollupState.withLock { read($0.table) } }

    public func historyReader(over store: HealthStore) -> any HistoryReader { MemoryHistory(store: store, storage: self) }

    public func put(namespace: String, key: String, value: Data) async throws {
        blobs.withLock { $0[namespace, default: [:]][key] = value }
    }

    public func remove(namespace: String, key: String) async throws {
        _ = blobs.withLock { $0[namespace]?.removeValue(forKey: key) }
    }

    public func all(namespace: String) async throws -> [String: Data] {
        blobs.withLock { $0[namespace] ?? [:] }
    }
}

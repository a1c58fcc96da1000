import Foundation
import Synchronization

/// The default storage: nothing survives a restart (`isPersistent` is false, so alerting starts
/// fresh). History and transitions already live in the `HealthStore`'s rings, so this keeps
/// only the state blobs other parts hand it, and keeps them only in memory.
public final class MemoryStorage: Storage {
    private let blobs = Mutex<[String: [String: Data]]>([:])

    public init() {}

    public var isPersistent: Bool { false }

    public func record(component: String, entry: HistoryEntry) async {}
    public func record(component: String, transition: StatusTransition) async {}
    public func history(component: String, since: Date?, until: Date?, limit: Int) async -> [HistoryEntry] { [] }
    public func transitions(component: String, since: Date?, until: Date?, limit: Int) async -> [StatusTransition] { [] }
    /// No roll-ups in memory: the store's own uptime window and transitions stand in for them.
    public func rollups(of components: [String], period: RollupPeriod, since: Date, until: Date) async -> [String: [Rollup]] { [:] }
    public func incidentsByDay(since: Date, until: Date) async -> [String: [Int: Int]] { [:] }

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

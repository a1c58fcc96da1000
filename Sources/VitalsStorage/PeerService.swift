import ServiceLifecycle
import VitalsCore

/// A sharded replica's view of the other shards: every second it reads the latest state of the
/// components they probe from the shared PostgreSQL store (one query), so `/api/v1/components`,
/// `/health/detailed?scope=all` and the status page list every component on any replica. A
/// replica that stops writing shows as its components turning stale here.
///
/// Only a replica sharded on shared storage runs it (`Sharding.shared`).
public struct PeerService: Service {
    let store: HealthStore
    let storage: PostgresStorage
    /// How often the other shards' state is read.
    public static let period: Duration = .seconds(1)
    /// How much later than its owner this replica may learn of a result: the owner's write
    /// batching (250 ms), one read period, and a margin for the read itself.
    public static let slack: Duration = .milliseconds(250) + period + .milliseconds(500)

    public init(store: HealthStore, storage: PostgresStorage) {
        self.store = store
        self.storage = storage
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let names = store.peerNames
                if !names.isEmpty, let latest = await storage.latest(components: names) { store.updatePeers(latest) }
                try? await Task.sleep(for: Self.period)
            }
        }
    }
}

import VitalsConfig
import VitalsCore

/// How this replica shares the work, worked out once from `--shard` and `storage:`: every
/// question that depends on both (which components it probes, whether it follows the other
/// shards, whether it takes part in the service lock, where its alert state lives) reads this
/// one value instead of asking again.
public enum Sharding: Sendable {
    /// Not sharded: every component is this replica's.
    case whole
    /// Sharded without shared storage: this replica's share only, nothing known of the others.
    case alone(Shard)
    /// Sharded on PostgreSQL: the others' components are read from the shared store, and one
    /// replica (the service lock's holder) evaluates `on: service` rules for all of them.
    case shared(Shard, PostgresStorage)

    public init(shard: Shard?, storage: any Storage) {
        switch (shard, storage) {
        case (nil, _): self = .whole
        case (let shard?, let postgres as PostgresStorage): self = .shared(shard, postgres)
        case (let shard?, _): self = .alone(shard)
        }
    }

    public var shard: Shard? {
        switch self {
        case .whole: nil
        case .alone(let shard), .shared(let shard, _): shard
        }
    }

    /// The shared store, when the replicas share one.
    public var shared: PostgresStorage? {
        if case .shared(_, let storage) = self { storage } else { nil }
    }

    /// Whether this replica probes the component.
    public func owns(_ name: String) -> Bool { shard?.owns(name) ?? true }

    /// Tells the store which components of `config` the other shards probe, to follow them
    /// through the shared store (`PeerService`); nothing unless the store is shared.
    public func follow(_ config: Config, in store: HealthStore) {
        guard case .shared(let shard, _) = self else { return }
        store.setPeers(config.components.filter { !shard.owns($0.name) }, slack: PeerService.slack)
    }
}

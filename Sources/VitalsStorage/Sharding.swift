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
    /// A member of a fleet on PostgreSQL (spec section 14): its share changes while it runs, as
    /// members come and go; the rest is as `shared` (peers read from the store, the service lock).
    case fleet(Fleet, PostgresStorage)

    /// `fleet` is given when the config has `fleet:` (which needs postgres, so `storage` is one).
    public init(shard: Shard?, storage: any Storage, fleet: Fleet? = nil) {
        switch (shard, storage) {
        case (_, let postgres as PostgresStorage) where fleet != nil: self = .fleet(fleet!, postgres)
        case (nil, _): self = .whole
        case (let shard?, let postgres as PostgresStorage): self = .shared(shard, postgres)
        case (let shard?, _): self = .alone(shard)
        }
    }

    public var shard: Shard? {
        switch self {
        case .whole, .fleet: nil
        case .alone(let shard), .shared(let shard, _): shard
        }
    }

    /// The shared store, when the replicas share one.
    public var shared: PostgresStorage? {
        switch self {
        case .shared(_, let storage), .fleet(_, let storage): storage
        case .whole, .alone: nil
        }
    }

    public var fleet: Fleet? {
        if case .fleet(let fleet, _) = self { fleet } else { nil }
    }

    /// Whether this replica probes the component (a fleet member: now; it may change).
    public func owns(_ component: ComponentSpec) -> Bool {
        if let fleet { return fleet.owns(component) }
        return shard?.owns(component.name) ?? true
    }

    /// Tells the store which components of `config` the other shards probe, to follow them
    /// through the shared store (`PeerService`); nothing unless the store is shared.
    public func follow(_ config: Config, in store: HealthStore) {
        guard shared != nil else { return }
        store.setPeers(config.components.filter { !owns($0) }, slack: PeerService.slack)
    }
}

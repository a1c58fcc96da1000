import Logging
import ServiceLifecycle
import Synchronization

/// Whether this replica holds the service lock, read by alerting on every look.
public final class ServiceLockFlag: Sendable {
    private let held = Atomic<Bool>(false)
    public init() {}
    public var value: Bool { held.load(ordering: .acquiring) }
    func set(_ v: Bool) { held.store(v, ordering: .releasing) }
}

/// A sharded replica with shared storage: once a second, takes the PostgreSQL advisory lock
/// for `on: service` rules when it is free, or checks that it still holds it (spec section 8).
/// Exactly one replica holds it; when that replica's session ends (it stopped, or lost its
/// database connection), the server releases the lock and the next replica to ask takes over,
/// continuing the service alerts from the state the previous holder saved (not firing them
/// again).
///
/// Only a replica sharded on shared storage runs it (`Sharding.shared`).
public struct ServiceLockService: Service {
    let storage: PostgresStorage
    let flag: ServiceLockFlag
    /// Before the flag says "held": takes over the saved service alert state (alerting's
    /// `adoptServiceState`), so evaluating does not start from nothing and fire again.
    let adopt: @Sendable () async -> Void
    /// After the flag says "not held": lets go of it (alerting's `releaseServiceState`).
    let release: @Sendable () -> Void
    let logger: Logger

    public init(
        storage: PostgresStorage, flag: ServiceLockFlag, adopt: @escaping @Sendable () async -> Void,
        release: @escaping @Sendable () -> Void, logger: Logger
    ) {
        self.storage = storage
        self.flag = flag
        self.adopt = adopt
        self.release = release
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let held = await storage.holdServiceLock()
                if held != flag.value {
                    if held {
                        // The saved state first: evaluating from nothing would fire again.
                        await adopt()
                        flag.set(true)
                    } else {
                        flag.set(false)
                        release()
                    }
                    logger.info(held ? "holding the service lock: evaluating on: service alert rules" : "service lock lost: on: service alert rules are evaluated elsewhere")
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

import Logging
import ServiceLifecycle
import Synchronization
import VitalsAlerting
import VitalsStorage

/// Whether this replica holds the service lock, read by alerting on every look.
final class ServiceLockFlag: Sendable {
    private let held = Atomic<Bool>(false)
    var value: Bool { held.load(ordering: .acquiring) }
    func set(_ v: Bool) { held.store(v, ordering: .releasing) }
}

/// A sharded replica with shared storage: once a second, takes the PostgreSQL advisory lock
/// for `on: service` rules when it is free, or checks that it still holds it (spec section 8).
/// Exactly one replica holds it; when that replica's session ends (it stopped, or lost its
/// database connection), the server releases the lock and the next replica to ask takes over,
/// continuing the service alerts from the state the previous holder saved (not firing them
/// again).
struct ServiceLockService: Service {
    let storage: PostgresStorage?
    let flag: ServiceLockFlag
    let alerts: AlertEngine<ContinuousClock>
    let logger: Logger

    func run() async throws {
        guard let storage else {
            try await gracefulShutdown()
            return
        }
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let held = await storage.holdServiceLock()
                if held != flag.value {
                    if held {
                        // The saved state first: evaluating from nothing would fire again.
                        await alerts.adoptServiceState()
                        flag.set(true)
                    } else {
                        flag.set(false)
                        alerts.releaseServiceState()
                    }
                    logger.info(held ? "holding the service lock: evaluating on: service alert rules" : "service lock lost: on: service alert rules are evaluated elsewhere")
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

import Foundation
import ServiceLifecycle
import Synchronization
import VitalsCore

/// A member's view of the other locations of its fleet (spec section 14): every second it reads
/// what they last wrote of this location's components (`location_status`, one query) and hands
/// it to the store, which applies the quorum. Also every second with nothing new: a location
/// that stopped writing turns stale with time alone, and is then left out.
///
/// With canary URLs it also runs `canary` every `canaryPeriod` and writes the outcome for the
/// other locations: a location whose canary fails is left out by everyone, itself included.
public struct LocationService: Service {
    let store: HealthStore
    let storage: PostgresStorage
    let location: String
    /// True when the canary failed; nil without canary URLs.
    let canary: (@Sendable () async -> Bool)?
    let canaryPeriod: Duration

    public static let period: Duration = .seconds(1)

    public init(
        store: HealthStore, storage: PostgresStorage, location: String, canary: (@Sendable () async -> Bool)? = nil,
        canaryPeriod: Duration = .seconds(5)
    ) {
        self.store = store
        self.storage = storage
        self.location = location
        self.canary = canary
        self.canaryPeriod = canaryPeriod
    }

    /// The canary's last outcome, between its task and the reads'.
    private final class CanaryFlag: Sendable {
        let failed = Mutex(false)
    }

    public func run() async throws {
        let flag = CanaryFlag()
        try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if let canary {
                    group.addTask { [storage, location, canaryPeriod] in
                        while !Task.isCancelled {
                            let now = await canary()
                            flag.failed.withLock { $0 = now }
                            await storage.setCanary(location: location, failed: now, at: Date())
                            try? await Task.sleep(for: canaryPeriod)
                        }
                    }
                }
                group.addTask { [store, storage, location] in
                    var known: [String: [LocationReport]] = [:]
                    while !Task.isCancelled {
                        // What was known stays (and turns stale) while the database does not answer.
                        if let read = await storage.locationReports(components: store.componentNames, except: location) { known = read }
                        store.updateLocations(known, canaryFailed: flag.failed.withLock { $0 })
                        try? await Task.sleep(for: Self.period)
                    }
                }
            }
        }
    }
}

import Foundation
import VitalsConfig

/// The last six hours of one SLO component's status, by minute: the burn rates over 5m to 6h
/// come from here, to the minute, where the hourly roll-ups could only say "this hour". Kept
/// only for components with an `slo:` (about 5.8 KB each, `StatusRing`). After a restart it
/// is seeded from the stored hourly roll-ups, to the hour's resolution.
public struct SLOWindow: Sendable, Equatable {
    /// The longest window read from here.
    public static let span = 21_600.0
    private var ring = StatusRing(bucketSeconds: 60, bucketCount: Int(span / 60) + 1)

    public init() {}

    public mutating func record(at date: Date, status: HealthStatus, staleAfter: Duration) {
        ring.record(at: date, status: status, staleAfter: staleAfter)
    }

    public mutating func seed(hourly: [Rollup], until: Date) { ring.seed(hourly: hourly, until: until) }

    /// Good and bad seconds over the window ending at `date`, in whole minutes.
    public func tally(over window: Double, at date: Date, good: Set<SLOSpec.GoodStatus>) -> SLOTally {
        let s = ring.seconds(over: min(window, Self.span), at: date)
        return SLOTally(healthy: s.healthy, degraded: s.degraded, unhealthy: s.unhealthy, span: s.span, good: good)
    }
}

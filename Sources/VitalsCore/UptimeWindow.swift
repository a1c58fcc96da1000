import Foundation

/// Time-weighted uptime over the last hour and day (spec section 4), from 10-minute buckets in
/// a ring: the seconds the component's status was up (healthy or degraded) and known, each
/// status held from one result to the next for at most its staleness (2 x interval + timeout).
/// About 2.3 KB per component (`StatusRing`), so ten thousand components stay small. The same rule as the
/// storage roll-ups (`StatusSeconds`), kept in memory for `/health/detailed`.
public struct UptimeWindow: Sendable, Equatable {
    /// 24 hours and the bucket a 24-hour window starts in (windows count whole buckets).
    private var ring = StatusRing(bucketSeconds: 600, bucketCount: 145)

    public init() {}

    /// A result at `date` left the component in `status`: the time since the previous result
    /// is counted with the previous status.
    public mutating func record(at date: Date, status: HealthStatus, staleAfter: Duration) {
        ring.record(at: date, status: status, staleAfter: staleAfter)
    }

    /// Takes up what storage kept (after a restart), to the hour's resolution
    /// (`StatusRing.seed`).
    public mutating func seed(hourly: [Rollup], until: Date) { ring.seed(hourly: hourly, until: until) }

    /// Up seconds over known seconds in the window ending at `date`, the last status counted up
    /// to `date` (within its staleness); nil when nothing in the window was known.
    public func ratio(over seconds: Double, at date: Date) -> Double? { report(over: seconds, at: date).uptime }

    /// Uptime and its coverage (known seconds over the window) for a window ending at `date`,
    /// in whole buckets as the roll-ups count it (`RollupWindow`): from the start of the bucket
    /// holding `date - seconds`. Only the last 24 hours are kept: for a longer window the rest
    /// is unknown.
    public func report(over seconds: Double, at date: Date) -> (uptime: Double?, coverage: Double) {
        guard !ring.isEmpty else { return (nil, 0) }
        let t = ring.seconds(over: seconds, at: date)
        return StatusSeconds.uptime(healthy: t.healthy, degraded: t.degraded, unhealthy: t.unhealthy, windowSeconds: t.span)
    }

    public func windows(at date: Date) -> [(window: String, ratio: Double)] {
        [("1h", 3600.0), ("24h", 86_400.0)].compactMap { label, seconds in
            ratio(over: seconds, at: date).map { (label, $0) }
        }
    }
}

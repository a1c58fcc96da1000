import Foundation

/// The roll-ups a window of uptime ending at `now` is read from, and the span they cover.
///
/// Roll-ups hold seconds per status for a whole hour or day; which part of a bucket each
/// second fell in is not kept. So a window is measured in whole buckets: from the start of the
/// bucket that holds the window's start, to `now`. Cutting the window mid-bucket instead (and
/// leaving that bucket out) counted up to one bucket of a fully probed component as unknown:
/// 24h coverage read 96% at best, 30d 97%. Hourly buckets up to 7 days, daily ones beyond
/// (hourly roll-ups are kept 90 days).
public struct RollupWindow: Sendable, Equatable {
    public var period: RollupPeriod
    /// The start of the first bucket: `from <= now - window`, by less than a bucket.
    public var from: Date
    public var to: Date

    public init(_ window: Duration, now: Date) {
        period = window <= .seconds(7 * 86_400) ? .hour : .day
        let bucket = period.seconds
        from = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 - window.seconds) / bucket).rounded(.down) * bucket)
        to = now
    }

    /// The seconds the buckets span, which coverage is counted against.
    public var seconds: Double { to.timeIntervalSince(from) }

    /// Uptime and coverage from this window's roll-ups.
    public func uptime(_ rollups: [Rollup]) -> (uptime: Double?, coverage: Double) {
        uptime(
            healthy: rollups.reduce(0) { $0 + $1.healthy }, degraded: rollups.reduce(0) { $0 + $1.degraded },
            unhealthy: rollups.reduce(0) { $0 + $1.unhealthy })
    }

    /// Uptime and coverage from seconds per status summed over this window's roll-ups.
    public func uptime(healthy: Double, degraded: Double, unhealthy: Double) -> (uptime: Double?, coverage: Double) {
        StatusSeconds.uptime(healthy: healthy, degraded: degraded, unhealthy: unhealthy, windowSeconds: seconds)
    }
}

extension RollupPeriod {
    /// The length of one bucket.
    public var seconds: Double {
        switch self {
        case .hour: 3600
        case .day: 86_400
        }
    }
}

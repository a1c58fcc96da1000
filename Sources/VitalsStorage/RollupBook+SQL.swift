import Foundation
import VitalsCore

/// The persistent backends' side of the roll-ups: the totals query and how long rows are kept.
extension RollupBook {
    /// Seconds per status of every component over a range of one period's roll-ups: the period,
    /// then the range's start and end (unix seconds), as `?` or written in.
    static func totalsSQL(placeholders: Bool, period: String = "", from: Double = 0, to: Double = 0) -> String {
        let (p, f, t) = placeholders ? ("?", "?", "?") : ("'\(period)'", "\(from)", "\(to)")
        return """
            SELECT component, sum(healthy_seconds), sum(degraded_seconds), sum(unhealthy_seconds) FROM rollups
            WHERE period = \(p) AND start >= \(f) AND start < \(t) GROUP BY component
            """
    }

    /// How long each period's rows are kept: hourly 90 days, daily as long as transitions.
    static func retention(_ options: StorageOptions) -> [(period: String, age: Duration)] {
        [("hour", .seconds(90 * 86_400)), ("day", options.transitionRetention)]
    }
}

import Foundation
import VitalsCore

/// The writer's roll-ups: what each batch adds to the hourly and daily rows, and each
/// component's last result (its time, status and staleness), from which the time its status held
/// is counted. After a restart the gap to the first new result is simply not counted: unknown.
struct RollupBook {
    struct Key: Hashable {
        var component: String
        var period: String
        var start: Double
    }
    struct Delta {
        var seconds: [HealthStatus: Double] = [:]
        var results = 0
        var failures = 0
        var latencyMin: Double?
        var latencySum = 0.0
        var latencyMax: Double?
    }

    private var last: [String: (at: Date, status: HealthStatus, staleAfter: Duration)] = [:]
    private var pending: [Key: Delta] = [:]

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

    static func keys(_ component: String, _ t: Double) -> [Key] {
        [Key(component: component, period: "hour", start: (t / 3600).rounded(.down) * 3600),
         Key(component: component, period: "day", start: (t / 86_400).rounded(.down) * 86_400)]
    }

    mutating func add(component: String, entry: HistoryEntry, status: HealthStatus, staleAfter: Duration) {
        if let prev = last[component] {
            for span in StatusSeconds.spans(from: prev.at, to: entry.at, status: prev.status, staleAfter: prev.staleAfter) {
                for key in Self.keys(component, span.hour.timeIntervalSince1970) { pending[key, default: Delta()].seconds[span.status, default: 0] += span.seconds }
            }
        }
        last[component] = (entry.at, status, staleAfter)
        let latency = entry.latency.seconds
        for key in Self.keys(component, entry.at.timeIntervalSince1970) {
            var d = pending[key, default: Delta()]
            d.results += 1
            // Failed probes, not unhealthy judgements: while a windowed success_rate is under its
            // unhealthy level, the probes that succeed are judged unhealthy too.
            if !entry.success { d.failures += 1 }
            d.latencyMin = min(d.latencyMin ?? latency, latency)
            d.latencyMax = max(d.latencyMax ?? latency, latency)
            d.latencySum += latency
            pending[key] = d
        }
    }

    /// What the batches since the last call added, handed to the batch that writes it: if
    /// that batch fails, its roll-ups go with it, as its results do.
    mutating func takePending() -> [Key: Delta] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }
}

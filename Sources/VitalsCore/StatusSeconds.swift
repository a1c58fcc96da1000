import Foundation

/// Time-weighted status for uptime (spec section 4): a component's status holds from one result
/// to the next, for at most `staleAfter` (2 x interval + timeout); time past that, and time when
/// nothing was probed, is not known and never counts as up.
public enum StatusSeconds {
    /// One piece of time in one hour: the status held and for how long.
    public struct Span: Sendable, Equatable {
        public var hour: Date
        public var status: HealthStatus
        public var seconds: Double
        public init(hour: Date, status: HealthStatus, seconds: Double) {
            self.hour = hour
            self.status = status
            self.seconds = seconds
        }
    }

    /// The time from `from` (a result that left the component in `status`) to `to` (the next
    /// result), capped at `staleAfter`, split at hour boundaries. Nothing for a gap that goes
    /// backwards (a clock step).
    public static func spans(from: Date, to: Date, status: HealthStatus, staleAfter: Duration) -> [Span] {
        let end = min(to.timeIntervalSince1970, from.timeIntervalSince1970 + max(0, staleAfter.seconds))
        var t = from.timeIntervalSince1970
        var out: [Span] = []
        while t < end {
            let hour = (t / 3600).rounded(.down) * 3600
            let next = min(end, hour + 3600)
            out.append(Span(hour: Date(timeIntervalSince1970: hour), status: status, seconds: next - t))
            t = next
        }
        return out
    }

    /// Uptime and coverage from seconds per status over a window: up is healthy or degraded,
    /// over the seconds the status was known; coverage is known seconds over the window.
    /// Uptime is nil when nothing was known.
    public static func uptime(healthy: Double, degraded: Double, unhealthy: Double, window: Duration) -> (uptime: Double?, coverage: Double) {
        let known = healthy + degraded + unhealthy
        let coverage = window.seconds > 0 ? min(1, known / window.seconds) : 0
        return (known > 0 ? (healthy + degraded) / known : nil, coverage)
    }

    /// Seconds per status over `[now - window, now)` from results (oldest first), each result's
    /// judgement held to the next result for at most `staleAfter`: the in-memory view, for
    /// storage that keeps no roll-ups.
    public static func totals(_ history: [HistoryEntry], staleAfter: Duration, window: Duration, now: Date) -> [HealthStatus: Double] {
        let start = now.addingTimeInterval(-window.seconds)
        var out: [HealthStatus: Double] = [:]
        for (i, e) in history.enumerated() {
            let next = i + 1 < history.count ? history[i + 1].at : now
            let from = max(e.at, start)
            let to = min(next, now, e.at.addingTimeInterval(staleAfter.seconds))
            if to > from { out[e.judgement, default: 0] += to.timeIntervalSince(from) }
        }
        return out
    }
}

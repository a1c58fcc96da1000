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
        pieces(from: from, to: to, staleAfter: staleAfter, bucketSeconds: 3600).map {
            Span(hour: Date(timeIntervalSince1970: $0.start), status: status, seconds: $0.seconds)
        }
    }

    /// The one split both the roll-ups (hours) and the in-memory window (10 minutes) use: the
    /// seconds from `from` to `to`, capped at `staleAfter`, by bucket of `bucketSeconds`, each
    /// with its bucket's start (unix seconds).
    public static func pieces(from: Date, to: Date, staleAfter: Duration, bucketSeconds: Double) -> [(start: Double, seconds: Double)] {
        let end = min(to.timeIntervalSince1970, from.timeIntervalSince1970 + max(0, staleAfter.seconds))
        var t = from.timeIntervalSince1970
        var out: [(start: Double, seconds: Double)] = []
        while t < end {
            let start = (t / bucketSeconds).rounded(.down) * bucketSeconds
            let next = min(end, start + bucketSeconds)
            out.append((start, next - t))
            t = next
        }
        return out
    }

    /// Uptime and coverage from seconds per status over a window of `windowSeconds`: up is
    /// healthy or degraded, over the seconds the status was known; coverage is known seconds
    /// over the window. Uptime is nil when nothing was known.
    public static func uptime(healthy: Double, degraded: Double, unhealthy: Double, windowSeconds: Double) -> (uptime: Double?, coverage: Double) {
        let known = healthy + degraded + unhealthy
        let coverage = windowSeconds > 0 ? min(1, known / windowSeconds) : 0
        return (known > 0 ? (healthy + degraded) / known : nil, coverage)
    }
}

/// One hourly or daily roll-up of one component: seconds per status, results, failures and
/// latency (seconds) over the period starting at `start`.
public struct Rollup: Sendable, Equatable {
    public var start: Date
    public var healthy: Double, degraded: Double, unhealthy: Double
    public var results: Int, failures: Int
    public var latencyMin: Double?, latencySum: Double, latencyMax: Double?

    public init(
        start: Date, healthy: Double, degraded: Double, unhealthy: Double, results: Int, failures: Int, latencyMin: Double?,
        latencySum: Double, latencyMax: Double?
    ) {
        self.start = start
        self.healthy = healthy
        self.degraded = degraded
        self.unhealthy = unhealthy
        self.results = results
        self.failures = failures
        self.latencyMin = latencyMin
        self.latencySum = latencySum
        self.latencyMax = latencyMax
    }

    public var latencyAvg: Double? { results > 0 ? latencySum / Double(results) : nil }
}

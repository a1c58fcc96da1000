import VitalsConfig

/// Good and bad seconds of one component over one span of time, as an SLO counts them: good
/// is the time in a status the SLO calls good, bad the rest of the known time; unknown time
/// (nothing probed, stale results) is neither and only lowers coverage (spec section 15).
public struct SLOTally: Sendable, Equatable {
    public var good: Double
    public var bad: Double
    /// The seconds the tally was taken over, which coverage is counted against.
    public var span: Double

    public init(good: Double, bad: Double, span: Double) {
        self.good = good
        self.bad = bad
        self.span = span
    }

    /// Sorts seconds per status into good and bad by the SLO's `good` statuses.
    public init(healthy: Double, degraded: Double, unhealthy: Double, span: Double, good statuses: Set<SLOSpec.GoodStatus>) {
        let g = (statuses.contains(.healthy) ? healthy : 0) + (statuses.contains(.degraded) ? degraded : 0)
        self.init(good: g, bad: healthy + degraded + unhealthy - g, span: span)
    }

    /// Sums roll-ups (whole buckets) over `span` seconds.
    public init(rollups: some Sequence<Rollup>, span: Double, good statuses: Set<SLOSpec.GoodStatus>) {
        var h = 0.0, d = 0.0, u = 0.0
        for r in rollups {
            h += r.healthy
            d += r.degraded
            u += r.unhealthy
        }
        self.init(healthy: h, degraded: d, unhealthy: u, span: span, good: statuses)
    }

    public var known: Double { good + bad }
    /// Known seconds over the span.
    public var coverage: Double { span > 0 ? min(1, known / span) : 0 }
    /// The SLI: good seconds over known seconds; nil when nothing was known.
    public var sli: Double? { known > 0 ? good / known : nil }
    /// Bad seconds over known seconds; nil when nothing was known.
    public var errorRatio: Double? { known > 0 ? bad / known : nil }
}

import Foundation
import VitalsConfig

/// Where one component stands against its SLO at one moment (spec section 15): the SLI over
/// the window so far, the error budget in seconds and as a ratio, and the burn rates.
public struct SLOStatus: Sendable, Equatable {
    public var component: String
    public var spec: SLOSpec
    /// The seconds the budget is a share of: the rolling window, or the whole calendar month.
    public var budgetBase: Double
    /// Good and bad seconds over the window so far.
    public var tally: SLOTally
    /// Burn rate per window; a window with nothing known has none.
    public var burnRates: [BurnWindow: Double]
    /// Coverage per burn window, so a rate over a mostly unknown window is read as such.
    public var burnCoverage: [BurnWindow: Double]
    /// Computed over what this process has seen only (`storage: memory`).
    public var processOnly: Bool

    public init(
        component: String, spec: SLOSpec, budgetBase: Double, tally: SLOTally, burnRates: [BurnWindow: Double],
        burnCoverage: [BurnWindow: Double] = [:], processOnly: Bool
    ) {
        self.component = component
        self.spec = spec
        self.budgetBase = budgetBase
        self.tally = tally
        self.burnRates = burnRates
        self.burnCoverage = burnCoverage
        self.processOnly = processOnly
    }

    public var sli: Double? { tally.sli }
    /// `(1 - objective) x window`: 2,592 s for 99.9% over 30 days.
    public var budgetSeconds: Double { spec.budgetRatio * budgetBase }
    /// Bad seconds so far: a 10-minute outage consumes 600 s.
    public var consumedSeconds: Double { tally.bad }
    /// May be negative: the budget is overspent.
    public var remainingSeconds: Double { budgetSeconds - consumedSeconds }
    public var consumedRatio: Double { budgetSeconds > 0 ? consumedSeconds / budgetSeconds : 0 }
    public var remainingRatio: Double { 1 - consumedRatio }
    /// Whether the SLI so far meets the objective (nil when nothing is known yet).
    public var met: Bool? { sli.map { $0 >= spec.objective } }
}

/// Works out `SLOStatus` from what it is read from: roll-ups for the SLO window and the 1d / 3d
/// burn windows, the minute ring for the shorter ones. Pure: the reads are the caller's.
public enum SLOCalculator {
    /// The SLO window ending at `now`: where its roll-ups start (whole buckets, as every uptime
    /// figure counts them, `RollupWindow`), their period, and the seconds the budget is based on.
    public static func window(_ period: SLOSpec.Period, now: Date) -> (rollups: RollupWindow, budgetBase: Double) {
        if let d = period.window { return (RollupWindow(d, now: now), d.seconds) }
        let (start, end) = month(of: now)
        let elapsed = Duration.seconds(max(1, now.timeIntervalSince(start)))
        var w = RollupWindow(elapsed, now: now)
        w.from = start
        w.period = elapsed <= .seconds(7 * 86_400) ? .hour : .day
        return (w, end.timeIntervalSince(start))
    }

    /// The UTC calendar month holding `date`: its first instant and the next month's.
    public static func month(of date: Date) -> (start: Date, end: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        let start = calendar.date(from: parts)!
        let end = calendar.date(byAdding: .month, value: 1, to: start)!
        return (start, end)
    }

    /// The hourly roll-ups the 1d and 3d burn windows read start here.
    public static func hourlySince(now: Date) -> Date {
        RollupWindow(BurnWindow.d3.duration, now: now).from
    }

    /// One component's status: `window` are its roll-ups over the SLO window (of the period
    /// `SLOCalculator.window` says), `hourly` its hourly roll-ups since `hourlySince(now:)`,
    /// `ring` its minute ring.
    public static func status(
        component: String, spec: SLOSpec, now: Date, window: [Rollup], hourly: [Rollup], ring: SLOWindow?, processOnly: Bool
    ) -> SLOStatus {
        let (w, base) = self.window(spec.period, now: now)
        let tally = SLOTally(rollups: window.lazy.filter { $0.start >= w.from }, span: w.seconds, good: spec.good)
        var rates: [BurnWindow: Double] = [:]
        var coverage: [BurnWindow: Double] = [:]
        for b in BurnWindow.allCases {
            let t: SLOTally
            if b.fromRing {
                t = ring?.tally(over: b.seconds, at: now, good: spec.good) ?? SLOTally(good: 0, bad: 0, span: b.seconds)
            } else {
                let rw = RollupWindow(b.duration, now: now)
                t = SLOTally(rollups: hourly.lazy.filter { $0.start >= rw.from }, span: rw.seconds, good: spec.good)
            }
            coverage[b] = t.coverage
            if let r = BurnRate.of(t, objective: spec.objective) { rates[b] = r }
        }
        return SLOStatus(
            component: component, spec: spec, budgetBase: base, tally: tally, burnRates: rates, burnCoverage: coverage,
            processOnly: processOnly)
    }
}

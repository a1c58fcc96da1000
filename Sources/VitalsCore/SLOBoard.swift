import Foundation
import Synchronization

/// The SLOs' latest standing, refreshed by `SLOService` every `period`, for what must answer
/// without a storage read: `/metrics` (a scrape never waits on the database) and the
/// burn-rate alerts.
public final class SLOBoard: Sendable {
    /// How often the standing is read anew: well inside the shortest burn window (5m), for two
    /// roll-up queries each time.
    public static let period: Duration = .seconds(5)
    private let latest = Mutex<[SLOStatus]>([])

    public init() {}

    public var statuses: [SLOStatus] { latest.withLock { $0 } }

    public func update(_ statuses: [SLOStatus]) { latest.withLock { $0 = statuses } }

    /// `vitals_slo_*` (spec section 15), labelled by component.
    public func metricsText() -> String {
        let statuses = self.statuses
        guard !statuses.isEmpty else { return "" }
        var p = PrometheusText()
        p.family("vitals_slo_objective_ratio", "gauge", "The SLO's objective as a ratio (0.999 for 99.9%).")
        for s in statuses { p.sample("vitals_slo_objective_ratio", [("component", s.component)], s.spec.objective) }
        p.family("vitals_slo_sli_ratio", "gauge", "Good seconds over known seconds in the SLO window so far (absent while nothing is known).")
        for s in statuses { if let sli = s.sli { p.sample("vitals_slo_sli_ratio", [("component", s.component)], sli) } }
        p.family("vitals_slo_coverage_ratio", "gauge", "Known seconds over the seconds of the SLO window so far.")
        for s in statuses { p.sample("vitals_slo_coverage_ratio", [("component", s.component)], s.tally.coverage) }
        p.family("vitals_slo_error_budget_remaining_ratio", "gauge", "The share of the error budget left (negative when overspent).")
        for s in statuses { p.sample("vitals_slo_error_budget_remaining_ratio", [("component", s.component)], s.remainingRatio) }
        p.family("vitals_slo_error_budget_remaining_seconds", "gauge", "The error budget left, in seconds of bad time.")
        for s in statuses { p.sample("vitals_slo_error_budget_remaining_seconds", [("component", s.component)], s.remainingSeconds) }
        p.family("vitals_slo_burn_rate", "gauge", "How fast the error budget burns over the window (1 spends it exactly over the SLO window).")
        for s in statuses {
            for w in BurnWindow.allCases {
                if let r = s.burnRates[w] { p.sample("vitals_slo_burn_rate", [("component", s.component), ("window", w.rawValue)], r) }
            }
        }
        return p.out
    }
}

import Foundation
import VitalsCore

/// The state a status page announces, in the words people know from hosted status pages
/// (Atlassian Statuspage, Uptime Kuma): what a customer reads first, so it must neither cry
/// "outage" while Vitals merely has not looked yet, nor call one failed component of many a
/// major outage.
enum PageState: Equatable {
    /// Startup has not completed: some components have no first result yet.
    case checking
    case operational
    /// Something degraded or a non-critical component down: the service still works.
    case degraded
    /// Some critical components unhealthy, others still up: the service is unhealthy in part.
    case partialOutage
    /// The service unhealthy as a whole: every critical component shown is unhealthy.
    case majorOutage
    /// Nothing else wrong, and a maintenance window covers some component shown.
    case maintenance

    /// One component as the page's state counts it.
    struct Member {
        var critical: Bool
        var status: HealthStatus
        /// A maintenance window running now covers it: its failures are expected, not an outage.
        var inMaintenance: Bool
    }

    /// Components under maintenance do not make an outage; an outage elsewhere still shows
    /// over the maintenance.
    static func of(_ members: [Member], startupComplete: Bool) -> PageState {
        guard startupComplete else { return .checking }
        let counted = members.filter { !$0.inMaintenance }
        let critical = counted.filter(\.critical)
        let down = critical.filter { $0.status == .unhealthy }.count
        if down > 0 { return down == critical.count ? .majorOutage : .partialOutage }
        if counted.contains(where: { $0.status != .healthy }) { return .degraded }
        return members.contains(where: \.inMaintenance) ? .maintenance : .operational
    }

    var words: String {
        switch self {
        case .checking: "Checking…"
        case .operational: "Operational"
        case .degraded: "Degraded performance"
        case .partialOutage: "Partial outage"
        case .majorOutage: "Major outage"
        case .maintenance: "Under maintenance"
        }
    }

    /// The banner's colour: the status class it borrows (maintenance and checking are grey).
    var status: HealthStatus {
        switch self {
        case .checking, .maintenance: .unknown
        case .operational: .healthy
        case .degraded: .degraded
        case .partialOutage, .majorOutage: .unhealthy
        }
    }

    var symbol: String {
        switch self {
        case .checking: "…"
        case .maintenance: "⚒"
        default: HTML.symbol(status)
        }
    }
}

import Foundation

/// What one location says of one component: its status after that location's own hysteresis
/// (the `ComponentState` of the member that probes it there), when it last had a result, how
/// long that probe took, and whether the location's canary failed (its own network is then
/// blamed, not the component).
public struct LocationReport: Sendable, Equatable {
    public var location: String
    /// After the location's own hysteresis; `unknown` before its first result.
    public var status: HealthStatus
    public var lastCheck: Date?
    public var latency: Duration?
    public var message: String
    public var canaryFailed: Bool

    public init(
        location: String, status: HealthStatus, lastCheck: Date?, latency: Duration? = nil, message: String = "",
        canaryFailed: Bool = false
    ) {
        self.location = location
        self.status = status
        self.lastCheck = lastCheck
        self.latency = latency
        self.message = message
        self.canaryFailed = canaryFailed
    }

    /// A location's report from its hysteresis state: the same `ComponentState` a single
    /// process applies to its results, so a location turns unhealthy by the component's
    /// `failure_threshold` exactly as one process would.
    public init(location: String, state: ComponentState, lastCheck: Date?, latency: Duration? = nil, canaryFailed: Bool = false) {
        self.init(location: location, status: state.status, lastCheck: lastCheck, latency: latency, canaryFailed: canaryFailed)
    }
}

/// The component's status across locations (spec section 14): the worst status reported by at
/// least `quorum` fresh locations, an unhealthy location counting toward degraded too. Fewer
/// failing locations than the quorum make it `degraded` with `partial` set and those locations
/// named: one region's trouble is shown, but does not page as an outage. A location whose
/// newest result is older than `staleAfter` (2 x interval + timeout), that has none, or whose
/// canary fails is left out of the count; with fewer fresh locations than the quorum the
/// status is `unknown`.
public struct LocationVerdict: Sendable, Equatable {
    /// Why a location was not counted.
    public enum LeftOut: String, Sendable, Equatable {
        /// No result yet, or its newest is older than `staleAfter`.
        case stale
        /// Its canary failed: its own network is in doubt.
        case canary
    }

    public var status: HealthStatus
    /// Some fresh locations fail, fewer than the quorum.
    public var partial: Bool
    /// The fresh locations reporting degraded or unhealthy, sorted.
    public var failing: [String]
    /// The fresh locations counted, sorted.
    public var counted: [String]
    /// The locations left out and why, sorted by location.
    public var leftOut: [(location: String, reason: LeftOut)]
    /// The quorum applied: the configured one, or a majority of the fresh locations.
    public var quorum: Int

    public static func == (a: LocationVerdict, b: LocationVerdict) -> Bool {
        a.status == b.status && a.partial == b.partial && a.failing == b.failing && a.counted == b.counted && a.quorum == b.quorum
            && a.leftOut.map(\.location) == b.leftOut.map(\.location) && a.leftOut.map(\.reason) == b.leftOut.map(\.reason)
    }

    /// `quorum` nil: a majority of the fresh locations (more than half). A configured quorum
    /// below 1 counts as 1.
    public static func combine(_ reports: [LocationReport], staleAfter: Duration, quorum configured: Int?, now: Date) -> LocationVerdict {
        var fresh: [LocationReport] = []
        var leftOut: [(location: String, reason: LeftOut)] = []
        for r in reports.sorted(by: { $0.location < $1.location }) {
            if r.canaryFailed {
                leftOut.append((r.location, .canary))
            } else if r.status == .unknown || r.lastCheck.map({ now.timeIntervalSince($0) > staleAfter.seconds }) ?? true {
                leftOut.append((r.location, .stale))
            } else {
                fresh.append(r)
            }
        }
        let quorum = max(1, configured ?? (fresh.count / 2 + 1))
        let failing = fresh.filter { $0.status == .degraded || $0.status == .unhealthy }.map(\.location)
        let unhealthy = fresh.filter { $0.status == .unhealthy }.count
        var verdict = LocationVerdict(
            status: .healthy, partial: false, failing: failing, counted: fresh.map(\.location), leftOut: leftOut, quorum: quorum)
        if fresh.count < quorum {
            verdict.status = .unknown
        } else if unhealthy >= quorum {
            verdict.status = .unhealthy
        } else if failing.count >= quorum {
            verdict.status = .degraded
        } else if !failing.isEmpty {
            verdict.status = .degraded
            verdict.partial = true
        }
        return verdict
    }

    /// One line for people: `degraded in 1 of 3 locations (fra)`, `unknown: 1 fresh location, quorum 2`.
    public var summary: String {
        if status == .unknown {
            return "unknown: \(counted.count) fresh location\(counted.count == 1 ? "" : "s"), quorum \(quorum)"
        }
        guard !failing.isEmpty else { return "\(status.rawValue) in \(counted.count) of \(counted.count) locations" }
        return "\(status.rawValue) in \(failing.count) of \(counted.count) locations (\(failing.joined(separator: ", ")))"
    }
}

/// How a process takes part in a fleet with locations: its own location, the quorum
/// (`fleet.quorum`; nil: a majority of the fresh locations), and `slack`, how much later than
/// its member this process learns of another location's result (write batching and the read
/// period), added to their staleness.
public struct LocationSetup: Sendable, Equatable {
    public var location: String
    public var quorum: Int?
    public var slack: Duration

    public init(location: String, quorum: Int? = nil, slack: Duration = .zero) {
        self.location = location
        self.quorum = quorum
        self.slack = slack
    }
}

/// One line of a kube-apiserver style `?verbose` answer.
public struct CheckLine: Sendable, Equatable {
    public var name: String
    public var ok: Bool
    /// What follows the name: for a passing line its status words (`ok`, `degraded`,
    /// `unhealthy (non-critical)`), for a failing one the reason after `failed:`. Never a probe
    /// message: the probe endpoints are served without a token and never reveal messages.
    public var detail: String
    /// False for the lines about the process itself (startup, shutdown).
    public var isComponent: Bool

    public init(name: String, ok: Bool, detail: String, isComponent: Bool = true) {
        self.name = name
        self.ok = ok
        self.detail = detail
        self.isComponent = isComponent
    }
}

public struct ReadinessView: Sendable, Equatable {
    public var ready: Bool
    public var status: HealthStatus
    public var startupComplete: Bool
    public var draining: Bool
    public var checks: [CheckLine]

    public init(ready: Bool, status: HealthStatus, startupComplete: Bool, draining: Bool, checks: [CheckLine]) {
        self.ready = ready
        self.status = status
        self.startupComplete = startupComplete
        self.draining = draining
        self.checks = checks
    }

    /// The failing components' names.
    public var failing: [String] { checks.filter { !$0.ok && $0.isComponent }.map(\.name) }
}

public struct LivenessView: Sendable, Equatable {
    public var live: Bool
    public var checks: [CheckLine]
    public init(live: Bool, checks: [CheckLine]) {
        self.live = live
        self.checks = checks
    }
}

/// Folds component statuses into the service status and readiness (spec section 4).
public enum Aggregation {
    public struct Member: Sendable, Equatable {
        public var name: String
        public var critical: Bool
        public var status: HealthStatus
        public init(name: String, critical: Bool, status: HealthStatus) {
            self.name = name
            self.critical = critical
            self.status = status
        }
    }

    /// How `unknown` (no result yet, or a plugin's UNKNOWN) counts toward the service status.
    public enum UnknownCounts: Sendable {
        /// Until startup has completed: as unhealthy, so a pending critical component keeps
        /// the service unready.
        case asUnhealthy
        /// After: not at all, so a component added by a reload does not fail a running service.
        case notAtAll
        /// In a one-shot `vitals check`: as itself, the worst answer (Nagios' UNKNOWN, exit 3)
        /// from a critical component, `degraded` from a non-critical one.
        case asItself

        public init(startupComplete: Bool) { self = startupComplete ? .notAtAll : .asUnhealthy }
    }

    /// The service-status rule (spec section 4), the one copy: a critical component counts with
    /// its own status, a non-critical one at worst `degraded`; `unknown` as `unknown` says.
    /// From tallies, so the store keeps it O(1) per change; members and `check` tally first.
    public static func serviceStatus(critical c: StatusCounts, nonCritical n: StatusCounts, unknown: UnknownCounts) -> HealthStatus {
        if unknown == .asItself && c.unknown > 0 { return .unknown }
        if c.unhealthy > 0 || (unknown == .asUnhealthy && c.unknown > 0) { return .unhealthy }
        if c.degraded > 0 || n.unhealthy > 0 || n.degraded > 0 || (unknown != .notAtAll && n.unknown > 0) { return .degraded }
        return .healthy
    }

    /// Tallies of members by criticality, for `serviceStatus`.
    public static func tally(_ members: some Sequence<(critical: Bool, status: HealthStatus)>) -> (critical: StatusCounts, nonCritical: StatusCounts) {
        var c = StatusCounts()
        var n = StatusCounts()
        for m in members {
            if m.critical { c[m.status] += 1 } else { n[m.status] += 1 }
        }
        return (c, n)
    }

    /// What one member contributes: the service status of that member alone.
    public static func contribution(_ m: Member, startupComplete: Bool) -> HealthStatus {
        serviceStatus([m], startupComplete: startupComplete)
    }

    public static func serviceStatus(_ members: [Member], startupComplete: Bool) -> HealthStatus {
        let t = tally(members.lazy.map { (critical: $0.critical, status: $0.status) })
        return serviceStatus(critical: t.critical, nonCritical: t.nonCritical, unknown: UnknownCounts(startupComplete: startupComplete))
    }

    /// A member's `?verbose` line (spec section 4): its real status, so a failing non-critical
    /// component shows as `unhealthy (non-critical)` rather than `ok`; it fails the check only
    /// when it makes the service unhealthy.
    public static func checkLine(_ m: Member, startupComplete: Bool) -> CheckLine {
        let ok = contribution(m, startupComplete: startupComplete) != .unhealthy
        let detail: String
        switch (m.status, ok) {
        case (.unknown, false): detail = "pending first result"
        case (.unknown, true): detail = startupComplete ? "unknown" : "pending first result (non-critical)"
        case (.healthy, _): detail = "ok"
        case (.degraded, _): detail = "degraded"
        case (.unhealthy, false): detail = "unhealthy"
        case (.unhealthy, true): detail = "unhealthy (non-critical)"
        }
        return CheckLine(name: m.name, ok: ok, detail: detail)
    }

    public static func readiness(_ members: [Member], startupComplete: Bool, draining: Bool) -> ReadinessView {
        let status = serviceStatus(members, startupComplete: startupComplete)
        var checks: [CheckLine] = members.map { checkLine($0, startupComplete: startupComplete) }
        if !startupComplete { checks.append(CheckLine(name: "startup", ok: false, detail: "not complete", isComponent: false)) }
        if draining { checks.append(CheckLine(name: "shutdown", ok: false, detail: "draining", isComponent: false)) }
        let ready = startupComplete && !draining && status != .unhealthy
        return ReadinessView(ready: ready, status: status, startupComplete: startupComplete, draining: draining, checks: checks)
    }
}

/// The status of a component or of the whole service.
///
/// Ordered by badness so that "the worst of" is `max`: healthy < degraded < unhealthy.
/// `unknown` (no result yet) sorts apart: callers decide what it means, since readiness
/// treats it as unhealthy only until startup has completed.
public enum HealthStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case healthy
    case degraded
    case unhealthy
    case unknown

    /// Severity for comparisons among known statuses.
    public var severity: Int {
        switch self {
        case .healthy: 0
        case .degraded: 1
        case .unhealthy: 2
        case .unknown: 3
        }
    }

    /// The worse of two known statuses.
    public static func worst(_ a: HealthStatus, _ b: HealthStatus) -> HealthStatus {
        a.severity >= b.severity ? a : b
    }

    /// IETF health-check draft vocabulary.
    public var ietf: String {
        switch self {
        case .healthy: "pass"
        case .degraded: "warn"
        case .unhealthy, .unknown: "fail"
        }
    }

    /// Nagios plugin exit code: 0 healthy, 1 degraded, 2 unhealthy, 3 unknown.
    public var nagiosExitCode: Int32 {
        switch self {
        case .healthy: 0
        case .degraded: 1
        case .unhealthy: 2
        case .unknown: 3
        }
    }
}

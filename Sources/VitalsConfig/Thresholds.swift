/// Levels at which a measurement makes a result `degraded` or `unhealthy`.
///
/// Keyed by measurement name, which is also the observation name a probe reports
/// (`latency`, `cert_expiry`, `used_percent`, `available_percent`, perfdata labels, ...).
/// Values are in the measurement's base unit: seconds for durations, percent for percentages.
public struct Thresholds: Sendable, Equatable {
    public var byName: [String: Threshold]
    public init(_ byName: [String: Threshold] = [:]) { self.byName = byName }
    public subscript(name: String) -> Threshold? {
        get { byName[name] }
        set { byName[name] = newValue }
    }
    public var isEmpty: Bool { byName.isEmpty }
}

public struct Threshold: Sendable, Equatable {
    public enum Direction: Sendable, Equatable {
        /// Larger values are worse (latency, used percent).
        case higherIsWorse
        /// Smaller values are worse (available percent, days to certificate expiry).
        case lowerIsWorse
    }
    public enum Unit: String, Sendable, Equatable {
        case seconds
        case percent
        case count
    }
    public var degraded: Double?
    public var unhealthy: Double?
    public var direction: Direction
    public var unit: Unit
    /// Set for a measurement judged over a sliding window of recent results (`success_rate`,
    /// `latency_p95`...: `WindowedThresholds`); nil for one judged on each result alone.
    public var window: Duration?

    public init(
        degraded: Double? = nil, unhealthy: Double? = nil, direction: Direction = .higherIsWorse, unit: Unit, window: Duration? = nil
    ) {
        self.degraded = degraded
        self.unhealthy = unhealthy
        self.direction = direction
        self.unit = unit
        self.window = window
    }

    /// What each known measurement means. Exec perfdata labels are not listed: their direction
    /// follows the order of their two levels (degraded above unhealthy means lower is worse).
    public static let known: [String: (unit: Unit, direction: Direction)] = [
        "latency": (.seconds, .higherIsWorse),
        "cert_expiry": (.seconds, .lowerIsWorse),
        "replication_lag": (.seconds, .higherIsWorse),
        // A number of seconds, as MySQL says it (Seconds_Behind_Master): `{ degraded: 5 }`.
        "replica_lag_seconds": (.count, .higherIsWorse),
        "connections_percent": (.percent, .higherIsWorse),
        "used_memory_percent": (.percent, .higherIsWorse),
        "connected_clients": (.count, .higherIsWorse),
        "used_percent": (.percent, .higherIsWorse),
        "inodes_used_percent": (.percent, .higherIsWorse),
        "available_percent": (.percent, .lowerIsWorse),
        "usage_percent": (.percent, .higherIsWorse),
        "load_per_core": (.count, .higherIsWorse),
        "throttled_percent": (.percent, .higherIsWorse),
        "packet_loss_percent": (.percent, .higherIsWorse),
        // Over a window of recent results, for every type (`WindowedThresholds`).
        "success_rate": (.percent, .lowerIsWorse),
        "latency_p50": (.seconds, .higherIsWorse),
        "latency_p95": (.seconds, .higherIsWorse),
        "latency_p99": (.seconds, .higherIsWorse),
    ]
}

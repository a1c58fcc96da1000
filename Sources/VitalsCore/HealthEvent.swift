import Foundation

/// A status change, for alerting: a component's status after hysteresis, or the service's.
public enum HealthEvent: Sendable, Equatable {
    case component(name: String, from: HealthStatus, to: HealthStatus, at: Date, message: String)
    case service(from: HealthStatus, to: HealthStatus, at: Date)
}

import Foundation
import VitalsConfig
import VitalsCore

/// What alerting is told about health at one moment: the service status and every component's.
///
/// Alerting owns this small value instead of depending on the store's event stream, so the
/// daemon can feed it from whatever publishes health (`HealthStore.snapshot()` after each
/// `HealthEvent`) and tests can build it by hand. It is always a *full* view: a component
/// missing from `components` is treated as gone (removed from the config), which resolves
/// alerts still firing for it.
public struct AlertInput: Sendable, Equatable {
    public struct Component: Sendable, Equatable {
        public var name: String
        public var type: String
        public var status: HealthStatus
        /// The last probe message (one line, never a secret).
        public var message: String
        public var critical: Bool

        public init(name: String, type: String = "", status: HealthStatus, message: String = "", critical: Bool = true) {
            self.name = name
            self.type = type
            self.status = status
            self.message = message
            self.critical = critical
        }
    }

    /// Wall time of the observation.
    public var at: Date
    /// The aggregate status. Pass `.unknown` until startup has completed: the service's
    /// status before every component has a first result is not evidence of anything.
    public var serviceStatus: HealthStatus
    public var components: [Component]
    /// Whether `on: service` rules are evaluated here. False on a sharded replica that does not
    /// hold the service lock: another replica evaluates them, so each notification is sent once,
    /// and this one leaves its service alerts as they are.
    public var evaluatesService = true

    public init(at: Date, serviceStatus: HealthStatus, components: [Component]) {
        self.at = at
        self.serviceStatus = serviceStatus
        self.components = components
    }

    /// Builds the input from a published health snapshot.
    ///
    /// Before startup completes the service status is reported as `unknown`, which never
    /// fires: a restart must not page because components have not been probed yet.
    ///
    /// `service` says who evaluates the `on: service` rules: this replica over its own
    /// components (unsharded), over every component of the config (the sharded replica holding
    /// the service lock: the other shards' components read from shared storage), or nobody here.
    public init(snapshot: HealthSnapshot, at: Date? = nil, service: ServiceScope = .own) {
        self.at = at ?? snapshot.generatedAt
        switch service {
        case .own:
            serviceStatus = snapshot.startupComplete ? snapshot.status : .unknown
        case .all:
            let members = snapshot.allComponents.map { Aggregation.Member(name: $0.name, critical: $0.spec.critical, status: $0.status) }
            serviceStatus = snapshot.startupComplete ? Aggregation.serviceStatus(members, startupComplete: true) : .unknown
        case .elsewhere:
            serviceStatus = .unknown
            evaluatesService = false
        }
        self.components = snapshot.components.map {
            Component(
                name: $0.name, type: $0.spec.type, status: $0.status,
                message: $0.lastResult?.message ?? "", critical: $0.spec.critical)
        }
    }

    public enum ServiceScope: Sendable {
        case own, all, elsewhere
    }

    public func component(named name: String) -> Component? {
        components.first { $0.name == name }
    }

    /// Components currently degraded or unhealthy, worst first, then by name.
    public var failing: [FailingComponent] {
        components
            .filter { $0.status == .degraded || $0.status == .unhealthy }
            .sorted { $0.status.severity != $1.status.severity ? $0.status.severity > $1.status.severity : $0.name < $1.name }
            .map { FailingComponent(component: $0.name, status: $0.status, message: $0.message) }
    }
}

/// One failing component as notifications list it.
public struct FailingComponent: Sendable, Equatable, Codable {
    public var component: String
    public var status: HealthStatus
    public var message: String

    public init(component: String, status: HealthStatus, message: String) {
        self.component = component
        self.status = status
        self.message = message
    }
}

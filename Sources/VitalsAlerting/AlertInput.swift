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
        /// When `status` began (the component's last status change): a rule's `for` counts from
        /// here, not from when alerting happened to look. Nil: from the observation.
        public var since: Date?
        /// The status before `status` (the `from` of its last change), when known: what a
        /// firing says the subject was before.
        public var previous: HealthStatus?
        /// Where each threshold that threshold rules watch stands at the last result (`unknown`
        /// without a reading), with the reason it is crossed.
        public var thresholds: [String: Judgement] = [:]
        /// When the last result came: a crossing of a threshold begins there.
        public var lastCheck: Date?

        public init(
            name: String, type: String = "", status: HealthStatus, message: String = "", critical: Bool = true, since: Date? = nil,
            previous: HealthStatus? = nil, thresholds: [String: Judgement] = [:], lastCheck: Date? = nil
        ) {
            self.name = name
            self.type = type
            self.status = status
            self.message = message
            self.critical = critical
            self.since = since
            self.previous = previous
            self.thresholds = thresholds
            self.lastCheck = lastCheck
        }

        /// The level of threshold `name` as a status (`unknown` without a reading) and why.
        public func threshold(_ name: String) -> (status: HealthStatus, reason: String) {
            guard let j = thresholds[name] else { return (.unknown, "") }
            return (j.status, j.reason ?? "")
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
    /// When the service status began and what it was before, when known (see `Component`).
    public var serviceSince: Date?
    public var servicePrevious: HealthStatus?

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
    ///
    /// `thresholds`: the threshold names threshold rules watch, read for every component that
    /// has one (nothing is read without such rules). `changes`: the status changes seen on the
    /// store's events, for `since` and `previous`.
    public init(
        snapshot: HealthSnapshot, at: Date? = nil, service: ServiceScope = .own, thresholds: Set<String> = [],
        changes: StatusChanges = StatusChanges()
    ) {
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
        if service == .own, let last = changes.service, last.to == serviceStatus {
            serviceSince = last.at
            servicePrevious = last.from
        }
        self.components = snapshot.components.map { c in
            var readings: [String: Judgement] = [:]
            if !thresholds.isEmpty, !c.spec.thresholds.isEmpty {
                for name in thresholds { if let t = c.spec.thresholds[name] { readings[name] = Self.reading(name, t, of: c) } }
            }
            let change = changes.components[c.name]
            return Component(
                name: c.name, type: c.spec.type, status: c.status, message: c.lastResult?.message ?? "", critical: c.spec.critical,
                since: c.since, previous: change?.to == c.status ? change?.from : nil, thresholds: readings, lastCheck: c.lastCheck)
        }
    }

    /// One threshold at a component's last result. A failed probe says nothing of its latency
    /// (a refused connection is fast, a timeout takes the whole timeout): a threshold judged on
    /// each result has no reading then; windowed ones count failures themselves.
    static func reading(_ name: String, _ threshold: Threshold, of c: ComponentSnapshot) -> Judgement {
        guard c.staleSince == nil, let result = c.lastResult, result.success || threshold.window != nil,
            let reading = Judge.reading(name, threshold, of: result)
        else { return Judgement(status: .unknown) }
        return reading
    }

    /// The latest status change of the service and of each component, as the store's events
    /// told them: the daemon keeps it up to date from `HealthStore.events()`.
    public struct StatusChanges: Sendable, Equatable {
        public var service: StatusTransition?
        public var components: [String: StatusTransition] = [:]
        public init() {}

        public mutating func record(_ event: HealthEvent) {
            switch event {
            case .component(let name, let from, let to, let at, let message):
                components[name] = StatusTransition(at: at, from: from, to: to, message: message)
            case .service(let from, let to, let at): service = StatusTransition(at: at, from: from, to: to, message: "")
            }
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
            .map { FailingComponent(component: $0.name, status: $0.status, message: $0.message, since: $0.since) }
            .sorted(by: FailingComponent.worstFirst)
    }
}

/// One failing component as notifications list it.
public struct FailingComponent: Sendable, Equatable, Codable {
    public var component: String
    public var status: HealthStatus
    public var message: String
    /// Since when it has had this status, where known (a notifier template's `since`).
    public var since: Date?

    public init(component: String, status: HealthStatus, message: String, since: Date? = nil) {
        self.component = component
        self.status = status
        self.message = message
        self.since = since
    }

    enum CodingKeys: String, CodingKey { case component, status, message, since }

    /// `since` as RFC 3339 text, absent when unknown: payloads (the webhook's `failing`) and the
    /// persisted alert state, where notifications saved before it existed have none.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(component, forKey: .component)
        try c.encode(status, forKey: .status)
        try c.encode(message, forKey: .message)
        try c.encodeIfPresent(since.map(RFC3339.string), forKey: .since)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        component = try c.decode(String.self, forKey: .component)
        status = try c.decode(HealthStatus.self, forKey: .status)
        message = try c.decode(String.self, forKey: .message)
        since = try c.decodeIfPresent(String.self, forKey: .since).flatMap(RFC3339.date)
    }
}

extension FailingComponent {
    /// Worse status first, then by name: the order lists and reasons name components in.
    public static func worstFirst(_ a: FailingComponent, _ b: FailingComponent) -> Bool {
        a.status.severity != b.status.severity ? a.status.severity > b.status.severity : a.component < b.component
    }

    /// At most this many components are named in a reason.
    static let maxInReason = 5

    /// Why the service is what it is, in one line: `orders-db unhealthy, cache degraded`
    /// (worst first, as `failing` lists them), `and 3 more` past five; with `messages`, each
    /// with its probe message (`orders-db unhealthy: timeout after 2s; cache degraded: ...`).
    /// A service alert's message and the service status log line both say it this way.
    public static func reason(_ failing: [FailingComponent], messages: Bool = false) -> String {
        var parts = failing.prefix(maxInReason).map { f in
            let text = "\(f.component) \(f.status.rawValue)"
            return messages && !f.message.isEmpty ? "\(text): \(f.message)" : text
        }
        if failing.count > maxInReason { parts.append("and \(failing.count - maxInReason) more") }
        return parts.joined(separator: messages ? "; " : ", ")
    }
}

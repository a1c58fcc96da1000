import Foundation
import VitalsCore

/// The `pagerduty` notifier's body: one event of PagerDuty's Events API v2
/// (`POST /v2/enqueue`, developer.pagerduty.com "Send an Alert Event").
///
/// A firing (and each repeat) is a `trigger`, a resolve a `resolve`, both with the same
/// `dedup_key` for one rule and subject: PagerDuty adds repeats to the open incident instead of
/// opening new ones, and the resolve closes it. The key carries nothing replica-specific, so
/// replicas sending the same alert feed the same incident. A resolve carries only what the API
/// reads from it (routing key, action, dedup key).
public struct PagerDutyEvent: Encodable, Sendable {
    public struct Payload: Encodable, Sendable {
        public var summary: String
        public var source: String
        public var severity: String
        public var timestamp: String
        public var component: String
        public var group: String
        public var `class`: String
        public var customDetails: Details

        enum CodingKeys: String, CodingKey {
            case summary, source, severity, timestamp, component, group, `class`
            case customDetails = "custom_details"
        }
    }

    /// What PagerDuty shows under "Custom Details": the webhook payload's fields.
    public struct Details: Encodable, Sendable {
        public var alert: String
        public var subject: String
        public var severity: String
        public var previousStatus: String
        public var currentStatus: String
        public var message: String
        public var failing: [FailingComponent]
        public var `repeat`: Bool
        public var startsAt: String
        public var service: String
        public var serviceLabels: [String: String]
        /// A `template`'s rendered body, when there is one.
        public var text: String?

        enum CodingKeys: String, CodingKey {
            case alert, subject, severity, message, failing, `repeat`, service, text
            case serviceLabels = "service_labels"
            case previousStatus = "previous_status"
            case currentStatus = "current_status"
            case startsAt = "starts_at"
        }
    }

    public struct Link: Encodable, Sendable {
        public var href: String
        public var text: String
    }

    public var routingKey: String
    public var eventAction: String
    public var dedupKey: String
    public var payload: Payload?
    public var links: [Link]?
    public var client: String?
    public var clientURL: String?

    enum CodingKeys: String, CodingKey {
        case payload, links, client
        case routingKey = "routing_key"
        case eventAction = "event_action"
        case dedupKey = "dedup_key"
        case clientURL = "client_url"
    }

    /// PagerDuty's limits: `dedup_key` up to 255 characters, `summary` up to 1,024.
    static let maxDedupKey = 255
    /// At most this many failing components go into the details.
    static let maxListed = 20

    public init(_ n: AlertNotification, routingKey: String, context: NotificationContext) {
        self.routingKey = routingKey
        dedupKey = Self.dedupKey(service: context.service.key, alert: n.alert, subject: n.subject)
        switch n.status {
        case .resolved:
            eventAction = "resolve"
        case .firing:
            eventAction = "trigger"
            payload = Payload(
                summary: n.headline, source: n.isService ? context.serviceName : n.subject,
                severity: Self.severity(n.severity, status: n.currentStatus), timestamp: RFC3339.string(n.createdAt),
                component: n.subject, group: context.serviceName, class: n.alert,
                customDetails: Details(
                    alert: n.alert, subject: n.subject, severity: n.severity, previousStatus: n.previousStatus.rawValue,
                    currentStatus: n.currentStatus.rawValue, message: n.message, failing: Array(n.failing.prefix(Self.maxListed)),
                    repeat: n.isRepeat, startsAt: RFC3339.string(n.startsAt), service: context.service.displayName,
                    serviceLabels: context.service.labels))
            links = [Link(href: context.detailsURL, text: "Vitals: health details")]
            client = "Vitals"
            clientURL = context.detailsURL
        }
    }

    /// `vitals/SERVICE/ALERT/SUBJECT`, SERVICE being the name with its labels
    /// (`orders{env=prod}`, `ServiceIdentity.key`); past `limit` (PagerDuty's 255 characters,
    /// Opsgenie's alias takes 512), a prefix and a stable hash of the whole (still the same on
    /// every replica and after a restart).
    static func dedupKey(service: String, alert: String, subject: String, limit: Int = maxDedupKey) -> String {
        let key = "vitals/\(service)/\(alert)/\(subject)"
        guard key.count > limit else { return key }
        let hash = String(StableHash.of(key), radix: 16)
        return String(key.prefix(limit - hash.count - 1)) + "#" + hash
    }

    /// The rule's free-text `severity` on PagerDuty's four levels; anything else by status
    /// (unhealthy is critical, degraded a warning).
    static func severity(_ text: String, status: HealthStatus) -> String {
        switch AlertNotification.severityRank(text) {
        case 1: "critical"
        case 2: "error"
        case 3: "warning"
        case 4, 5: "info"
        default: status == .unhealthy ? "critical" : "warning"
        }
    }

    public func body() -> [UInt8] { encodeJSON(self) }
}

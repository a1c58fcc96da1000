import Foundation
import VitalsCore

/// One notification about one alert instance: what every notifier encodes in its own format.
///
/// Built once per transition by the rule engine and kept with the instance's persisted state,
/// so a notification a receiver never confirmed can be sent again after a restart.
public struct AlertNotification: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, Equatable {
        case firing, resolved
    }

    /// Increases with every notification of one alert instance (firing, repeat, resolved).
    public var id: Int
    public var status: Status
    /// A re-notification of an alert that is still firing (`repeat`).
    public var isRepeat: Bool
    /// The rule name.
    public var alert: String
    /// `service` or a component name.
    public var subject: String
    /// Whether `subject` is the aggregate service rather than a component.
    public var isService: Bool
    public var severity: String
    public var previousStatus: HealthStatus
    public var currentStatus: HealthStatus
    /// The subject's last probe message (for the service: empty).
    public var message: String
    /// Components failing when the notification was made, with their messages.
    public var failing: [FailingComponent]
    /// When the alert fired.
    public var startsAt: Date
    /// When it resolved; nil while firing.
    public var endsAt: Date?
    /// When this notification was made.
    public var createdAt: Date

    public init(
        id: Int, status: Status, isRepeat: Bool = false, alert: String, subject: String, isService: Bool,
        severity: String, previousStatus: HealthStatus, currentStatus: HealthStatus, message: String = "",
        failing: [FailingComponent] = [], startsAt: Date, endsAt: Date? = nil, createdAt: Date
    ) {
        self.id = id
        self.status = status
        self.isRepeat = isRepeat
        self.alert = alert
        self.subject = subject
        self.isService = isService
        self.severity = severity
        self.previousStatus = previousStatus
        self.currentStatus = currentStatus
        self.message = message
        self.failing = failing
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdAt = createdAt
    }

    /// `orders-db is unhealthy` / `orders-db recovered: healthy`.
    public var summary: String {
        switch status {
        case .firing: "\(subject) is \(currentStatus.rawValue)"
        case .resolved: "\(subject) recovered: \(currentStatus.rawValue)"
        }
    }

    /// `FIRING`, `STILL FIRING` (a repeat) or `RESOLVED`: what a person reads first.
    public var tag: String {
        switch status {
        case .resolved: "RESOLVED"
        case .firing: isRepeat ? "STILL FIRING" : "FIRING"
        }
    }

    /// One line a person can scan in an inbox or an incident list, at most 200 characters:
    /// `orders-db unhealthy: timeout after 2s`, `service degraded: orders-db unhealthy, cache
    /// degraded`, `orders-db recovered: healthy`. The email subject (after `[FIRING]`) and
    /// PagerDuty's summary. Control characters (a probe message's newlines) become spaces, so
    /// it is safe in a mail header.
    public var headline: String {
        var text: String
        switch status {
        case .firing where isService:
            text = "\(subject) \(currentStatus.rawValue)"
            if !failing.isEmpty {
                text += ": " + failing.prefix(3).map { "\($0.component) \($0.status.rawValue)" }.joined(separator: ", ")
                if failing.count > 3 { text += " and \(failing.count - 3) more" }
            }
        case .firing:
            text = "\(subject) \(currentStatus.rawValue)"
            if !message.isEmpty { text += ": \(message)" }
        case .resolved where currentStatus == .unknown && !message.isEmpty:
            // Resolved by a config change, not by an observation: the message says which.
            text = "\(subject) resolved: \(message)"
        case .resolved:
            text = summary
        }
        let line = Self.oneLine(text)
        return line.count <= 200 ? line : String(line.prefix(199)) + "…"
    }

    /// A rule's free-text `severity` on the five levels paging services share: 1 critical
    /// (`critical`, `page`, `high`, `p1`...), 2 error, 3 warning, 4 low, 5 informational; nil
    /// for anything else (then each channel decides by status). PagerDuty folds 4 and 5 into
    /// `info`; Opsgenie's P1-P5 are these.
    static func severityRank(_ text: String) -> Int? {
        switch text.lowercased() {
        case "critical", "crit", "fatal", "emergency", "page", "high", "p1": 1
        case "error", "err", "major", "p2": 2
        case "warning", "warn", "minor", "medium", "p3": 3
        case "low", "notice", "p4": 4
        case "info", "informational", "none", "p5": 5
        default: nil
        }
    }

    /// `text` with control characters (line breaks) as spaces: safe in a mail header.
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    /// A sentence with the status change and the reasons.
    public var details: String {
        var text = "\(subject): \(previousStatus.rawValue) → \(currentStatus.rawValue)"
        if !message.isEmpty { text += " (\(message))" }
        if status == .firing, !failing.isEmpty, isService || failing.contains(where: { $0.component != subject }) {
            text += ". Failing: " + failing.map { "\($0.component) \($0.status.rawValue): \($0.message)" }.joined(separator: "; ")
        }
        return text
    }
}


import Foundation
import VitalsConfig
import VitalsCore

/// The `GET /alerts` body: firing, pending and recently resolved alerts, newest activity
/// first, each with its notification attempts; muted notifications; queue state.
///
/// ```json
/// {"generated_at":"...","alerts":[{"id":"db-down:orders-db","alert":"db-down","subject":"orders-db","state":"firing",
///   "severity":"critical","status":"unhealthy","message":"timeout after 2s",
///   "pending_since":"...","started_at":"...","resolved_at":null,"last_notified_at":"...",
///   "muted":false,"notify":["ops"],
///   "acknowledged":{"by":"alice","comment":"on it, INC-42","at":"..."},
///   "notifications":[{"at":"...","notifier":"ops","kind":"firing","attempt":1,
///     "outcome":"success","status_code":200,"error":null}]}],
///  "muted":[{"at":"...","alert":"db-down","subject":"orders-db","kind":"firing","reason":"maintenance window ..."}],
///  "notifiers":[{"name":"ops","type":"webhook","queued":0,"dropped":0}],
///  "storage_errors":0}
/// ```
struct AlertsView {
    struct Attempt: Encodable {
        var at: String
        var notifier: String
        var kind: String
        var attempt: Int
        var outcome: String
        var statusCode: Int?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case at, notifier, kind, attempt, outcome, error
            case statusCode = "status_code"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(at, forKey: .at)
            try c.encode(notifier, forKey: .notifier)
            try c.encode(kind, forKey: .kind)
            try c.encode(attempt, forKey: .attempt)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(statusCode, forKey: .statusCode)
            try c.encode(error, forKey: .error)
        }
    }

    /// Who took the alert; strings are JSON-escaped by the encoder like every other field.
    struct Acknowledged: Encodable {
        var by: String
        var comment: String
        var at: String
    }

    struct Alert: Encodable {
        var id: String
        var alert: String
        var subject: String
        var state: String
        var severity: String
        var status: String
        var message: String
        var pendingSince: String?
        var startedAt: String?
        var resolvedAt: String?
        var lastNotifiedAt: String?
        var muted: Bool
        var notify: [String]
        var acknowledged: Acknowledged?
        var notifications: [Attempt]
        var sortKey: Date

        enum CodingKeys: String, CodingKey {
            case id, alert, subject, acknowledged, state, severity, status, message, muted, notify, notifications
            case pendingSince = "pending_since"
            case startedAt = "started_at"
            case resolvedAt = "resolved_at"
            case lastNotifiedAt = "last_notified_at"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(alert, forKey: .alert)
            try c.encode(subject, forKey: .subject)
            try c.encode(state, forKey: .state)
            try c.encode(severity, forKey: .severity)
            try c.encode(status, forKey: .status)
            try c.encode(message, forKey: .message)
            try c.encode(pendingSince, forKey: .pendingSince)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(resolvedAt, forKey: .resolvedAt)
            try c.encode(lastNotifiedAt, forKey: .lastNotifiedAt)
            try c.encode(muted, forKey: .muted)
            try c.encode(notify, forKey: .notify)
            try c.encode(acknowledged, forKey: .acknowledged)
            try c.encode(notifications, forKey: .notifications)
        }
    }

    struct Muted: Encodable {
        var at: String
        var alert: String
        var subject: String
        var kind: String
        var reason: String
    }

    struct Notifier: Encodable {
        var name: String
        var type: String
        var queued: Int
        var dropped: UInt64
    }

    struct Body: Encodable {
        var generated_at: String
        var alerts: [Alert]
        var muted: [Muted]
        var notifiers: [Notifier]
        var storage_errors: UInt64
        var storage_error: String?
    }

    var alerts: [Alert]
    var muted: [Muted]
    var notifiers: [Notifier]
    var persistErrors: UInt64
    var lastPersistError: String?

    init(book: AlertBook, depths: [String: Int], persistErrors: UInt64, lastPersistError: String?) {
        alerts = book.instances.values.map { Self.entry($0, attempts: book.attempts[$0.key] ?? []) }
        .sorted { Self.rank($0.state) != Self.rank($1.state) ? Self.rank($0.state) < Self.rank($1.state) : $0.sortKey > $1.sortKey }
        muted = book.muted.reversed().map {
            Muted(at: RFC3339.string($0.at), alert: $0.alert, subject: $0.subject, kind: $0.kind.rawValue, reason: $0.reason)
        }
        notifiers = book.notifiers.values.sorted { $0.name < $1.name }.map {
            Notifier(name: $0.name, type: $0.kind.rawValue, queued: depths[$0.name] ?? 0, dropped: book.dropped[$0.name] ?? 0)
        }
        self.persistErrors = persistErrors
        self.lastPersistError = lastPersistError
    }

    /// One alert as listed (and as the acknowledgement answers it), newest attempt first.
    static func entry(_ i: AlertInstance, attempts: [AttemptRecord]) -> Alert {
        let iso = { (d: Date?) in d.map(RFC3339.string) }
        let s = i.state
        let sortKey = [s.resolvedAt, s.lastNotifiedAt, s.firedAt, s.pendingSince].compactMap { $0 }.max() ?? .distantPast
        return Alert(
            id: i.id, alert: i.rule, subject: i.subject, state: s.phase.rawValue, severity: i.severity,
            status: (s.status ?? .unknown).rawValue, message: i.resolveReason ?? s.message, pendingSince: iso(s.pendingSince),
            startedAt: iso(s.firedAt), resolvedAt: s.phase == .resolved ? iso(s.resolvedAt) : nil, lastNotifiedAt: iso(s.lastNotifiedAt),
            muted: i.firingMuted, notify: i.notify,
            acknowledged: i.acknowledgement.map { Acknowledged(by: $0.by, comment: $0.comment, at: RFC3339.string($0.at)) },
            notifications: attempts.reversed().map {
                Attempt(
                    at: RFC3339.string($0.at), notifier: $0.notifier, kind: $0.kind.rawValue, attempt: $0.attempt, outcome: $0.outcome,
                    statusCode: $0.statusCode, error: $0.error)
            },
            sortKey: sortKey)
    }

    /// Firing first, then pending, then resolved.
    static func rank(_ state: String) -> Int {
        switch state {
        case "firing": 0
        case "pending": 1
        default: 2
        }
    }

    func json(now: Date) -> [UInt8] {
        encodeJSON(
            Body(
                generated_at: RFC3339.string(now), alerts: alerts, muted: muted, notifiers: notifiers, storage_errors: persistErrors,
                storage_error: lastPersistError))
    }
}

/// Alerting's series for `/metrics` (text exposition format 0.0.4).
enum AlertMetrics {
    static func render(book: AlertBook, depths: [String: Int]) -> String {
        let notifiers = book.notifiers.keys.sorted()
        var m = PrometheusText()
        m.family("vitals_alerts_sent_total", "counter", "Notification delivery attempts by notifier and result.")
        for name in notifiers {
            for result in ["success", "failure"] {
                m.sample("vitals_alerts_sent_total", [("notifier", name), ("result", result)], Double(book.sent[name]?[result] ?? 0))
            }
        }
        let perNotifier: [(String, String, String, (String) -> Int)] = [
            ("vitals_alert_notifications_failed_total", "counter", "Notifications never delivered: refused, retries exhausted or dropped.",
             { Int(book.failedNotifications[$0] ?? 0) }),
            ("vitals_alert_queue_dropped_total", "counter", "Notifications dropped because the notifier's queue was full.",
             { Int(book.dropped[$0] ?? 0) }),
            ("vitals_alert_queue_depth", "gauge", "Notifications queued or in flight per notifier.", { depths[$0] ?? 0 }),
        ]
        for (name, type, help, value) in perNotifier {
            m.family(name, type, help)
            for notifier in notifiers { m.sample(name, [("notifier", notifier)], Double(value(notifier))) }
        }
        let firing = book.firingCounts
        m.family("vitals_alerts_firing", "gauge", "Alert instances currently firing, by rule.")
        for name in firing.keys.sorted() { m.sample("vitals_alerts_firing", [("alert", name)], Double(firing[name] ?? 0)) }
        m.family(
            "vitals_alerts_suppressed_total", "counter",
            "Notifications held back, by rule and reason: maintenance (a window), inhibited (an unhealthy rule fires for the subject), rate_limit (max_per_hour), unsent_firing (the resolve of one never sent).")
        for rule in Set(book.rules.map(\.name)).union(book.suppressed.keys).sorted() {
            for reason in ["maintenance", "inhibited", "rate_limit", "unsent_firing"] {
                m.sample("vitals_alerts_suppressed_total", [("alert", rule), ("reason", reason)], Double(book.suppressed[rule]?[reason] ?? 0))
            }
        }
        return m.out
    }
}

import Foundation
import VitalsCore

/// The `log` notifier's line in the daemon's log (stderr, logfmt or `--log-format json`):
/// a constant message, `alert notification`, so a log query counts them, and the
/// notification in fields, as the webhook payload has them:
///
///     level=warning msg="alert notification" alert=orders-down subject=orders-db status=firing
///     repeat=false severity=critical from=healthy to=unhealthy message="timeout after 2s" ...
///
/// Fields are encoded in the delivery's body (a JSON object of strings) so the line goes
/// through the same queue as every other notifier: muted, rate-limited and counted alike.
struct LogNotification {
    static let message = "alert notification"
    /// At most this many failing components are listed.
    static let maxListed = 10

    var fields: [String: String]

    var isFiring: Bool { fields["status"] == AlertNotification.Status.firing.rawValue }

    init(fields: [String: String]) { self.fields = fields }

    init(_ n: AlertNotification, context: NotificationContext) {
        var f: [String: String] = [
            "alert": n.alert, "subject": n.subject, "status": n.status.rawValue, "repeat": "\(n.isRepeat)", "severity": n.severity,
            "from": n.previousStatus.rawValue, "to": n.currentStatus.rawValue, "message": n.message,
            "since": RFC3339.string(n.startsAt), "url": context.detailsURL, "service": context.serviceName,
        ]
        if !context.service.labels.isEmpty { f["service_labels"] = context.service.labelText }
        if let end = n.endsAt { f["ended"] = RFC3339.string(end) }
        if n.status == .firing, !n.failing.isEmpty {
            var listed = n.failing.prefix(Self.maxListed).map { "\($0.component) \($0.status.rawValue): \($0.message)" }
            if n.failing.count > Self.maxListed { listed.append("and \(n.failing.count - Self.maxListed) more") }
            f["failing"] = listed.joined(separator: "; ")
        }
        fields = f
    }

    func body() -> [UInt8] { encodeJSON(fields) }

    /// The fields back from a delivery's body; a body that is not this notifier's yields none.
    static func decode(_ body: [UInt8]) -> LogNotification {
        LogNotification(fields: (try? JSONDecoder().decode([String: String].self, from: Data(body))) ?? [:])
    }
}

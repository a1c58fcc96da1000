import Foundation
import VitalsCore

/// The `opsgenie` notifier's requests: Opsgenie's Alert API v2 (docs.opsgenie.com "Alert API";
/// the request schemas are `CreateAlertPayload` and `CloseAlertPayload` of Opsgenie's OpenAPI
/// definition), authenticated by `Authorization: GenieKey KEY`.
///
/// A firing (and each repeat) creates an alert, `POST {url}/v2/alerts`, with an `alias` that is
/// the same for one rule and subject of one service: Opsgenie deduplicates a repeat into the
/// open alert (its count goes up) instead of opening another, replicas feed the same alert,
/// and the resolve closes it by that alias, `POST {url}/v2/alerts/{alias}/close
/// ?identifierType=alias`, a delivery addressed to its own URL (`OpsgenieAlert.closeURL`).
/// Opsgenie answers `202 {"result":"Request will be processed","took":..,"requestId":..}`,
/// 422 for a request it cannot process (not retried) and 429 when rate limited.
///
/// Within the documented limits: message 130 characters, alias 512, description 15,000,
/// entity 512, source 100, at most 20 tags of 50 characters, details 8,000 characters in all.
public struct OpsgenieAlert: Encodable, Sendable {
    public var message: String
    public var alias: String
    public var description: String
    public var tags: [String]
    public var details: [String: String]
    public var entity: String
    public var source: String
    public var priority: String

    static let maxMessage = 130
    static let maxAlias = 512
    static let maxDescription = 15000
    static let maxEntity = 512
    static let maxSource = 100
    static let maxTags = 20
    static let maxTag = 50
    static let maxDetails = 8000
    static let maxListed = 50

    public init(_ n: AlertNotification, priority configured: Int?, context: NotificationContext) {
        message = ChatText.cut(n.headline, Self.maxMessage)
        alias = Self.alias(n, context: context)
        var text = "\(context.service.described) · \(n.alert) (\(n.severity))\n\(n.subject): \(n.change)"
        if !n.message.isEmpty { text += "\n" + ChatText.cut(n.message, 2000) }
        if n.status == .firing, !n.failing.isEmpty {
            let lines = n.failing.prefix(Self.maxListed).map { "• \($0.component) \($0.status.rawValue): \(ChatText.cut($0.message, 300))" }
            // What the rest leaves of the 15,000, so the count of the unlisted is never cut off.
            let room = Self.maxDescription - text.utf16.count - context.detailsURL.utf16.count - 2
            text += "\n" + ChatText.list(lines, total: n.failing.count, limit: max(room, 0))
        }
        text += "\n\(context.detailsURL)"
        description = ChatText.cut(text, Self.maxDescription)
        var tags = ["vitals", n.severity, context.serviceName]
        for (key, value) in context.service.labels.sorted(by: { $0.key < $1.key }) { tags.append("\(key):\(value)") }
        self.tags = Array(tags.filter { !$0.isEmpty }.map { ChatText.cut($0, Self.maxTag) }.prefix(Self.maxTags))
        var details = [
            "alert": n.alert, "subject": n.subject, "severity": n.severity, "service": context.serviceName,
            "previous_status": n.previousStatus.rawValue, "current_status": n.currentStatus.rawValue,
            "starts_at": RFC3339.string(n.startsAt), "url": context.detailsURL,
        ]
        for (key, value) in context.service.labels { details["service.\(key)"] = value }
        // The probe's message last, in what the other details leave of the 8,000.
        let used = details.reduce(0) { $0 + $1.key.utf16.count + $1.value.utf16.count }
        if !n.message.isEmpty { details["message"] = ChatText.cut(n.message, max(Self.maxDetails - used - 7, 0)) }
        self.details = details
        entity = ChatText.cut(n.subject, Self.maxEntity)
        source = ChatText.cut("vitals/\(context.serviceName)", Self.maxSource)
        priority = "P\(configured ?? Self.priority(n.severity, status: n.currentStatus))"
    }

    /// What a resolve sends with the close (`CloseAlertPayload`: user, source, note).
    public struct Close: Encodable, Sendable {
        public var user = "Vitals"
        public var source: String
        public var note: String
    }

    /// The note on a close: at most 25,000 characters.
    static let maxNote = 25000

    /// What a resolve sends: who closes it and why.
    static func close(_ n: AlertNotification, context: NotificationContext) -> Close {
        Close(source: ChatText.cut("vitals/\(context.serviceName)", maxSource), note: ChatText.cut(n.headline, maxNote))
    }

    /// The create for a firing, the close for a resolve.
    public static func body(_ n: AlertNotification, priority: Int?, context: NotificationContext) -> [UInt8] {
        switch n.status {
        case .firing: encodeJSON(OpsgenieAlert(n, priority: priority, context: context))
        case .resolved: encodeJSON(close(n, context: context))
        }
    }

    /// `{base}/v2/alerts`, where every create goes.
    public static func createURL(base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/v2/alerts"
    }

    /// `{base}/v2/alerts/{alias}/close?identifierType=alias`: the alias percent-encoded as one
    /// path segment (it holds `/`, `{` and `=`).
    public static func closeURL(base: String, alias: String) -> String {
        let segment = alias.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
        return createURL(base: base) + "/" + segment + "/close?identifierType=alias"
    }

    /// RFC 3986's unreserved characters, ASCII only (`.alphanumerics` would keep other letters).
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The deduplication key: PagerDuty's (`vitals/SERVICE/ALERT/SUBJECT`), within Opsgenie's 512.
    static func alias(_ n: AlertNotification, context: NotificationContext) -> String {
        PagerDutyEvent.dedupKey(service: context.service.key, alert: n.alert, subject: n.subject, limit: maxAlias)
    }

    /// The rule's free-text `severity` as P1 (critical) to P5 (informational); anything else by
    /// status (unhealthy P2, degraded P3).
    static func priority(_ text: String, status: HealthStatus) -> Int {
        AlertNotification.severityRank(text) ?? (status == .unhealthy ? 2 : 3)
    }
}

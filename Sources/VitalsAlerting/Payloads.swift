import Foundation
import VitalsConfig
import VitalsCore

/// What every payload needs besides the notification itself.
public struct NotificationContext: Sendable, Equatable {
    /// Link to this Vitals' `/health/detailed`: built from `server.external_url`, or from the
    /// listen address when none is configured.
    public var detailsURL: String
    /// `service:`: who sends. Its name and labels are in every alert's identity (Alertmanager
    /// labels, PagerDuty's dedup key), so instances of different services never merge, while
    /// replicas of one (same name, same labels) deduplicate.
    public var service: ServiceIdentity

    /// The `service` label Alertmanager groups by.
    public var serviceName: String {
        get { service.name }
        set { service.name = newValue }
    }

    public init(detailsURL: String, service: ServiceIdentity = ServiceIdentity()) {
        self.detailsURL = detailsURL
        self.service = service
    }

    public init(detailsURL: String, serviceName: String) {
        self.init(detailsURL: detailsURL, service: ServiceIdentity(name: serviceName))
    }

    /// `external_url` (trailing slashes dropped) or `http://listen`, + `/health/detailed`.
    /// A wildcard listen host (`0.0.0.0`, `::`) is useless in a link, so it becomes `localhost`.
    public init(server: ServerConfig, service: ServiceIdentity = ServiceIdentity()) {
        var base: String
        if let external = server.externalURL, !external.isEmpty {
            base = external
            while base.hasSuffix("/") { base.removeLast() }
        } else {
            var listen = server.listen
            if listen.host == "0.0.0.0" || listen.host == "::" || listen.host.isEmpty { listen.host = "localhost" }
            base = "http://\(listen)"
        }
        self.init(detailsURL: base + "/health/detailed", service: service)
    }
}

/// The `webhook` notifier's JSON body. Schema (stable; documented in docs/alerting.md):
///
/// ```json
/// {"version":"1","status":"firing","repeat":false,"alert":"service-degraded","subject":"service",
///  "severity":"warning","previous_status":"healthy","current_status":"degraded","message":"",
///  "failing":[{"component":"orders-db","status":"unhealthy","message":"timeout after 2s"}],
///  "startsAt":"2026-11-22T10:00:30Z","endsAt":null,
///  "url":"https://vitals.example/health/detailed","service":"orders","service_title":"Orders",
///  "service_labels":{"env":"prod"}}
/// ```
///
/// `service_title` is the name when no title is set; `service_labels` is `{}` without labels;
/// a failing component's `since` is there when known; `title` and `text` only with a `template`.
/// ```
/// ```
public struct WebhookPayload: Encodable, Sendable {
    public var notification: AlertNotification
    public var context: NotificationContext
    /// With a `template`: its rendered `title` and `text`, added to the payload.
    var rendered: RenderedText?

    public init(_ notification: AlertNotification, context: NotificationContext) {
        self.notification = notification
        self.context = context
    }

    enum Keys: String, CodingKey {
        case version, status, `repeat`, alert, subject, severity, message, failing, startsAt, endsAt, url, service, title, text
        case serviceTitle = "service_title"
        case serviceLabels = "service_labels"
        case previousStatus = "previous_status"
        case currentStatus = "current_status"
    }

    public func encode(to encoder: any Encoder) throws {
        let n = notification
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode("1", forKey: .version)
        try c.encode(n.status.rawValue, forKey: .status)
        try c.encode(n.isRepeat, forKey: .repeat)
        try c.encode(n.alert, forKey: .alert)
        try c.encode(n.subject, forKey: .subject)
        try c.encode(n.severity, forKey: .severity)
        try c.encode(n.previousStatus.rawValue, forKey: .previousStatus)
        try c.encode(n.currentStatus.rawValue, forKey: .currentStatus)
        try c.encode(n.message, forKey: .message)
        try c.encode(n.failing, forKey: .failing)
        try c.encode(RFC3339.string(n.startsAt), forKey: .startsAt)
        // An explicit null while firing, so receivers find the key in both states.
        if let end = n.endsAt { try c.encode(RFC3339.string(end), forKey: .endsAt) } else { try c.encodeNil(forKey: .endsAt) }
        try c.encode(context.detailsURL, forKey: .url)
        try c.encode(context.serviceName, forKey: .service)
        try c.encode(context.service.displayName, forKey: .serviceTitle)
        try c.encode(context.service.labels, forKey: .serviceLabels)
        try c.encodeIfPresent(rendered?.title, forKey: .title)
        try c.encodeIfPresent(rendered?.body, forKey: .text)
    }

    public func body() -> [UInt8] { encodeJSON(self) }
}

/// The `slack` notifier's incoming-webhook JSON: `text` (the fallback shown in push
/// notifications and by clients without blocks) plus `blocks` laid out to be read at a glance:
/// an emoji by status, the subject and its status change, the failing components and why.
public struct SlackPayload: Encodable, Sendable {
    public var text: String
    public var blocks: [Block]

    public struct Text: Encodable, Sendable {
        public var type: String
        public var text: String
    }

    public struct Block: Encodable, Sendable {
        public var type: String
        public var text: Text?
        public var fields: [Text]?
        public var elements: [Text]?

        init(type: String, text: Text? = nil, fields: [Text]? = nil, elements: [Text]? = nil) {
            self.type = type
            self.text = text
            self.fields = fields
            self.elements = elements
        }
    }

    /// Slack shows at most 3000 characters per text object; long failing lists are cut.
    static let maxListed = 10

    public init(_ n: AlertNotification, context: NotificationContext) {
        let emoji: String
        switch n.status {
        case .resolved: emoji = ":white_check_mark:"
        case .firing: emoji = n.currentStatus == .unhealthy ? ":red_circle:" : ":large_yellow_circle:"
        }
        let label = n.tag
        let change = n.change
        text = "\(emoji) [\(label)] \(context.service.displayName) \(n.alert): \(n.subject) \(change)"
        let when: String
        if n.status == .resolved, let end = n.endsAt {
            when = "*Resolved*\n\(RFC3339.string(end))"
        } else {
            when = "*Since*\n\(RFC3339.string(n.startsAt))"
        }
        var blocks: [Block] = [
            Block(type: "section", text: Text(type: "mrkdwn", text: "\(emoji) *\(label): \(Self.escape(n.alert))*")),
            Block(
                type: "section",
                fields: [
                    Text(type: "mrkdwn", text: "*Service*\n\(Self.escape(context.service.described))"),
                    Text(type: "mrkdwn", text: "*Subject*\n`\(Self.escape(n.subject))`"),
                    Text(type: "mrkdwn", text: "*Status*\n\(change)"),
                    Text(type: "mrkdwn", text: "*Severity*\n\(Self.escape(n.severity))"),
                    Text(type: "mrkdwn", text: when),
                ]),
        ]
        if !n.message.isEmpty {
            blocks.append(Block(type: "section", text: Text(type: "mrkdwn", text: "> \(Self.escape(Self.cut(n.message, 500)))")))
        }
        if n.status == .firing, !n.failing.isEmpty {
            var lines = n.failing.prefix(Self.maxListed).map {
                "• `\(Self.escape($0.component))` \($0.status.rawValue): \(Self.escape(Self.cut($0.message, 200)))"
            }
            if n.failing.count > Self.maxListed { lines.append("…and \(n.failing.count - Self.maxListed) more") }
            blocks.append(Block(type: "section", text: Text(type: "mrkdwn", text: "*Failing*\n" + lines.joined(separator: "\n"))))
        }
        blocks.append(
            Block(type: "context", elements: [Text(type: "mrkdwn", text: "<\(context.detailsURL)|Details> · \(Self.escape(context.service.key))")]))
        self.blocks = blocks
    }

    /// Slack's mrkdwn treats `&`, `<` and `>` as control characters.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func cut(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    public func body() -> [UInt8] { encodeJSON(self) }
}

/// One alert in Alertmanager's v2 API (`POST /api/v2/alerts` takes an array of these).
///
/// Labels are `alertname`, `component` (absent for the service subject: Alertmanager, like
/// Prometheus, treats an empty label as no label), `severity`, `service` and the configured
/// `service.labels` (which may not replace the others). They carry nothing replica-specific,
/// so replicas firing the same alert produce the same label set and Alertmanager deduplicates
/// them by fingerprint, while instances of different services make different alerts. While firing, `endsAt` is set a few re-post
/// intervals ahead, as Prometheus does: if Vitals dies, Alertmanager resolves the alert on its
/// own instead of keeping it forever; while Vitals lives, re-posts keep pushing it forward.
public struct AlertmanagerAlert: Codable, Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: String
    public var endsAt: String?
    public var generatorURL: String

    /// How often a firing alert is re-posted (Prometheus' resend cadence).
    public static let resendInterval: Duration = .seconds(60)
    /// `endsAt` of a firing alert lies this far past the post: four re-posts may be lost first.
    public static let firingValidity: Duration = .seconds(240)

    public init(_ n: AlertNotification, context: NotificationContext, now: Date) {
        var labels = context.service.labels
        labels.merge(["alertname": n.alert, "severity": n.severity, "service": context.serviceName]) { _, own in own }
        if !n.isService { labels["component"] = n.subject }
        self.labels = labels
        annotations = ["summary": n.summary, "description": n.details]
        if let title = context.service.title { annotations["service_title"] = title }
        startsAt = RFC3339.string(n.startsAt)
        let end: Date
        switch n.status {
        case .resolved: end = max(n.endsAt ?? now, n.startsAt)
        case .firing: end = now.addingTimeInterval(Self.firingValidity.seconds)
        }
        endsAt = RFC3339.string(end)
        generatorURL = context.detailsURL
    }

    public static func body(_ alerts: [AlertmanagerAlert]) -> [UInt8] { encodeJSON(alerts) }
}

/// The notifier kinds' bodies and the URL each posts to.
public enum PayloadEncoder {
    /// What `spec` sends for `n`: a JSON body, a mail message, or a log line's fields.
    public static func body(for n: AlertNotification, spec: NotifierSpec, context: NotificationContext, now: Date) -> [UInt8] {
        if let template = spec.template { return templated(template, for: n, spec: spec, context: context, now: now) }
        return switch spec.kind {
        case .webhook: WebhookPayload(n, context: context).body()
        case .slack: SlackPayload(n, context: context).body()
        case .alertmanager: AlertmanagerAlert.body([AlertmanagerAlert(n, context: context, now: now)])
        case .pagerduty: PagerDutyEvent(n, routingKey: spec.routingKey?.value ?? "", context: context).body()
        case .email: EmailMessage(n, settings: spec.email ?? EmailSettings(from: "", to: []), context: context).bytes()
        case .log: LogNotification(n, context: context).body()
        case .discord: DiscordMessage(n, context: context).body()
        case .teams: TeamsMessage(n, context: context).body()
        case .mattermost: MattermostMessage(n, context: context).body()
        case .googleChat: GoogleChatMessage(n, context: context).body()
        case .pushover: PushoverMessage(n, token: spec.token?.value ?? "", user: spec.chatID ?? "", context: context).body()
        case .telegram: TelegramMessage(n, chatID: spec.chatID ?? "", context: context).body()
        case .ntfy:
            NtfyMessage(n, topic: NotifierSpec.ntfyTopic(of: spec.url.value)?.topic ?? "", priority: spec.priority, context: context).body()
        case .opsgenie: OpsgenieAlert.body(n, priority: spec.priority, context: context)
        }
    }

    /// Where this one notification goes when that is not the notifier's `postURL`: Opsgenie
    /// closes an alert at an address made of its alias. Nil for every other delivery.
    public static func address(for n: AlertNotification, spec: NotifierSpec, context: NotificationContext) -> String? {
        guard spec.kind == .opsgenie, n.status == .resolved else { return nil }
        return OpsgenieAlert.closeURL(base: spec.url.value, alias: OpsgenieAlert.alias(n, context: context))
    }

    /// Where a notifier posts: the configured URL, or `{base}/api/v2/alerts` for Alertmanager.
    public static func postURL(_ spec: NotifierSpec) -> String {
        switch spec.kind {
        case .webhook, .slack, .pagerduty, .email, .log, .discord, .teams, .mattermost, .pushover, .googleChat: return spec.url.value
        case .alertmanager:
            var base = spec.url.value
            while base.hasSuffix("/") { base.removeLast() }
            return base + "/api/v2/alerts"
        case .opsgenie: return OpsgenieAlert.createURL(base: spec.url.value)
        case .ntfy:
            // A JSON publish goes to the server's root, the topic inside.
            return NotifierSpec.ntfyTopic(of: spec.url.value)?.server ?? spec.url.value
        case .telegram:
            var base = spec.url.value
            while base.hasSuffix("/") { base.removeLast() }
            return base + "/bot" + (spec.token?.value ?? "") + "/sendMessage"
        }
    }
}

func encodeJSON<T: Encodable>(_ value: T) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Encoding these plain structs cannot fail (no floats that could be NaN, no throwing
    // custom encoders); the fallback only keeps the signature non-throwing.
    return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
}

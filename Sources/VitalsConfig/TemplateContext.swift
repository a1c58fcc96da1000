import Foundation

/// What a notifier's `template` can name: one context for every channel (documented in the
/// docs/alerting.md, "Message templates").
///
/// `service` (the name), `service_title`, `labels` (the service's), `alert` (the rule),
/// `state` (`firing` or `resolved`), `tag` (`FIRING`, `STILL FIRING`, `RESOLVED`), `repeat`,
/// `severity`, `subject`, `status` and `previous_status` (the subject's), `message` (its last
/// probe message), `headline`, `url` (the health details page), `starts_at`, `ends_at` (absent
/// while firing) and `components`: each failing component while firing (the subject itself
/// once resolved) with `name`, `status`, `message`, `since` (absent when unknown) and `url`.
///
/// Plain values, so the config loader can render a template against `samples` without knowing
/// about alerts; the alerting module fills one per notification.
public struct TemplateContext: Sendable, Equatable {
    public struct Component: Sendable, Equatable {
        public var name: String
        public var status: String
        public var message: String
        public var since: String?
        public var url: String

        public init(name: String, status: String, message: String, since: String?, url: String) {
            self.name = name
            self.status = status
            self.message = message
            self.since = since
            self.url = url
        }
    }

    public var service: String
    public var serviceTitle: String
    public var labels: [String: String]
    public var alert: String
    public var state: String
    public var tag: String
    public var isRepeat: Bool
    public var severity: String
    public var subject: String
    public var status: String
    public var previousStatus: String
    public var message: String
    public var headline: String
    public var url: String
    public var startsAt: String
    public var endsAt: String?
    public var components: [Component]

    public init(
        service: String, serviceTitle: String, labels: [String: String], alert: String, state: String, tag: String, isRepeat: Bool,
        severity: String, subject: String, status: String, previousStatus: String, message: String, headline: String, url: String,
        startsAt: String, endsAt: String?, components: [Component]
    ) {
        self.service = service
        self.serviceTitle = serviceTitle
        self.labels = labels
        self.alert = alert
        self.state = state
        self.tag = tag
        self.isRepeat = isRepeat
        self.severity = severity
        self.subject = subject
        self.status = status
        self.previousStatus = previousStatus
        self.message = message
        self.headline = headline
        self.url = url
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.components = components
    }

    /// Every text value passed through `escape` (a channel's markup escape), label names
    /// included, so nothing from a probe or a config reaches the message unescaped; `repeat`
    /// stays a boolean for sections.
    public func escaped(_ escape: (String) -> String) -> TemplateContext {
        var c = self
        for key in [\TemplateContext.service, \.serviceTitle, \.alert, \.state, \.tag, \.severity, \.subject, \.status, \.previousStatus, \.message, \.headline, \.url, \.startsAt] {
            c[keyPath: key] = escape(c[keyPath: key])
        }
        c.endsAt = endsAt.map(escape)
        c.labels = Dictionary(labels.map { (escape($0.key), escape($0.value)) }, uniquingKeysWith: { a, _ in a })
        c.components = components.map { Component(name: escape($0.name), status: escape($0.status), message: escape($0.message), since: $0.since.map(escape), url: escape($0.url)) }
        return c
    }

    /// The Mustache view: names as documented, absent values left out (so `{{#ends_at}}`
    /// works as a condition).
    public var tree: [String: Any] {
        var t: [String: Any] = [
            "service": service, "service_title": serviceTitle, "labels": labels, "alert": alert, "state": state, "tag": tag,
            "repeat": isRepeat, "severity": severity, "subject": subject, "status": status, "previous_status": previousStatus,
            "message": message, "headline": headline, "url": url, "starts_at": startsAt,
            "components": components.map { c -> [String: Any] in
                var item: [String: Any] = ["name": c.name, "status": c.status, "message": c.message, "url": c.url]
                if let since = c.since { item["since"] = since }
                return item
            },
        ]
        if let endsAt { t["ends_at"] = endsAt }
        return t
    }

    /// A firing and a resolve, between them holding every documented name with a value, so
    /// validation renders each section of a template at least once.
    public static let samples: [TemplateContext] = {
        let firing = TemplateContext(
            service: "orders", serviceTitle: "Orders", labels: ["env": "prod"], alert: "db-down", state: "firing", tag: "FIRING",
            isRepeat: false, severity: "critical", subject: "orders-db", status: "unhealthy", previousStatus: "healthy",
            message: "timeout after 2s", headline: "orders-db unhealthy: timeout after 2s", url: "https://vitals.example/health/detailed",
            startsAt: "2026-11-22T10:00:30Z", endsAt: nil,
            components: [
                Component(
                    name: "orders-db", status: "unhealthy", message: "timeout after 2s", since: "2026-11-22T10:00:00Z",
                    url: "https://vitals.example/health/detailed")
            ])
        var resolved = firing
        resolved.state = "resolved"
        resolved.tag = "RESOLVED"
        resolved.isRepeat = true
        resolved.status = "healthy"
        resolved.previousStatus = "unhealthy"
        resolved.headline = "orders-db recovered: healthy"
        resolved.endsAt = "2026-11-22T10:05:00Z"
        resolved.components = []
        return [firing, resolved]
    }()
}

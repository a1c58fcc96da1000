/// `alerts:` entries.
public struct AlertRuleSpec: Sendable, Equatable {
    public enum Subject: Sendable, Equatable, CustomStringConvertible {
        case service
        case anyComponent
        case component(String)
        public var description: String {
            switch self {
            case .service: "service"
            case .anyComponent: "any-component"
            case .component(let name): name
            }
        }
    }
    public enum Level: String, Sendable, Equatable {
        /// degraded or worse
        case degraded
        case unhealthy
    }
    public var name: String
    public var on: Subject
    /// The status at or past which the rule fires; for a threshold rule, the threshold's level (`at`).
    public var when: Level
    /// `when: { threshold: NAME, at: LEVEL }`: the rule watches that threshold of its
    /// components (windowed ones included) instead of their status; nil for a status rule.
    public var threshold: String?
    /// `inhibit: false` turns inhibition off for this rule: a `degraded` rule then sends even
    /// while an `unhealthy` rule fires for the same subject.
    public var inhibit: Bool = true
    public var forDuration: Duration
    /// Zero means never re-notify.
    public var repeatInterval: Duration
    public var notify: [String]
    /// `critical` for `when: unhealthy`, `warning` for `when: degraded` unless set.
    public var severity: String
    /// `max_per_hour`: at most this many firing and repeat notifications in any hour, over all
    /// of the rule's subjects (an `any-component` rule over a flapping fleet is the storm it
    /// stops); nil is no limit. Resolves are never counted nor held back.
    public var maxPerHour: Int?
    public var location: SourceLocation

    public init(
        name: String, on: Subject, when: Level, forDuration: Duration = .zero, repeatInterval: Duration = .seconds(4 * 3600),
        notify: [String], severity: String? = nil, maxPerHour: Int? = nil, threshold: String? = nil, inhibit: Bool = true,
        location: SourceLocation = SourceLocation(file: "<memory>", line: 0, column: 0)
    ) {
        self.name = name
        self.on = on
        self.when = when
        self.threshold = threshold
        self.inhibit = inhibit
        self.forDuration = forDuration
        self.repeatInterval = repeatInterval
        self.notify = notify
        self.severity = severity ?? (when == .unhealthy ? "critical" : "warning")
        self.maxPerHour = maxPerHour
        self.location = location
    }
}

/// `notifiers:` entries.
public struct NotifierSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case webhook, slack, alertmanager, email, pagerduty, log, discord, teams, telegram, ntfy, mattermost, pushover, opsgenie
        case googleChat = "google_chat"

        /// `webhook, slack, ... or log`: for the error that names what `type` may be.
        public static var choices: String {
            let names = allCases.map(\.rawValue)
            return names.dropLast().joined(separator: ", ") + " or " + names.last!
        }
    }
    public var name: String
    public var kind: Kind
    /// May embed a token (Slack incoming webhooks do): a secret. `smtp://` or `smtps://` for
    /// `email`; empty for `log`, which writes to the daemon's log.
    public var url: Secret
    public var timeout: Duration
    public var headers: [String: Secret]
    /// `email` only: the envelope, the login and the TLS settings of the mail server.
    public var email: EmailSettings?
    /// `pagerduty` only: the Events API v2 integration key (`routing_key`), a secret.
    public var routingKey: Secret?
    /// The provider's credential, a secret: `telegram`'s `bot_token` (it goes in the request
    /// path), `ntfy`'s access `token` (sent as `Authorization: Bearer`), `opsgenie`'s `api_key`
    /// (sent as `Authorization: GenieKey`).
    public var token: Secret?
    /// `ntfy`: the message priority, 1 (min) to 5 (max); `opsgenie`: the alert's priority P1
    /// to P5 as 1 to 5. Nil picks one by status (ntfy) or severity (opsgenie).
    public var priority: Int?
    /// `telegram`: the chat (`-1001234567890` or `@channel`); `pushover`: the user or group
    /// key (`user`), which is a secret there.
    public var chatID: String?
    /// `template: {title, body}`: the message's text instead of the built-in one.
    public var template: NotificationTemplate?
    public var location: SourceLocation

    /// Where `pagerduty` posts when no `url` is set: PagerDuty's Events API v2.
    public static let pagerDutyEventsURL = "https://events.pagerduty.com/v2/enqueue"
    /// `ntfy`: the server root and the topic of a topic URL (`https://ntfy.sh/ops` → `https://ntfy.sh`,
    /// `ops`); nil when the URL has no topic segment.
    public static func ntfyTopic(of topicURL: String) -> (server: String, topic: String)? {
        var url = topicURL
        while url.hasSuffix("/") { url.removeLast() }
        guard let slash = url.lastIndex(of: "/"), url[..<slash].hasSuffix("/") == false, url[..<slash].contains("://") else { return nil }
        let topic = String(url[url.index(after: slash)...])
        guard !topic.isEmpty, topic.count <= 64, topic.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        return (String(url[..<slash]), topic)
    }

    /// Where `pushover` posts when no `url` is set: the Message API.
    public static let pushoverURL = "https://api.pushover.net/1/messages.json"
    /// Where `opsgenie` posts when no `url` is set: the Alert API's US region (EU accounts set
    /// `url: https://api.eu.opsgenie.com`).
    public static let opsgenieAPIURL = "https://api.opsgenie.com"
    /// Where `telegram` posts when no `url` is set: the Bot API.
    public static let telegramAPIURL = "https://api.telegram.org"

    public init(
        name: String, kind: Kind, url: Secret, timeout: Duration = .seconds(5), headers: [String: Secret] = [:],
        email: EmailSettings? = nil, routingKey: Secret? = nil,
        location: SourceLocation = SourceLocation(file: "<memory>", line: 0, column: 0)
    ) {
        self.name = name
        self.kind = kind
        self.url = url
        self.timeout = timeout
        self.headers = headers
        self.email = email
        self.routingKey = routingKey
        self.location = location
    }

    /// Every value of this notifier that no message may quote: header values, the SMTP
    /// password, the routing key, a bot token (the URL is handled apart: only its secret parts are hidden).
    public var secretValues: [String] {
        headers.values.map(\.value) + [email?.password?.value, routingKey?.value, token?.value, kind == .pushover ? chatID : nil].compactMap { $0 }
    }
}

/// An `email` notifier's settings besides its `url`.
public struct EmailSettings: Sendable, Equatable {
    /// The envelope sender and the `From:` header.
    public var from: String
    /// Recipients: the envelope's and the `To:` header's.
    public var to: [String]
    /// SMTP AUTH login; with it, a plain `smtp://` server must offer STARTTLS (the password is
    /// never sent unencrypted).
    public var username: String?
    public var password: Secret?
    /// The mail server's certificate checks (`ca_file` for a private CA, client certificates).
    public var tls: TLSSettings

    public init(from: String, to: [String], username: String? = nil, password: Secret? = nil, tls: TLSSettings = TLSSettings()) {
        self.from = from
        self.to = to
        self.username = username
        self.password = password
        self.tls = tls
    }
}

/// `maintenance: [{components: [...], start: "Sun 02:00", duration: 2h, timezone: UTC}]`.
public struct MaintenanceWindowSpec: Sendable, Equatable {
    /// Empty means every component.
    public var components: [String]
    /// 1 = Sunday ... 7 = Saturday; nil means every day.
    public var weekday: Int?
    /// A one-off window (`start: "2026-12-24 02:00"`): the day it runs, once; nil for a
    /// recurring one.
    public var date: CivilDate?
    public var hour: Int
    public var minute: Int
    public var duration: Duration
    /// An IANA name such as `UTC` or `Europe/Berlin`.
    public var timezone: String
    public var location: SourceLocation

    public init(
        components: [String], weekday: Int?, hour: Int, minute: Int, duration: Duration, timezone: String = "UTC",
        location: SourceLocation = SourceLocation(file: "<memory>", line: 0, column: 0)
    ) {
        self.components = components
        self.weekday = weekday
        self.hour = hour
        self.minute = minute
        self.duration = duration
        self.timezone = timezone
        self.location = location
    }
}

/// A calendar day as the config writes it (`2026-12-24`), read in the window's time zone.
public struct CivilDate: Sendable, Equatable {
    public var year: Int, month: Int, day: Int
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }
}

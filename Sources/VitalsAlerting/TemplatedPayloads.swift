import Foundation
import VitalsConfig
import VitalsCore

extension TemplateContext {
    /// The documented template context of one notification (`TemplateContext`'s doc).
    public init(_ n: AlertNotification, context: NotificationContext) {
        let components: [Component]
        switch n.status {
        case .firing:
            components = n.failing.map {
                Component(name: $0.component, status: $0.status.rawValue, message: $0.message, since: $0.since.map(RFC3339.string), url: context.detailsURL)
            }
        case .resolved:
            components =
                n.isService ? [] : [Component(name: n.subject, status: n.currentStatus.rawValue, message: n.message, since: nil, url: context.detailsURL)]
        }
        self.init(
            service: context.serviceName, serviceTitle: context.service.displayName, labels: context.service.labels, alert: n.alert,
            state: n.status.rawValue, tag: n.tag, isRepeat: n.isRepeat, severity: n.severity, subject: n.subject, status: n.currentStatus.rawValue,
            previousStatus: n.previousStatus.rawValue, message: n.message, headline: n.headline, url: context.detailsURL,
            startsAt: RFC3339.string(n.startsAt), endsAt: n.endsAt.map(RFC3339.string), components: components)
    }
}

/// A notifier's `template` rendered for one notification: each part nil when the template
/// has none (the built-in text stays).
struct RenderedText: Sendable, Equatable {
    var title: String?
    var body: String?

    /// Every value of the context passed through `escape`, the channel's own markup escape (the
    /// one its built-in messages use), before rendering.
    init(_ template: NotificationTemplate, _ n: AlertNotification, context: NotificationContext, escape: (String) -> String) {
        let values = TemplateContext(n, context: context).escaped(escape)
        title = template.title?.render(values)
        body = template.body?.render(values)
    }

    /// Title and body as one text, a line apart: for channels that have one text field.
    var joined: String? {
        let parts = [title, body].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: "\n")
    }
}

extension PayloadEncoder {
    /// What `spec` sends for `n` with its `template`: the built-in message with its title and
    /// text replaced by the rendered ones, each cut to the channel's limits, so the request
    /// keeps the provider's schema (and everything else: links, colours, dedup keys, secrets).
    static func templated(
        _ template: NotificationTemplate, for n: AlertNotification, spec: NotifierSpec, context: NotificationContext, now: Date
    ) -> [UInt8] {
        func render(_ escape: (String) -> String) -> RenderedText { RenderedText(template, n, context: context, escape: escape) }
        let plain = { (s: String) in s }
        switch spec.kind {
        case .webhook:
            var p = WebhookPayload(n, context: context)
            p.rendered = render(plain)
            return p.body()
        case .slack:
            var p = SlackPayload(n, context: context)
            let r = render(SlackPayload.escape)
            if let title = r.title { p.text = ChatText.cut(title, 3000) }
            if let body = r.body {
                p.blocks = [SlackPayload.Block(type: "section", text: SlackPayload.Text(type: "mrkdwn", text: ChatText.cut(body, 3000)))] + p.blocks.suffix(1)
            }
            return p.body()
        case .alertmanager:
            var a = AlertmanagerAlert(n, context: context, now: now)
            let r = render(plain)
            if let title = r.title { a.annotations["summary"] = title }
            if let body = r.body { a.annotations["description"] = body }
            return AlertmanagerAlert.body([a])
        case .email:
            var m = EmailMessage(n, settings: spec.email ?? EmailSettings(from: "", to: []), context: context)
            let r = render(plain)
            m.rendered = EmailMessage.Rendered(title: r.title, text: r.body, html: render(XMLText.escape).body)
            return m.bytes()
        case .pagerduty:
            var e = PagerDutyEvent(n, routingKey: spec.routingKey?.value ?? "", context: context)
            let r = render(plain)
            if let title = r.title { e.payload?.summary = ChatText.cut(title, 1024) }
            e.payload?.customDetails.text = r.body
            return e.body()
        case .log:
            var line = LogNotification(n, context: context)
            let r = render(plain)
            line.fields["title"] = r.title
            line.fields["text"] = r.body
            return line.body()
        case .discord:
            var m = DiscordMessage(n, context: context)
            let r = render(DiscordMessage.escape)
            if let title = r.title {
                m.content = ChatText.cut(title, DiscordMessage.maxContent)
                m.embeds[0].title = ChatText.cut(title, DiscordMessage.maxTitle)
            }
            if let body = r.body {
                m.embeds[0].fields = []
                m.embeds[0].description = ChatText.cut(body, DiscordMessage.maxDescription)
            }
            return m.body()
        case .teams:
            var m = TeamsMessage(n, context: context)
            let r = render(TeamsMessage.escape)
            var elements = m.attachments[0].content.body
            if let title = r.title { elements[0].text = ChatText.cut(title, 512) }
            if let body = r.body {
                elements = [elements[0], TeamsMessage.Element(type: "TextBlock", text: ChatText.cut(body, TeamsMessage.maxFailing), wrap: true)]
            }
            m.attachments[0].content.body = elements
            return m.body()
        case .telegram:
            var m = TelegramMessage(n, chatID: spec.chatID ?? "", context: context)
            // HTML: the values are entity-escaped; a cut never leaves half an entity.
            if let text = render(XMLText.escape).joined { m.text = Self.cutHTML(text, TelegramMessage.maxText) }
            return m.body()
        case .mattermost:
            var m = MattermostMessage(n, context: context)
            if let text = render(MattermostMessage.escape).joined { m.text = ChatText.cut(text, MattermostMessage.maxText) }
            return m.body()
        case .googleChat:
            var m = GoogleChatMessage(n, context: context)
            if let text = render(GoogleChatMessage.escape).joined { m.text = ChatText.cut(text, GoogleChatMessage.maxText) }
            return m.body()
        case .ntfy:
            var m = NtfyMessage(n, topic: NotifierSpec.ntfyTopic(of: spec.url.value)?.topic ?? "", priority: spec.priority, context: context)
            let r = render(plain)
            if let title = r.title { m.title = ChatText.cut(title, 250) }
            if let body = r.body { m.message = NtfyMessage.fitted(body) }
            return m.body()
        case .pushover:
            var m = PushoverMessage(n, token: spec.token?.value ?? "", user: spec.chatID ?? "", context: context)
            let r = render(plain)
            if let title = r.title { m.title = ChatText.cut(title, PushoverMessage.maxTitle) }
            if let body = r.body { m.message = ChatText.cut(body, PushoverMessage.maxMessage) }
            return m.body()
        case .opsgenie:
            let r = render(plain)
            switch n.status {
            case .firing:
                var a = OpsgenieAlert(n, priority: spec.priority, context: context)
                if let title = r.title { a.message = ChatText.cut(title, OpsgenieAlert.maxMessage) }
                if let body = r.body { a.description = ChatText.cut(body, OpsgenieAlert.maxDescription) }
                return encodeJSON(a)
            case .resolved:
                var close = OpsgenieAlert.close(n, context: context)
                if let text = r.joined { close.note = ChatText.cut(text, OpsgenieAlert.maxNote) }
                return encodeJSON(close)
            }
        }
    }

    /// `html` cut to `limit` UTF-16 units without ending inside an entity (`&amp;`).
    static func cutHTML(_ html: String, _ limit: Int) -> String {
        var text = ChatText.cut(html, limit)
        guard text != html else { return text }
        text.removeLast()  // the ellipsis
        if let amp = text.lastIndex(of: "&"), !text[amp...].contains(";") { text = String(text[..<amp]) }
        return text + "…"
    }
}

import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// Templates rendered per channel: the context's values escaped with the channel's own escape
/// (so a probe message cannot format, link or mention), the template's own text as written.
@Suite struct TemplateRenderingTests {
    /// A probe message that tries everything: mentions, Markdown, HTML, Slack's controls.
    static let hostile = "@everyone <!channel> <@123> **bold** _it_ [x](http://evil) <b>tag</b> & \\`code`"

    var n: AlertNotification {
        var n = ordersDBFiring
        n.message = Self.hostile
        n.failing[0].message = Self.hostile
        n.failing[0].since = at(-30)
        return n
    }

    func spec(_ kind: NotifierSpec.Kind, title: String? = "**{{tag}}** {{alert}}", body: String? = "{{message}}|{{{message}}}") throws -> NotifierSpec {
        var s = NotifierSpec(name: "t", kind: kind, url: Secret(kind == .ntfy ? "https://ntfy.sh/ops" : "https://chat.example.com/hook"))
        s.template = try NotificationTemplate.parse(title: title, body: body)
        s.chatID = "-100123"
        s.email = EmailSettings(from: "vitals@example.com", to: ["oncall@example.com"])
        return s
    }

    func json(_ kind: NotifierSpec.Kind, title: String? = "**{{tag}}** {{alert}}", body: String? = "{{message}}|{{{message}}}") throws -> [String: Any] {
        let bytes = PayloadEncoder.body(for: n, spec: try spec(kind, title: title, body: body), context: payloadContext, now: at(0))
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    /// Both `{{x}}` and `{{{x}}}` give the escaped value: triple braces are no way around it.
    func twice(_ escaped: String) -> String { escaped + "|" + escaped }

    @Test func theContextNamesEverythingDocumented() throws {
        let c = TemplateContext(n, context: payloadContext)
        #expect(c.service == "checkout" && c.alert == "db-down" && c.state == "firing" && c.status == "unhealthy" && c.subject == "orders-db")
        #expect(c.components == [TemplateContext.Component(name: "orders-db", status: "unhealthy", message: Self.hostile, since: RFC3339.string(at(-30)), url: payloadContext.detailsURL)])
        var resolved = n
        resolved.status = .resolved
        resolved.currentStatus = .healthy
        resolved.endsAt = at(60)
        let r = TemplateContext(resolved, context: payloadContext)
        #expect(r.state == "resolved" && r.endsAt != nil && r.components.map(\.status) == ["healthy"])
    }

    @Test func discordEscapesMentionsAndMarkdownButKeepsTheTemplatesOwn() throws {
        let body = try json(.discord)
        let embed = try #require((body["embeds"] as? [[String: Any]])?.first)
        // The template's `**` is Markdown; the alert's name is a value, escaped (`db\-down`).
        #expect(embed["title"] as? String == #"**FIRING** db\-down"# && body["content"] as? String == #"**FIRING** db\-down"#)
        #expect(embed["description"] as? String == twice(DiscordMessage.escape(Self.hostile)))
        #expect((embed["description"] as? String)?.hasPrefix(#"\@everyone \<!channel\> \<\@123\> \*\*bold\*\*"#) == true)
        #expect((embed["fields"] as? [Any])?.isEmpty == true)
        #expect((body["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [])
    }

    @Test func telegramEscapesHTMLAndNeverCutsInsideAnEntity() throws {
        let text = try #require(try json(.telegram)["text"] as? String)
        #expect(text == "**FIRING** db-down\n" + twice(XMLText.escape(Self.hostile)))
        #expect(!text.contains("<b>tag"))
        let cut = PayloadEncoder.cutHTML(String(repeating: "a", count: 4093) + "&amp;&amp;", 4096)
        #expect(cut == String(repeating: "a", count: 4093) + "…")
    }

    @Test func teamsMattermostGoogleChatAndSlackEachUseTheirOwnEscape() throws {
        let card = try #require(((try json(.teams)["attachments"] as? [[String: Any]])?.first?["content"] as? [String: Any])?["body"] as? [[String: Any]])
        #expect(card.count == 2 && card[0]["text"] as? String == "**FIRING** db-down")
        #expect(card[1]["text"] as? String == twice(TeamsMessage.escape(Self.hostile)))
        #expect(try json(.mattermost)["text"] as? String == "**FIRING** db-down\n" + twice(MattermostMessage.escape(Self.hostile)))
        #expect(MattermostMessage.escape(Self.hostile).contains("@everyone") == false)
        #expect(try json(.googleChat)["text"] as? String == "**FIRING** db-down\n" + twice(GoogleChatMessage.escape(Self.hostile)))
        let slack = try json(.slack)
        #expect(slack["text"] as? String == "**FIRING** db-down")
        let blocks = try #require(slack["blocks"] as? [[String: Any]])
        #expect((blocks[0]["text"] as? [String: Any])?["text"] as? String == twice(SlackPayload.escape(Self.hostile)))
        #expect(((blocks[0]["text"] as? [String: Any])?["text"] as? String)?.contains("<!channel>") == false)
        #expect(blocks.last?["type"] as? String == "context")
    }

    /// Plain-text channels get the values as they are (JSON does the quoting).
    @Test func plainChannelsGetTheValuesAsTheyAre() throws {
        let hook = try json(.webhook)
        #expect(hook["title"] as? String == "**FIRING** db-down" && hook["text"] as? String == twice(Self.hostile))
        #expect(hook["alert"] as? String == "db-down", "the payload's own fields stay")
        let ntfy = try json(.ntfy)
        #expect(ntfy["title"] as? String == "**FIRING** db-down" && ntfy["message"] as? String == twice(Self.hostile))
        let genie = try json(.opsgenie, title: String(repeating: "{{alert}} ", count: 40))
        #expect((genie["message"] as? String).map { $0.count <= 130 } == true && genie["description"] as? String == twice(Self.hostile))
        let line = LogNotification.decode(PayloadEncoder.body(for: n, spec: try spec(.log), context: payloadContext, now: at(0)))
        #expect(line.fields["title"] == "**FIRING** db-down" && line.fields["text"] == twice(Self.hostile))
    }

    /// Email: the subject is one line; the plain part has the values as they are, the HTML
    /// part has them HTML-escaped.
    @Test func emailEscapesOnlyItsHTMLPart() throws {
        var m = EmailMessage(n, settings: EmailSettings(from: "v@example.com", to: ["o@example.com"]), context: payloadContext)
        let template = try NotificationTemplate.parse(title: "{{tag}}\n{{alert}}", body: "<p>{{message}}</p>")
        let values = TemplateContext(n, context: payloadContext)
        m.rendered = EmailMessage.Rendered(
            title: template.title?.render(values), text: template.body?.render(values), html: template.body?.render(values.escaped(XMLText.escape)))
        #expect(m.subject == "FIRING db-down")
        #expect(m.plainBody() == "<p>\(Self.hostile)</p>\n")
        #expect(m.htmlBody().contains("<p>\(XMLText.escape(Self.hostile))</p>") && !m.htmlBody().contains("<b>tag"))
        // Through the encoder, the same: the message is encoded, so look for the escaped text's start.
        let bytes = PayloadEncoder.body(for: n, spec: try spec(.email, title: "{{alert}}", body: "{{message}}"), context: payloadContext, now: at(0))
        #expect(String(decoding: bytes, as: UTF8.self).contains("Subject: db-down"))
    }
}

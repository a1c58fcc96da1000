import Foundation
import Testing

@testable import VitalsConfig

/// `template: {title, body}` on notifiers: compiled and tried on the sample contexts at load,
/// a broken one an error at its own line and column in the file.
@Suite struct TemplateConfigTests {
    static let head = """
        notifiers:
          - name: chat
            type: mattermost
            url: "https://chat.example.com/hooks/k"
            template:

        """

    @Test func aGoodTemplateLoadsOnAnyNotifier() throws {
        let c = try ConfigLoader.parse(
            yaml: """
                notifiers:
                  - { name: a, type: log, template: { title: "{{tag}} {{alert}}" } }
                  - name: b
                    type: webhook
                    url: "https://hooks.example.com/x"
                    template:
                      body: |
                        {{#components}}{{name}} {{status}} since {{since}}{{/components}}
                        {{^ends_at}}still firing{{/ends_at}}{{#ends_at}}ended {{ends_at}}{{/ends_at}} {{labels.env}}

                """, file: "c.yaml", environment: [:])
        #expect(c.notifiers[0].template?.title?.source == "{{tag}} {{alert}}" && c.notifiers[0].template?.body == nil)
        #expect(c.notifiers[1].template?.body?.location == SourceLocation(file: "c.yaml", line: 7, column: 13))
        let rendered = try #require(c.notifiers[1].template?.body).render(TemplateContext.samples[0])
        #expect(rendered == "orders-db unhealthy since 2026-11-22T10:00:00Z\nstill firing prod\n")
    }

    /// A tag left open in a block scalar: the line and column of the problem in the file.
    @Test func aTemplateThatDoesNotParseIsAnErrorAtItsLineAndColumn() {
        let found = errors(
            Self.head + """
                      title: "{{tag}} {{alert"
                      body: |
                        line one
                        {{#components}}{{name}}

                """)
        #expect(found.count == 2, "\(found)")
        // The title's `{{alert` lacks its `}}`: the template ends inside it, at the closing quote.
        #expect(found.contains("c.yaml:6:30: notifiers[0].template.title: template does not parse: the template ends inside a tag ({{ without }})"), "\(found)")
        // The section opened on the body's second line is never closed: the library finds out
        // at the template's end, the line after its last (indented 8, so column 9).
        #expect(found.contains { $0.hasPrefix("c.yaml:10:9: notifiers[0].template.body: template does not parse: a section is not closed") }, "\(found)")
    }

    /// A name the context does not have renders as nothing: an error where it is written.
    @Test func aNameTheContextLacksIsAnErrorWhereItIsWritten() {
        let found = errors(
            Self.head + """
                      title: "{{tag}} {{alrt}}"
                      body: |
                        {{#components}}
                          {{name}} {{staus}}
                        {{/components}}

                """)
        #expect(found.count == 2, "\(found)")
        #expect(found.contains("c.yaml:6:23: notifiers[0].template.title: template names {{alrt}}, which notifications do not have (see docs/alerting.md, Message templates)"), "\(found)")
        #expect(found.contains { $0.hasPrefix("c.yaml:9:20: notifiers[0].template.body: template names {{staus}}") }, "\(found)")
    }

    /// Telegram refuses HTML it cannot parse (a final 400): a template whose own text is not
    /// Telegram's HTML is refused when the config loads.
    @Test func aTelegramTemplateMustRenderToTelegramsHTML() {
        let found = errors(
            """
            notifiers:
              - { name: a, type: telegram, bot_token: "1:x", chat_id: 1, template: { title: "<b>{{alert}}</b> &#x1F525; &amp; <a href=\\"{{url}}\\">go</a>" } }
              - { name: b, type: telegram, bot_token: "1:x", chat_id: 1, template: { title: "{{alert}} < 3" } }
              - { name: c, type: telegram, bot_token: "1:x", chat_id: 1, template: { body: "<b>{{alert}}" } }
              - { name: d, type: telegram, bot_token: "1:x", chat_id: 1, template: { body: "<h1>{{alert}}</h1> R&D" } }
              - { name: e, type: discord, url: "https://discord.com/api/webhooks/1/x", template: { body: "{{alert}} < 3 & <h1>" } }
            """)
        #expect(found.count == 3, "\(found)")
        #expect(found.contains { $0.contains("notifiers[1].template.title: template renders to a message the channel refuses: a < opens no tag") }, "\(found)")
        #expect(found.contains { $0.contains("notifiers[2].template.body") && $0.contains("<b> is not closed") }, "\(found)")
        #expect(found.contains { $0.contains("notifiers[3].template.body") && $0.contains("<h1> is not a tag Telegram knows") }, "\(found)")
    }

    @Test func anEmptyOrUnknownTemplateKeyIsAnError() {
        let found = errors(Self.head + "      subject: \"{{alert}}\"\n")
        #expect(found.count == 2 && found.contains { $0.contains("template.subject: unknown key") }, "\(found)")
        #expect(found.contains { $0.contains("expected title, body or both") }, "\(found)")
    }
}

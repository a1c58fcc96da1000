import Foundation
import Testing
@testable import VitalsConfig

/// The `email`, `pagerduty` and `log` notifiers as spec section 3 writes them: secrets from
/// files, the PagerDuty URL by default, the mail server's CA.
struct NotifierConfigTests {
    @Test func emailPagerDutyAndLogParseToTheirSettings() throws {
        let dir = try ConfigFolder()
        try dir.write("secrets/smtp", "smtp-pass\n")
        try dir.write("secrets/pd", "R0UT1NGKEY\n")
        try dir.write("ca.pem", "ca")
        let file = try dir.write(
            "vitals.yaml",
            """
            notifiers:
              - name: mail
                type: email
                url: "smtp://mail.example:587"
                from: "vitals@example.com"
                to: ["oncall@example.com", "dba@example.com"]
                username: vitals
                password_file: secrets/smtp
                timeout: 20s
                tls: { ca_file: ca.pem }
              - name: pd
                type: pagerduty
                routing_key_file: secrets/pd
              - name: pd-local
                type: pagerduty
                routing_key: k
                url: "http://127.0.0.1:9/v2/enqueue"
              - name: audit
                type: log
            """)
        let c = try ConfigLoader.load(file: file, environment: [:])
        #expect(c.notifiers.map(\.kind) == [.email, .pagerduty, .pagerduty, .log])
        let mail = c.notifiers[0]
        #expect(mail.url.value == "smtp://mail.example:587" && mail.timeout == .seconds(20))
        #expect(mail.email?.from == "vitals@example.com" && mail.email?.to == ["oncall@example.com", "dba@example.com"])
        #expect(mail.email?.username == "vitals" && mail.email?.password?.value == "smtp-pass")
        #expect(mail.email?.tls.caFile == dir.path + "/ca.pem")
        #expect(mail.secretValues == ["smtp-pass"])
        #expect(c.notifiers[1].url.value == NotifierSpec.pagerDutyEventsURL && NotifierSpec.pagerDutyEventsURL == "https://events.pagerduty.com/v2/enqueue")
        #expect(c.notifiers[1].routingKey?.value == "R0UT1NGKEY" && c.notifiers[1].secretValues == ["R0UT1NGKEY"])
        #expect(c.notifiers[2].url.value == "http://127.0.0.1:9/v2/enqueue")
        #expect(c.notifiers[3].url.value.isEmpty && c.notifiers[3].email == nil && c.notifiers[3].routingKey == nil)
    }

    @Test func smtpsAndAMailServerWithoutLogin() throws {
        let c = try ConfigLoader.parse(
            yaml: "notifiers:\n  - { name: m, type: email, url: \"smtps://mail.example\", from: a@x.example, to: [b@x.example] }\n",
            file: "c.yaml", environment: [:])
        #expect(c.notifiers[0].email?.username == nil && c.notifiers[0].email?.password == nil)
        #expect(c.notifiers[0].email?.tls == TLSSettings())
    }

    /// Values that must never be printed are described, not quoted.
    @Test func badSecretsAreNotQuoted() {
        let secret = "sup3rs3cret"
        let found = errors(
            """
            notifiers:
              - { name: m, type: email, url: "http://\(secret)", from: a@x.example, to: [b@x.example], username: u, password: [\(secret)] }
              - { name: p, type: pagerduty, routing_key: { k: \(secret) }, url: "ftp://\(secret)" }
            """)
        #expect(found.count == 4, "\(found)")
        #expect(found.allSatisfy { !$0.contains(secret) }, "\(found)")
    }

    /// `discord`: the webhook URL, from a file; required and an http(s) URL; nothing else
    /// (headers included) is a Discord key.
    @Test func discordTakesItsWebhookURLFromAFile() throws {
        let dir = try ConfigFolder()
        try dir.write("secrets/discord", "https://discord.com/api/webhooks/123/T0KEN\n")
        let file = try dir.write("vitals.yaml", "notifiers:\n  - { name: d, type: discord, url_file: secrets/discord }\n")
        let c = try ConfigLoader.load(file: file, environment: [:])
        #expect(c.notifiers[0].kind == .discord)
        #expect(c.notifiers[0].url.value == "https://discord.com/api/webhooks/123/T0KEN")
        let secret = "t0ken-\(UInt32.random(in: 0...UInt32.max))"
        let found = errors(
            """
            notifiers:
              - { name: a, type: discord }
              - { name: b, type: discord, url: "discord.com/api/webhooks/1/\(secret)" }
              - { name: c, type: discord, url: "https://discord.com/api/webhooks/1/\(secret)", headers: { X: y } }
            """)
        #expect(found.count == 3, "\(found)")
        #expect(found.contains { $0.contains("notifiers[0]") && $0.contains("url") }, "\(found)")
        #expect(found.contains { $0.contains("notifiers[2].headers") }, "\(found)")
        #expect(found.allSatisfy { !$0.contains(secret) }, "\(found)")
    }

    /// `telegram`: the Bot API by default, the token from a file, the chat as an id or
    /// @username; a bad token or chat is an error that does not quote the token.
    @Test func telegramTakesTokenAndChat() throws {
        let dir = try ConfigFolder()
        try dir.write("secrets/bot", "123456:ABC-def_ghi\n")
        let file = try dir.write("vitals.yaml", "notifiers:\n  - { name: t, type: telegram, bot_token_file: secrets/bot, chat_id: -1001234567890 }\n")
        let c = try ConfigLoader.load(file: file, environment: [:])
        #expect(c.notifiers[0].url.value == "https://api.telegram.org")
        #expect(c.notifiers[0].token?.value == "123456:ABC-def_ghi" && c.notifiers[0].chatID == "-1001234567890")
        #expect(c.notifiers[0].secretValues.contains("123456:ABC-def_ghi"))
        let found = errors(
            """
            notifiers:
              - { name: a, type: telegram, chat_id: 1 }
              - { name: b, type: telegram, bot_token: "12/../x y", chat_id: 1 }
              - { name: c, type: telegram, bot_token: "1:x", chat_id: "general chat" }
            """)
        #expect(found.count == 3, "\(found)")
        #expect(found.allSatisfy { !$0.contains("12/../x y") }, "\(found)")
        #expect(found.contains { $0.contains("notifiers[2].chat_id") && $0.contains("general chat") }, "\(found)")
    }

    /// `ntfy`: the topic URL, a token from a file, priority 1-5.
    @Test func ntfyTakesTopicURLTokenAndPriority() throws {
        let dir = try ConfigFolder()
        try dir.write("secrets/ntfy", "tk_abc123\n")
        let file = try dir.write("vitals.yaml", "notifiers:\n  - { name: n, type: ntfy, url: \"https://ntfy.sh/ops\", token_file: secrets/ntfy, priority: 2 }\n")
        let c = try ConfigLoader.load(file: file, environment: [:])
        #expect(c.notifiers[0].token?.value == "tk_abc123" && c.notifiers[0].priority == 2)
        let found = errors(
            """
            notifiers:
              - { name: a, type: ntfy, url: "https://ntfy.sh/" }
              - { name: b, type: ntfy, url: "https://ntfy.sh/ops", priority: 9 }
              - { name: c, type: ntfy, url: "https://ntfy.sh/ops", token: "tk_ab cd" }
            """)
        #expect(found.count == 3, "\(found)")
        #expect(found.contains { $0.contains("notifiers[1].priority") && $0.contains("1 (min) to 5 (max)") }, "\(found)")
        #expect(found.allSatisfy { !$0.contains("tk_ab cd") }, "\(found)")
    }
}

extension NotifierConfigTests {
    /// `opsgenie`: the US API by default, `url` for the EU one, the key from a file, P1-P5.
    @Test func opsgenieTakesRegionKeyAndPriority() throws {
        let dir = try ConfigFolder()
        try dir.write("secrets/genie", "eb243592-faa2-4ba2-a551q-1afdf565c889\n")
        let file = try dir.write(
            "vitals.yaml",
            """
            notifiers:
              - { name: us, type: opsgenie, api_key_file: secrets/genie }
              - { name: eu, type: opsgenie, url: "https://api.eu.opsgenie.com", api_key: k-1, priority: p4 }

            """)
        let c = try ConfigLoader.load(file: file, environment: [:])
        #expect(c.notifiers[0].url.value == "https://api.opsgenie.com" && c.notifiers[0].priority == nil)
        #expect(c.notifiers[0].token?.value == "eb243592-faa2-4ba2-a551q-1afdf565c889")
        #expect(c.notifiers[0].secretValues.contains("eb243592-faa2-4ba2-a551q-1afdf565c889"))
        #expect(c.notifiers[1].url.value == "https://api.eu.opsgenie.com" && c.notifiers[1].priority == 4)
        let found = errors(
            """
            notifiers:
              - { name: a, type: opsgenie }
              - { name: b, type: opsgenie, api_key: "k 1" }
              - { name: c, type: opsgenie, api_key: k, priority: P6 }
              - { name: d, type: opsgenie, api_key: k, url: "api.opsgenie.com" }
            """)
        #expect(found.count == 4, "\(found)")
        #expect(found.contains { $0.contains("notifiers[2].priority") && $0.contains("P1 (critical) to P5") }, "\(found)")
        #expect(found.allSatisfy { !$0.contains("k 1") }, "\(found)")
    }
}

import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

@Suite struct PayloadTests {
    let context = payloadContext
    let firing = ordersDBFiring

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func webhookSchema() throws {
        let body = try json(WebhookPayload(firing, context: context).body())
        #expect(body["version"] as? String == "1")
        #expect(body["status"] as? String == "firing")
        #expect(body["repeat"] as? Bool == false)
        #expect(body["alert"] as? String == "db-down")
        #expect(body["subject"] as? String == "orders-db")
        #expect(body["severity"] as? String == "critical")
        #expect(body["previous_status"] as? String == "healthy")
        #expect(body["current_status"] as? String == "unhealthy")
        #expect(body["message"] as? String == "timeout after 2s")
        #expect(body["startsAt"] as? String == RFC3339.string(at(0)))
        #expect(body["endsAt"] is NSNull)
        #expect(body["url"] as? String == "https://vitals.example/health/detailed")
        #expect(body["service"] as? String == "checkout")
        let failing = try #require(body["failing"] as? [[String: Any]])
        #expect(failing.count == 1)
        #expect(failing[0]["component"] as? String == "orders-db")
        #expect(failing[0]["status"] as? String == "unhealthy")
        #expect(failing[0]["message"] as? String == "timeout after 2s")
        #expect(RFC3339.date(body["startsAt"] as! String) == at(0))

        var resolved = firing
        resolved.status = .resolved
        resolved.endsAt = at(90)
        let r = try json(WebhookPayload(resolved, context: context).body())
        #expect(r["status"] as? String == "resolved")
        #expect(r["endsAt"] as? String == RFC3339.string(at(90)))
    }

    @Test func slackIsReadableAtAGlance() throws {
        let body = try json(SlackPayload(firing, context: context).body())
        let text = try #require(body["text"] as? String)
        #expect(text.contains(":red_circle:"))
        #expect(text.contains("FIRING"))
        #expect(text.contains("orders-db healthy → unhealthy"))
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        let all = String(decoding: SlackPayload(firing, context: context).body(), as: UTF8.self)
        #expect(all.contains("timeout after 2s"))
        #expect(all.contains("<https://vitals.example/health/detailed|Details>"))
        #expect(blocks.allSatisfy { $0["type"] is String })
        var resolved = firing
        resolved.status = .resolved
        resolved.endsAt = at(5)
        resolved.previousStatus = .unhealthy
        resolved.currentStatus = .healthy
        let r = try json(SlackPayload(resolved, context: context).body())
        #expect((r["text"] as? String)?.hasPrefix(":white_check_mark: [RESOLVED]") == true)
        var degraded = firing
        degraded.currentStatus = .degraded
        #expect((try json(SlackPayload(degraded, context: context).body())["text"] as? String)?.contains(":large_yellow_circle:") == true)
    }

    @Test func slackEscapesControlCharacters() {
        var n = firing
        n.message = "<script> & stuff"
        let s = String(decoding: SlackPayload(n, context: context).body(), as: UTF8.self)
        #expect(s.contains("&lt;script&gt; &amp; stuff"))
    }

    @Test func alertmanagerLabelsAreReplicaIndependent() throws {
        let a = AlertmanagerAlert(firing, context: context, now: at(30))
        #expect(a.labels == ["alertname": "db-down", "component": "orders-db", "severity": "critical", "service": "checkout"])
        #expect(a.annotations["summary"] == "orders-db is unhealthy")
        #expect(a.annotations["description"]?.contains("healthy → unhealthy") == true)
        #expect(a.startsAt == RFC3339.string(at(0)))
        #expect(a.endsAt == RFC3339.string(at(30 + 240)))
        #expect(a.generatorURL == "https://vitals.example/health/detailed")
        // Another replica, another moment: the same labels.
        #expect(AlertmanagerAlert(firing, context: context, now: at(31)).labels == a.labels)
        var service = firing
        service.isService = true
        service.subject = "service"
        #expect(AlertmanagerAlert(service, context: context, now: at(30)).labels["component"] == nil)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(AlertmanagerAlert.body([a]))) as? [[String: Any]])
        #expect(body.count == 1)
        #expect(body[0]["generatorURL"] as? String == "https://vitals.example/health/detailed")
    }

    @Test func contextFromServerConfig() {
        #expect(NotificationContext(server: ServerConfig(externalURL: "https://v.example/")).detailsURL == "https://v.example/health/detailed")
        #expect(NotificationContext(server: ServerConfig(listen: ListenAddress(host: "0.0.0.0", port: 9000))).detailsURL == "http://localhost:9000/health/detailed")
        #expect(PayloadEncoder.postURL(NotifierSpec(name: "am", kind: .alertmanager, url: Secret("http://am:9093/"))) == "http://am:9093/api/v2/alerts")
    }

    @Test func scrubberRemovesURLSecretsAndHeaderValues() {
        let s = Redactor.notifier(url: "https://hooks.slack.com/services/T000/B000/XXXXSECRET", secrets: ["Bearer tok123456"])
        let text = s.scrub("POST https://hooks.slack.com/services/T000/B000/XXXXSECRET failed; sent Bearer tok123456; path /services/T000/B000/XXXXSECRET")
        #expect(!text.contains("XXXXSECRET"))
        #expect(!text.contains("tok123456"))
        // A three-character header value is hidden too, as in probe messages (one rule).
        let short = Redactor.notifier(url: "https://hooks.example/x", secrets: ["k9q"])
        #expect(short.scrub("receiver said: bad key k9q") == "receiver said: bad key <redacted>")
    }
}

import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// `service: {name, title, labels}` is in every payload, label set and dedup key (spec
/// section 11): two instances with the same rules and different services never merge.
@Suite struct ServiceIdentityTests {
    static let orders = ServiceIdentity(name: "orders", title: "Orders", labels: ["env": "prod", "cluster": "eu-1"])
    let context = NotificationContext(detailsURL: "https://vitals.example/health/detailed", service: orders)
    let firing = ordersDBFiring

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func identityKey() {
        #expect(Self.orders.key == "orders{cluster=eu-1,env=prod}")
        #expect(ServiceIdentity(name: "orders").key == "orders")
        #expect(Self.orders.described == "Orders (orders, cluster=eu-1,env=prod)")
        #expect(ServiceIdentity().described == "vitals")
    }

    @Test func webhookNamesServiceTitleAndLabels() throws {
        let body = try json(WebhookPayload(firing, context: context).body())
        #expect(body["service"] as? String == "orders")
        #expect(body["service_title"] as? String == "Orders")
        #expect(body["service_labels"] as? [String: String] == ["env": "prod", "cluster": "eu-1"])
        let plain = try json(WebhookPayload(firing, context: payloadContext).body())
        #expect(plain["service_title"] as? String == "checkout")
        #expect(plain["service_labels"] as? [String: String] == [:])
    }

    @Test func alertmanagerCarriesTheLabelsAndCannotBeOverridden() {
        var labels = Self.orders.labels
        // The parser refuses reserved names; the payload keeps its own if one slipped through.
        labels["severity"] = "none"
        let c = NotificationContext(detailsURL: context.detailsURL, service: ServiceIdentity(name: "orders", labels: labels))
        let a = AlertmanagerAlert(firing, context: c, now: at(30))
        #expect(a.labels == ["alertname": "db-down", "component": "orders-db", "severity": "critical", "service": "orders", "env": "prod", "cluster": "eu-1"])
        #expect(AlertmanagerAlert(firing, context: context, now: at(30)).annotations["service_title"] == "Orders")
    }

    @Test func twoServicesTwoIdentities() {
        let b = NotificationContext(detailsURL: context.detailsURL, service: ServiceIdentity(name: "payments", labels: ["env": "prod", "cluster": "eu-1"]))
        #expect(AlertmanagerAlert(firing, context: context, now: at(0)).labels != AlertmanagerAlert(firing, context: b, now: at(0)).labels)
        let keyA = PagerDutyEvent(firing, routingKey: "k", context: context).dedupKey
        let keyB = PagerDutyEvent(firing, routingKey: "k", context: b).dedupKey
        #expect(keyA == "vitals/orders{cluster=eu-1,env=prod}/db-down/orders-db")
        #expect(keyB == "vitals/payments{cluster=eu-1,env=prod}/db-down/orders-db")
        // Same name, other labels (another cluster): another incident too.
        let otherCluster = NotificationContext(detailsURL: context.detailsURL, service: ServiceIdentity(name: "orders", labels: ["env": "prod", "cluster": "us-1"]))
        #expect(PagerDutyEvent(firing, routingKey: "k", context: otherCluster).dedupKey != keyA)
    }

    @Test func pagerDutySlackEmailAndLogNameTheService() throws {
        let pd = try json(PagerDutyEvent(firing, routingKey: "k", context: context).body())
        let details = try #require((pd["payload"] as? [String: Any])?["custom_details"] as? [String: Any])
        #expect(details["service"] as? String == "Orders")
        #expect(details["service_labels"] as? [String: String] == ["env": "prod", "cluster": "eu-1"])

        let slack = String(decoding: SlackPayload(firing, context: context).body(), as: UTF8.self)
        #expect(slack.contains("Orders (orders, cluster=eu-1,env=prod)"))

        let mail = EmailMessage(firing, settings: EmailSettings(from: "vitals@example.com", to: ["ops@example.com"]), context: context).text()
        #expect(mail.contains("X-Vitals-Service: orders{cluster=eu-1,env=prod}\r\n"))
        #expect(EmailMessage(firing, settings: EmailSettings(from: "v@x", to: ["o@x"]), context: context).plainBody().contains("Service:  Orders (orders, cluster=eu-1,env=prod)\n"))

        let line = LogNotification(firing, context: context).fields
        #expect(line["service"] == "orders")
        #expect(line["service_labels"] == "cluster=eu-1,env=prod")
    }

    /// A reload (or a restart) that renames the service closes what the old name opened: the
    /// repeat and the resolve of an episode keep the identity its firing went out under.
    @Test func anEpisodeKeepsTheIdentityItFiredUnder() throws {
        let rule = AlertRuleSpec(name: "down", on: .anyComponent, when: .unhealthy, repeatInterval: .seconds(60), notify: ["ops"])
        var b = AlertBook(rules: [rule], notifiers: [webhook()], maintenance: [], context: context)
        _ = b.observe(input(0, [("db", .unhealthy)]))
        b.context.service = ServiceIdentity(name: "orders-eu")
        #expect(b.tick(at: at(60)).bodies.first?["service"] as? String == "orders")
        // Saved and loaded again, the identity is still there.
        let saved = try JSONDecoder().decode(AlertInstance.self, from: JSONEncoder().encode(try #require(b.instances["down/db"])))
        #expect(saved.service == Self.orders)
        let resolved = b.observe(input(70, [("db", .healthy)])).bodies
        #expect(resolved.first?["status"] as? String == "resolved")
        #expect(resolved.first?["service"] as? String == "orders")
        #expect(resolved.first?["service_labels"] as? [String: String] == Self.orders.labels)
        // The next episode speaks for the service as it is named now.
        #expect(b.observe(input(80, [("db", .unhealthy)])).bodies.first?["service"] as? String == "orders-eu")
    }
}

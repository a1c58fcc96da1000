import Foundation
import Testing
@testable import VitalsConfig

/// `service:`, `push_gateway:`, threshold rules and `inhibit` as parsed (spec section 11).
struct ServiceConfigTests {
    @Test func serviceIdentityAndPushGateway() throws {
        let config = try parsed("""
            service:
              name: orders
              title: "Orders (EU)"
              labels: { env: prod, cluster: "${CLUSTER}" }
            push_gateway: { url: "http://user:pw@127.0.0.1:9091", job: orders-sidecar, interval: 30s }
            """, env: ["CLUSTER": "eu-1"])
        #expect(config.service == ServiceIdentity(name: "orders", title: "Orders (EU)", labels: ["env": "prod", "cluster": "eu-1"]))
        #expect(config.pushGateway?.url.value == "http://user:pw@127.0.0.1:9091")
        #expect(config.pushGateway?.job == "orders-sidecar")
        #expect(config.pushGateway?.interval == .seconds(30))
        let defaults = try parsed("push_gateway: { url: \"http://127.0.0.1:9091\" }\n")
        #expect(defaults.service == ServiceIdentity())
        #expect(defaults.pushGateway?.job == "vitals")
        #expect(defaults.pushGateway?.interval == .seconds(15))
        #expect(try parsed("server: {}\n").pushGateway == nil)
    }

    @Test func aPushGatewayPasswordIsNeverQuoted() {
        let found = errors("push_gateway: { url: \"ftp://user:hunter2@h/\", job: \"\" }\n")
        #expect(found.count == 2)
        #expect(!found.joined().contains("hunter2"))
    }

    @Test func thresholdRulesAndInhibit() throws {
        let config = try parsed("""
            components:
              - name: api
                type: tcp
                address: 127.0.0.1:1
                thresholds:
                  latency_p95: { degraded: 300ms, unhealthy: 1s, window: 5m }
            notifiers: [{ name: ops, type: webhook, url: "http://127.0.0.1:1/" }]
            alerts:
              - { name: slow, on: api, when: { threshold: latency_p95, at: degraded }, notify: [ops], repeat: 1h }
              - { name: very-slow, on: any-component, when: { threshold: latency_p95, at: unhealthy }, notify: [ops] }
              - { name: warn, on: api, when: degraded, inhibit: false, notify: [ops] }
            """)
        #expect(config.alerts.map(\.threshold) == ["latency_p95", "latency_p95", nil])
        #expect(config.alerts.map(\.when) == [.degraded, .unhealthy, .degraded])
        #expect(config.alerts.map(\.severity) == ["warning", "critical", "warning"])
        #expect(config.alerts.map(\.inhibit) == [true, true, false])
    }
}

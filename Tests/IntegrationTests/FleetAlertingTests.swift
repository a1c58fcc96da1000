import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import VitalsTestSupport

/// Spec section 11 on the real binary: service identity against a real Alertmanager,
/// inhibition and threshold rules through a real receiver, exact `for`, the daemon's own pushes
/// to a real Pushgateway.
@Suite struct FleetAlertingTests {
    /// An exec component whose Nagios exit code (0 ok, 1 warning, 2 critical) and `depth`
    /// perfdata come from a file the test writes.
    final class ControlledPlugin: Sendable {
        let folder = ScratchFolder()
        var file: String { folder.url.appendingPathComponent("state").path }

        init(exit: Int, depth: Int = 0) throws { try set(exit: exit, depth: depth) }

        func set(exit: Int, depth: Int = 0) throws {
            // Written whole and renamed, so the plugin never reads half a file.
            let tmp = folder.url.appendingPathComponent("state.tmp").path
            try "\(exit) \(depth)\n".write(toFile: tmp, atomically: false, encoding: .utf8)
            rename(tmp, file)
        }

        var component: String {
            #"{ name: app, type: exec, command: ["/bin/sh", "-c", "read code depth < \#(file); echo \"state $code | depth=$depth\"; exit $code"] }"#
        }

        deinit { folder.remove() }
    }

    /// Waits until the receiver has `count` bodies, then a further moment to see that no more
    /// come; returns each as `alert status`.
    static func notifications(_ receiver: WebhookReceiver, count: Int) async -> [String] {
        _ = await receiver.waitFor { $0.count >= count }
        // Absence can only be seen by waiting: a few probe rounds (every 500 ms at most here).
        try? await Task.sleep(for: .milliseconds(1500))
        return receiver.bodies.compactMap { body -> String? in
            guard let j = jsonObject(body), let alert = j["alert"] as? String, let status = j["status"] as? String else { return nil }
            return "\(alert) \(status)"
        }
    }

    @Test func aDegradedRuleIsInhibitedWhileTheUnhealthyOneFires() async throws {
        let plugin = try ControlledPlugin(exit: 0)
        let receiver = try WebhookReceiver()
        let vitals = try VitalsProcess(configBody: """
            service: { name: orders, title: "Orders", labels: { env: test } }
            defaults: { interval: 500ms, timeout: 450ms, failure_threshold: 1 }
            components:
              - \(plugin.component)
            notifiers:
              - { name: hook, type: webhook, url: "http://127.0.0.1:\(receiver.port)/hook" }
            alerts:
              - { name: app-degraded, on: app, when: degraded, notify: [hook] }
              - { name: app-down, on: app, when: unhealthy, notify: [hook] }

            """)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        try plugin.set(exit: 2)
        let down = await Self.notifications(receiver, count: 1)
        #expect(down == ["app-down firing"])
        try plugin.set(exit: 1)
        let eased = await Self.notifications(receiver, count: 3)
        #expect(eased == ["app-down firing", "app-down resolved", "app-degraded firing"])
        try plugin.set(exit: 0)
        let recovered = await Self.notifications(receiver, count: 4)
        #expect(recovered == ["app-down firing", "app-down resolved", "app-degraded firing", "app-degraded resolved"], "\(vitals.stderr)")
        let first = try #require(receiver.bodies.first.flatMap(jsonObject))
        #expect(first["service"] as? String == "orders")
        #expect(first["service_title"] as? String == "Orders")
        #expect(first["service_labels"] as? [String: String] == ["env": "test"])
        let metrics = try await vitals.get("/metrics").body
        #expect(metrics.contains(#"vitals_alerts_suppressed_total{alert="app-degraded",reason="inhibited"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"vitals_build_info{version="#) && metrics.contains(#"service="orders"}"#))
        // The status log names why the service changed.
        #expect(vitals.stderr.contains(#"reason="app unhealthy: state 2""#), "\(vitals.stderr)")
    }

    @Test func thresholdRulesFireOnTheirThresholdWithTheirOwnNotifications() async throws {
        let plugin = try ControlledPlugin(exit: 0, depth: 10)
        let receiver = try WebhookReceiver()
        let vitals = try VitalsProcess(configBody: """
            defaults: { interval: 500ms, timeout: 450ms, failure_threshold: 1 }
            components:
              - \(String(plugin.component.dropLast(2))), thresholds: { depth: { degraded: 100, unhealthy: 1000 } } }
            notifiers:
              - { name: hook, type: webhook, url: "http://127.0.0.1:\(receiver.port)/hook" }
            alerts:
              - { name: queue-deep, on: app, when: { threshold: depth, at: degraded }, notify: [hook] }
              - { name: queue-full, on: app, when: { threshold: depth, at: unhealthy }, notify: [hook] }

            """)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        try plugin.set(exit: 0, depth: 500)
        #expect(await Self.notifications(receiver, count: 1) == ["queue-deep firing"])
        let deep = try #require(receiver.bodies.first.flatMap(jsonObject))
        #expect(deep["message"] as? String == "depth 500 above degraded 100")
        #expect(deep["current_status"] as? String == "degraded")
        try plugin.set(exit: 0, depth: 5000)
        #expect(await Self.notifications(receiver, count: 2) == ["queue-deep firing", "queue-full firing"])
        try plugin.set(exit: 0, depth: 10)
        let all = await Self.notifications(receiver, count: 4)
        #expect(all.count == 4)
        #expect(Set(all.suffix(2)) == ["queue-full resolved", "queue-deep resolved"])
    }

    /// A windowed threshold (`success_rate` over a window) as a rule's condition: it fires on
    /// the window's reading and resolves once the window has recovered.
    @Test func aRuleOverAWindowedThreshold() async throws {
        let target = try TCPTarget()
        try target.open()
        let receiver = try WebhookReceiver()
        let vitals = try VitalsProcess(configBody: """
            defaults: { interval: 100ms, timeout: 50ms }
            components:
              - name: target
                type: tcp
                address: "127.0.0.1:\(target.port)"
                thresholds: { success_rate: { degraded: 99, unhealthy: 50, window: 1s } }
            notifiers:
              - { name: hook, type: webhook, url: "http://127.0.0.1:\(receiver.port)/hook" }
            alerts:
              - { name: target-flaky, on: target, when: { threshold: success_rate, at: degraded }, notify: [hook] }

            """)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        #expect(await receiver.waitFor { !$0.isEmpty })
        let firing = try #require(receiver.bodies.first.flatMap(jsonObject))
        #expect(firing["status"] as? String == "firing")
        let message = try #require(firing["message"] as? String)
        #expect(message.hasPrefix("success_rate ") && message.contains(" below ") && message.hasSuffix(" over 1s"), "\(message)")
        try target.open()
        #expect(await receiver.waitFor { $0.count >= 2 })
        #expect(await Self.notifications(receiver, count: 2) == ["target-flaky firing", "target-flaky resolved"])
    }

    /// `for: 2s` fires between 2.0 and 2.25 s after the status changed (the transition's time
    /// from the API, the receiver's arrival time), not on a 5 s tick.
    @Test func forIsExactOnTheRealBinary() async throws {
        let target = try TCPTarget()
        try target.open()
        let receiver = try WebhookReceiver()
        let vitals = try VitalsProcess(configBody: """
            defaults: { interval: 100ms, timeout: 50ms, failure_threshold: 1 }
            components:
              - { name: target, type: tcp, address: "127.0.0.1:\(target.port)" }
            notifiers:
              - { name: hook, type: webhook, url: "http://127.0.0.1:\(receiver.port)/hook" }
            alerts:
              - { name: target-down, on: target, when: unhealthy, for: 2s, notify: [hook] }

            """)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        #expect(await receiver.waitFor { !$0.isEmpty })
        let arrived = try #require(receiver.arrivals.first)
        let page = try await vitals.get("/api/v1/components/target/transitions").body
        let transitions = try #require(jsonObject(page)?["transitions"] as? [[String: Any]])
        let down = try #require(transitions.first { $0["to"] as? String == "unhealthy" }?["at"] as? String)
        let changed = try #require(AlertingTests.date(down))
        let delay = arrived.timeIntervalSince(changed)
        #expect(delay >= 2.0 && delay <= 2.25, "fired \(delay) s after the change")
    }

    /// The issue's fleet: two sidecars, the same rule name, different `service`, one real
    /// Alertmanager. Two alerts; each resolved only by its own daemon.
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func twoServicesTwoAlertsInOneAlertmanager() async throws {
        let alertmanager = try TestEnvironment.require("VITALS_TEST_ALERTMANAGER")
        let name = "db-down-\(UInt32.random(in: 0...UInt32.max))"
        let targets = [try TCPTarget(), try TCPTarget()]
        for t in targets { try t.open() }
        let daemons = try zip(["app-a", "app-b"], targets).map { service, target in
            try VitalsProcess(configBody: """
                service: { name: \(service), labels: { env: test } }
                defaults: { interval: 200ms, timeout: 150ms, failure_threshold: 1 }
                components:
                  - { name: db, type: tcp, address: "127.0.0.1:\(target.port)" }
                notifiers:
                  - { name: am, type: alertmanager, url: "\(alertmanager)" }
                alerts:
                  - { name: \(name), on: db, when: unhealthy, notify: [am] }

                """)
        }
        defer { for d in daemons { d.stop() } }
        for d in daemons { try await d.waitFor("/health/ready") { s, _ in s == 200 } }

        /// The services whose alert Alertmanager holds as active now (a resolved alert is
        /// either no longer listed or listed with an `endsAt` in the past).
        func ours() async throws -> Set<String> {
            let (data, _) = try await URLSession.shared.data(from: URL(string: alertmanager + "/api/v2/alerts")!)
            let all = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
            var out: Set<String> = []
            for alert in all {
                guard let labels = alert["labels"] as? [String: String], labels["alertname"] == name, let service = labels["service"] else { continue }
                #expect(labels["env"] == "test" && labels["component"] == "db")
                let ends = (alert["endsAt"] as? String).flatMap(AlertingTests.date) ?? .distantPast
                let state = (alert["status"] as? [String: Any])?["state"] as? String
                if ends > Date(), state == "active" { out.insert(service) }
            }
            return out
        }
        func waitFor(_ expected: Set<String>) async throws -> Set<String> {
            var seen: Set<String> = []
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                seen = try await ours()
                if seen == expected { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            return seen
        }

        for t in targets { t.close() }
        #expect(try await waitFor(["app-a", "app-b"]) == ["app-a", "app-b"], "one alert per service")
        // B recovers: only B's alert ends; A's stays active.
        try targets[1].open()
        #expect(try await waitFor(["app-a"]) == ["app-a"])
        // Still so a moment later (A re-posts nothing that would end it, B nothing that revives it).
        try await Task.sleep(for: .seconds(1))
        #expect(try await ours() == ["app-a"])
        try targets[0].open()
        #expect(try await waitFor([]) == [])
    }

    /// `push_gateway:` in the daemon: its gauges reach a real Pushgateway under the job, with
    /// the service on `vitals_build_info`, and the text passes `promtool check metrics`.
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func theDaemonPushesToTheGateway() async throws {
        let gateway = try TestEnvironment.require("VITALS_TEST_PUSHGATEWAY")
        let target = try TCPTarget()
        try target.open()
        let job = "sidecar-\(UInt32.random(in: 0...UInt32.max))"
        let vitals = try VitalsProcess(configBody: """
            service: { name: orders }
            defaults: { interval: 200ms, timeout: 150ms }
            components:
              - { name: web, type: tcp, address: "127.0.0.1:\(target.port)" }
            push_gateway: { url: "\(gateway)", job: \(job), interval: 1s }

            """)
        defer { vitals.stop() }
        var samples: [MetricSamples.Sample] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            samples = try await PushGatewayTests.pushed(gateway, job: job)
            if samples.contains(where: { $0.name == "vitals_service_status" && $0.labels["status"] == "healthy" && $0.value == 1 }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }?.value
        }
        #expect(value("vitals_service_status", ["status": "healthy"]) == 1, "\(samples.map(\.name))")
        #expect(value("vitals_probe_success", ["component": "web", "type": "tcp"]) == 1)
        #expect(value("vitals_component_status", ["component": "web", "status": "healthy"]) == 1)
        #expect(value("vitals_build_info", ["service": "orders"]) == 1)
        #expect(!samples.contains { $0.name.hasPrefix("vitals_probes_total") || $0.name.hasPrefix("process_") }, "gauges only")

        // The target goes down: a later push says so (the group is replaced, not added to).
        target.close()
        let downBy = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < downBy {
            samples = try await PushGatewayTests.pushed(gateway, job: job)
            if value("vitals_probe_success", ["component": "web"]) == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(value("vitals_probe_success", ["component": "web"]) == 0)
    }

    /// A push that fails is logged without the password of the Pushgateway's URL, and the
    /// daemon goes on.
    @Test func aFailedPushIsLoggedWithoutThePassword() async throws {
        let closed = try FreePort.pick()
        let vitals = try VitalsProcess(configBody: """
            defaults: { interval: 200ms, timeout: 100ms }
            components:
              - { name: mem, type: memory }
            push_gateway: { url: "http://pusher:hunter2@127.0.0.1:\(closed)", job: sidecar, interval: 1s }

            """)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        var log = ""
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, !log.contains("push to the Pushgateway failed") {
            log += vitals.stderr
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(log.contains("push to the Pushgateway failed"), "\(log)")
        #expect(!log.contains("hunter2"))
        #expect(try await vitals.get("/health/live").status == 200)
    }

    /// What the daemon's push carries over the wire: a PUT to `/metrics/job/JOB` every interval,
    /// text that `promtool check metrics` accepts.
    @Test func theDaemonsPushIsValidMetrics() async throws {
        let receiver = try WebhookReceiver()
        let vitals = try VitalsProcess(configBody: """
            defaults: { interval: 200ms, timeout: 100ms }
            components:
              - { name: mem, type: memory }
            push_gateway: { url: "http://127.0.0.1:\(receiver.port)", job: sidecar, interval: 1s }

            """)
        defer { vitals.stop() }
        #expect(await receiver.waitFor { $0.count >= 2 }, "two pushes within 15 s at a 1 s interval")
        #expect(receiver.headers.first == "PUT /metrics/job/sidecar HTTP/1.1", "\(receiver.headers)")
        let text = try #require(receiver.bodies.last)
        #expect(text.contains(#"vitals_build_info{version="#) && text.contains(#"service="vitals"} 1"#))
        try Promtool.checkMetrics(text)
    }
}

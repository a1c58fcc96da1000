import Foundation
import Synchronization
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

@Suite(.serialized) struct EngineTests {
    let rules = [AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, repeatInterval: .zero, notify: ["ops"])]
    let context = NotificationContext(detailsURL: "http://vitals.test/health/detailed")
    let fastRetry = RetryPolicy(initialDelay: .seconds(1), maxElapsed: .seconds(3600), jitter: 0)

    func engine(_ receiverURL: String, storage: TestStorage, clock: ManualClock, rules: [AlertRuleSpec]? = nil, capacity: Int = 64)
        -> AlertEngine<ManualClock>
    {
        AlertEngine(
            rules: rules ?? self.rules, notifiers: [webhook(url: receiverURL + "/hook", headers: ["Authorization": Secret("Bearer t0ken-value")])],
            context: context, storage: storage, transport: LoopbackTransport(), clock: clock,
            options: .init(queueCapacity: capacity, retry: fastRetry, tickInterval: nil), now: { clock.wallNow })
    }

    func observation(_ clock: ManualClock, _ status: HealthStatus) -> AlertInput {
        AlertInput(at: clock.wallNow, serviceStatus: status, components: [AlertInput.Component(name: "db", type: "postgres", status: status, message: "db \(status.rawValue)")])
    }

    @Test func firesOnceWithHeadersAndResolves() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.close() }
        let clock = ManualClock()
        let e = engine(receiver.url, storage: TestStorage(persistent: false), clock: clock)
        let running = Task { await e.run() }
        defer { running.cancel() }
        e.observe(observation(clock, .unhealthy))
        let got = await receiver.waitFor(1)
        #expect(got.first?.headers["authorization"] == "Bearer t0ken-value")
        let body = try #require(got.first?.json as? [String: Any])
        #expect(body["status"] as? String == "firing")
        #expect(body["message"] as? String == "db unhealthy")
        // Same health again, time passing: nothing new.
        e.observe(observation(clock, .unhealthy))
        clock.advance(by: .seconds(600))
        e.tick()
        await e.drained()
        #expect(receiver.requests.count == 1)
        e.observe(observation(clock, .healthy))
        let both = await receiver.waitFor(2)
        #expect((both.dropFirst().first?.json as? [String: Any])?["status"] as? String == "resolved")
        await e.drained()

        let alerts = try #require(try JSONSerialization.jsonObject(with: Data(e.alertsJSON().utf8)) as? [String: Any])
        let list = try #require(alerts["alerts"] as? [[String: Any]])
        #expect(list.first?["state"] as? String == "resolved")
        let attempts = try #require(list.first?["notifications"] as? [[String: Any]])
        #expect(attempts.map { $0["outcome"] as? String } == ["success", "success"])
        #expect(attempts.map { $0["kind"] as? String } == ["resolved", "firing"])
        #expect(!e.alertsJSON().contains("t0ken-value"))

        let metrics = e.metricsText()
        #expect(metrics.contains("vitals_alerts_sent_total{notifier=\"ops\",result=\"success\"} 2\n"))
        #expect(metrics.contains("vitals_alerts_firing{alert=\"db-down\"} 0\n"))
        #expect(metrics.contains("# TYPE vitals_alert_queue_dropped_total counter\n"))
        try Promtool.checkMetrics(metrics)
    }

    @Test func persistentStateSurvivesARestartWithoutDoubleFiring() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.close() }
        let clock = ManualClock()
        let storage = TestStorage(persistent: true)
        let first = engine(receiver.url, storage: storage, clock: clock)
        let run1 = Task { await first.run() }
        first.observe(observation(clock, .unhealthy))
        _ = await receiver.waitFor(1)
        await first.drained()
        await first.flush()
        run1.cancel()
        await run1.value
        #expect(storage.keys == ["db-down/db"])

        clock.advance(by: .seconds(30))
        let second = engine(receiver.url, storage: storage, clock: clock)
        let run2 = Task { await second.run() }
        defer { run2.cancel() }
        await second.started()
        second.observe(observation(clock, .unhealthy))
        second.tick()
        await second.drained()
        #expect(receiver.requests.count == 1)
        #expect(second.metricsText().contains("vitals_alerts_firing{alert=\"db-down\"} 1\n"))
        second.observe(observation(clock, .healthy))
        let got = await receiver.waitFor(2)
        #expect((got.dropFirst().first?.json as? [String: Any])?["status"] as? String == "resolved")
    }

    @Test func anUnconfirmedResolveIsSentAfterARestart() async throws {
        let down = try HTTPReceiver(fallback: .status(500))
        let up = try HTTPReceiver()
        defer {
            down.close()
            up.close()
        }
        let clock = ManualClock()
        let storage = TestStorage(persistent: true)
        let first = engine(down.url, storage: storage, clock: clock)
        let run1 = Task { await first.run() }
        first.observe(observation(clock, .unhealthy))
        _ = await down.waitFor(1)
        clock.advance(by: .seconds(5))
        first.observe(observation(clock, .healthy))  // queued behind the retrying firing
        await first.flush()
        run1.cancel()
        await run1.value

        // Same notifier name, the receiver is reachable now.
        let second = engine(up.url, storage: storage, clock: clock)
        let run2 = Task { await second.run() }
        defer { run2.cancel() }
        let got = await up.waitFor(1)
        #expect((got.first?.json as? [String: Any])?["status"] as? String == "resolved")
        await second.drained()
        #expect(up.requests.count == 1)
    }

    @Test func inMemoryStorageStartsFreshAndStoresNothing() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.close() }
        let clock = ManualClock()
        let storage = TestStorage(persistent: false)
        let e = engine(receiver.url, storage: storage, clock: clock)
        let running = Task { await e.run() }
        defer { running.cancel() }
        e.observe(observation(clock, .unhealthy))
        _ = await receiver.waitFor(1)
        await e.flush()
        #expect(storage.keys.isEmpty)
    }

    @Test func droppedNotificationsAreCounted() async throws {
        let clock = ManualClock()
        let anyRule = [AlertRuleSpec(name: "down", on: .anyComponent, when: .unhealthy, notify: ["ops"])]
        // The receiver never answers (for a minute): one delivery in flight, one queued, the rest dropped.
        let e = AlertEngine(
            rules: anyRule, notifiers: [webhook(timeout: .seconds(60))], context: context, storage: TestStorage(persistent: false),
            transport: StuckTransport(), clock: clock, options: .init(queueCapacity: 1, retry: fastRetry, tickInterval: nil),
            now: { clock.wallNow })
        let running = Task { await e.run() }
        defer { running.cancel() }
        await e.started()
        e.observe(AlertInput(at: clock.wallNow, serviceStatus: .unhealthy, components: (1...5).map { .init(name: "c\($0)", status: .unhealthy) }))
        let metrics = e.metricsText()
        let line = try #require(metrics.split(separator: "\n").first { $0.hasPrefix("vitals_alert_queue_dropped_total{notifier=\"ops\"}") })
        let dropped = try #require(Int(line.split(separator: " ").last!))
        #expect((3...4).contains(dropped))
        #expect(e.alertsJSON().components(separatedBy: "\"outcome\":\"dropped\"").count - 1 == dropped)
        #expect(metrics.contains("vitals_alert_notifications_failed_total{notifier=\"ops\"} \(dropped)\n"))
    }

    @Test func observationsBeforeRunAreNotLost() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.close() }
        let clock = ManualClock()
        let e = engine(receiver.url, storage: TestStorage(persistent: true), clock: clock)
        e.observe(observation(clock, .unhealthy))
        let running = Task { await e.run() }
        defer { running.cancel() }
        _ = await receiver.waitFor(1)
    }

    @Test func reloadResolvesRemovedRulesThroughTheOldNotifier() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.close() }
        let clock = ManualClock()
        let e = engine(receiver.url, storage: TestStorage(persistent: false), clock: clock)
        let running = Task { await e.run() }
        defer { running.cancel() }
        e.observe(observation(clock, .unhealthy))
        _ = await receiver.waitFor(1)
        e.reload(rules: [], notifiers: [], maintenance: [])
        let got = await receiver.waitFor(2)
        #expect((got.dropFirst().first?.json as? [String: Any])?["status"] as? String == "resolved")
    }
}

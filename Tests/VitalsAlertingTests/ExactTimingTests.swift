import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// `for` is exact (spec section 11): a rule fires `for` after its condition began, not on a
/// tick nor when alerting happened to look.
@Suite struct ExactTimingTests {
    @Test func pendingCountsFromWhenTheStatusBegan() {
        var s = AlertRuleState()
        let c = AlertCondition(level: .unhealthy, forDuration: .seconds(2))
        // Seen 0.2 s after the change: the 2 s count from the change.
        #expect(s.observe(.unhealthy, message: "", at: at(10.2), since: at(10), condition: c) == nil)
        #expect(s.pendingSince == at(10))
        #expect(s.tick(at: at(11.99), condition: c) == nil)
        #expect(s.tick(at: at(12), condition: c) == .fired)
        // A `since` in the future (clocks apart) counts from the observation.
        var later = AlertRuleState()
        _ = later.observe(.unhealthy, message: "", at: at(5), since: at(9), condition: c)
        #expect(later.pendingSince == at(5))
    }

    @Test func theBookNamesTheNextDeadline() {
        var b = AlertBook(
            rules: [
                AlertRuleSpec(name: "slow", on: .anyComponent, when: .degraded, forDuration: .seconds(30), repeatInterval: .seconds(600), notify: ["ops"]),
                AlertRuleSpec(name: "down", on: .anyComponent, when: .unhealthy, forDuration: .seconds(2), repeatInterval: .zero, notify: ["ops"]),
            ],
            notifiers: [webhook()], maintenance: [], context: NotificationContext(detailsURL: "http://x/health/detailed"))
        #expect(b.nextDeadline() == nil)
        _ = b.observe(AlertInput(at: at(10.2), serviceStatus: .unhealthy, components: [.init(name: "db", status: .unhealthy, since: at(10))]))
        #expect(b.nextDeadline() == at(12))
        #expect(b.tick(at: at(12)).deliveries.count == 1)
        // `down` fired and never repeats; `slow` is due at 10 + 30.
        #expect(b.nextDeadline() == at(40))
        _ = b.tick(at: at(40))
        #expect(b.nextDeadline() == at(640))
        // Nothing is due while the status says nothing (unknown).
        _ = b.observe(AlertInput(at: at(50), serviceStatus: .unknown, components: [.init(name: "db", status: .unknown)]))
        #expect(b.nextDeadline() == nil)
    }

    /// The engine's loop on the injected clock: it sleeps until the deadline (plus 1 ms), not
    /// until its 5 s tick, and an observation wakes it to look again.
    @Test func theEngineWakesAtTheDeadline() async throws {
        let clock = ManualClock()
        let transport = RecordingTransport()
        let e = AlertEngine(
            rules: [AlertRuleSpec(name: "down", on: .anyComponent, when: .unhealthy, forDuration: .seconds(2), notify: ["ops"])],
            notifiers: [webhook()], context: NotificationContext(detailsURL: "http://x/health/detailed"),
            storage: TestStorage(persistent: false), transport: transport, clock: clock,
            options: .init(tickInterval: .seconds(5)), now: { clock.wallNow })
        let running = Task { await e.run() }
        defer { running.cancel() }
        await e.started()
        #expect(await clock.nextSleep() == clock.now.advanced(by: .seconds(5)))
        clock.advance(by: .seconds(1))
        // The change happened 0.2 s before alerting looked.
        let changed = clock.wallNow.addingTimeInterval(-0.2)
        e.observe(AlertInput(at: clock.wallNow, serviceStatus: .unhealthy, components: [.init(name: "db", status: .unhealthy, since: changed)]))
        let start = clock.now
        let deadline = await clock.nextSleep()
        // Wall time is a Double near 1.8e9 s: equal to well under a millisecond.
        #expect(abs((deadline.offset - start.advanced(by: .milliseconds(1801)).offset).seconds) < 0.0001, "slept until \(deadline.offset)")
        clock.advance(to: deadline)
        await e.drained()
        #expect(await waitUntil { transport.recorded.count == 1 })
        let body = try #require(transport.recorded.first?.json as? [String: Any])
        #expect(body["status"] as? String == "firing")
        #expect(body["startsAt"] as? String == RFC3339.string(changed.addingTimeInterval(2.001)))
    }

    /// Bounded wait for something the engine's tasks do (fails rather than hangs).
    func waitUntil(_ condition: @Sendable () -> Bool) async -> Bool {
        for _ in 0..<2000 {
            if condition() { return true }
            await Task.yield()
            try? await Task.sleep(for: .milliseconds(1))
        }
        return condition()
    }
}

/// `when: { threshold: NAME, at: LEVEL }`: a rule over one threshold of its components.
@Suite struct ThresholdRuleTests {
    func view(_ s: Double, _ readings: [String: (HealthStatus, String)], status: HealthStatus = .healthy, name: String = "api") -> AlertInput {
        AlertInput(at: at(s), serviceStatus: status, components: [
            AlertInput.Component(
                name: name, status: status, message: "status 200",
                thresholds: readings.mapValues { Judgement(status: $0.0, reason: $0.1.isEmpty ? nil : $0.1) }, lastCheck: at(s))
        ])
    }

    @Test func firesOnItsThresholdAloneWhateverTheStatus() {
        let slow = AlertRuleSpec(
            name: "slow", on: .component("api"), when: .degraded, forDuration: .seconds(10), repeatInterval: .zero, notify: ["ops"],
            threshold: "latency_p95")
        var b = AlertBook(rules: [slow], notifiers: [webhook()], maintenance: [], context: NotificationContext(detailsURL: "http://x/health/detailed"))
        _ = b.observe(view(0, ["latency_p95": (.healthy, "")]))
        // Crossed with the component's status still healthy (hysteresis or another threshold decides that).
        #expect(b.observe(view(5, ["latency_p95": (.degraded, "latency_p95 350ms above degraded 300ms over 5m")])).deliveries.isEmpty)
        let fired = b.tick(at: at(15))
        #expect(fired.bodies.count == 1)
        #expect(fired.bodies.first?["message"] as? String == "latency_p95 350ms above degraded 300ms over 5m")
        #expect(fired.bodies.first?["previous_status"] as? String == "healthy")
        #expect(fired.bodies.first?["current_status"] as? String == "degraded")
        // No reading (a failed probe, a window still filling) neither resolves nor fires.
        #expect(b.observe(view(20, [:].merging(["latency_p95": (.unknown, "")]) { a, _ in a })).deliveries.isEmpty)
        let resolved = b.observe(view(30, ["latency_p95": (.healthy, "")]))
        #expect(resolved.bodies.first?["status"] as? String == "resolved")
        #expect(resolved.bodies.first?["message"] as? String == "status 200")
    }

    @Test func anyComponentWatchesOnlyComponentsWithTheThreshold() {
        let rule = AlertRuleSpec(name: "flaky", on: .anyComponent, when: .unhealthy, notify: ["ops"], threshold: "success_rate")
        var b = AlertBook(rules: [rule], notifiers: [webhook()], maintenance: [], context: NotificationContext(detailsURL: "http://x/health/detailed"))
        let both = AlertInput(at: at(0), serviceStatus: .unhealthy, components: [
            AlertInput.Component(name: "a", status: .unhealthy, thresholds: ["success_rate": Judgement(status: .unhealthy, reason: "success_rate 40% below unhealthy 90% over 5m")]),
            AlertInput.Component(name: "b", status: .unhealthy),
        ])
        #expect(b.observe(both).bodies.map { $0["subject"] as? String } == ["a"])
        // The threshold left a's config: its alert resolves, saying why.
        let gone = b.observe(AlertInput(at: at(10), serviceStatus: .unhealthy, components: [AlertInput.Component(name: "a", status: .unhealthy)]))
        #expect(gone.bodies.first?["status"] as? String == "resolved")
        #expect(gone.bodies.first?["message"] as? String == "component a no longer has threshold success_rate")
    }

    /// Readings from a snapshot: a failed probe has none for a per-result threshold, a
    /// windowed one reads the window.
    @Test func readingsFromResults() {
        let latency = Threshold(degraded: 0.3, unhealthy: 1, unit: .seconds)
        let spec = ComponentSpec(name: "api", thresholds: Thresholds(["latency": latency]), probe: .memory(MemorySettings()))
        func snap(_ r: ProbeResult) -> ComponentSnapshot { ComponentSnapshot(spec: spec, status: .healthy, since: t0, lastCheck: t0, lastResult: r) }
        let slow = AlertInput.reading("latency", latency, of: snap(ProbeResult(success: true, latency: .milliseconds(400), message: "ok")))
        #expect(slow == Judgement(status: .degraded, reason: "latency 400ms above degraded 300ms"))
        let failed = AlertInput.reading("latency", latency, of: snap(ProbeResult(success: false, latency: .seconds(2), message: "timeout")))
        #expect(failed.status == .unknown)
        let windowed = Threshold(degraded: 99, unhealthy: 90, direction: .lowerIsWorse, unit: .percent, window: .seconds(300))
        let rate = ProbeResult(success: false, latency: .seconds(2), message: "timeout", observations: [Observation("success_rate", 80, unit: "percent")])
        #expect(AlertInput.reading("success_rate", windowed, of: snap(rate)).status == .unhealthy)
    }
}

/// `previous_status` says what the subject was before, as the status log does, and a service
/// alert's message names the components that made it change.
@Suite struct PreviousStatusTests {
    @Test func theStoresChangeIsThePreviousStatus() {
        var b = AlertBook(
            rules: [AlertRuleSpec(name: "svc", on: .service, when: .unhealthy, notify: ["ops"])], notifiers: [webhook()], maintenance: [],
            context: NotificationContext(detailsURL: "http://x/health/detailed"))
        // Alerting's first look comes after startup: it never saw the service healthy, the store did.
        var first = AlertInput(at: at(0), serviceStatus: .unhealthy, components: [.init(name: "db", status: .unhealthy, message: "timeout after 2s")])
        first.servicePrevious = .healthy
        first.serviceSince = at(-1)
        let fired = b.observe(first).bodies
        #expect(fired.first?["previous_status"] as? String == "healthy")
        #expect(fired.first?["message"] as? String == "db unhealthy")
        #expect(fired.first?["startsAt"] as? String == RFC3339.string(at(0)))
        let resolved = b.observe(AlertInput(at: at(10), serviceStatus: .healthy, components: [.init(name: "db", status: .healthy)])).bodies
        #expect(resolved.first?["previous_status"] as? String == "unhealthy")
        #expect(resolved.first?["current_status"] as? String == "healthy")
    }

    @Test func changesFollowTheEvents() {
        var changes = AlertInput.StatusChanges()
        changes.record(.service(from: .healthy, to: .degraded, at: at(1)))
        changes.record(.component(name: "db", from: .healthy, to: .unhealthy, at: at(2), message: "x"))
        #expect(changes.service == StatusTransition(at: at(1), from: .healthy, to: .degraded, message: ""))
        #expect(changes.components["db"] == StatusTransition(at: at(2), from: .healthy, to: .unhealthy, message: "x"))
    }

    @Test func reasonsNameTheWorstFirst() {
        let failing = [
            FailingComponent(component: "cache", status: .degraded, message: "slow"),
            FailingComponent(component: "db", status: .unhealthy, message: "timeout"),
        ].sorted(by: FailingComponent.worstFirst)
        #expect(FailingComponent.reason(failing) == "db unhealthy, cache degraded")
        #expect(FailingComponent.reason(failing, messages: true) == "db unhealthy: timeout; cache degraded: slow")
        let many = (1...7).map { FailingComponent(component: "c\($0)", status: .unhealthy, message: "") }
        #expect(FailingComponent.reason(many) == "c1 unhealthy, c2 unhealthy, c3 unhealthy, c4 unhealthy, c5 unhealthy, and 2 more")
    }
}

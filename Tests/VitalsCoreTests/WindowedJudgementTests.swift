import Foundation
import Synchronization
import Testing
import VitalsTestSupport
import VitalsConfig
@testable import VitalsCore

/// Windowed thresholds through the health store, on a clock the test moves: every result is
/// judged over the component's recent results, and what the window shows is in the snapshot.
struct WindowedJudgementTests {

    /// Interval 10 s, failure_threshold 3; success_rate over 5m: degraded under 90 %, unhealthy
    /// under 50 %; latency_p95 over 5m: degraded from 250 ms.
    static func spec(_ name: String = "api") -> ComponentSpec {
        var s = ComponentSpec(name: name, failureThreshold: 3, history: 10, probe: .tcp(TCPSettings(address: "127.0.0.1:1")))
        s.thresholds["success_rate"] = Threshold(degraded: 90, unhealthy: 50, direction: .lowerIsWorse, unit: .percent, window: .seconds(300))
        s.thresholds["latency_p95"] = Threshold(degraded: 0.25, unit: .seconds, window: .seconds(300))
        return s
    }

    /// Records `result` on the store's one component, 10 s later than the previous one, and
    /// returns the component as it then stands.
    static func prober(_ store: HealthStore, _ clock: ManualClock) -> (ProbeResult) -> ComponentSnapshot {
        { result in
            store.record(component: "api", result: result)
            clock.advance(by: .seconds(10))
            return store.snapshot().components[0]
        }
    }

    static func ok(_ ms: Int = 5) -> ProbeResult { ProbeResult(success: true, latency: .milliseconds(ms), message: "ok") }
    static let refused = ProbeResult.failure("connection refused")

    /// One probe in five fails: not judged over the first four, then degraded at 80 % (the
    /// failed probe itself counts toward failure_threshold like any other), and the reason says
    /// what crossed over which window.
    @Test func oneFailureInFiveDegradesAtEightyPercent() throws {
        let clock = HealthStoreRestoreTests.wallClock()
        let probe = Self.prober(HealthStore(components: [Self.spec()], now: { clock.wallNow }), clock)
        for _ in 0..<3 { _ = probe(Self.ok()) }
        var c = probe(Self.ok())
        #expect(c.status == .healthy)
        #expect(c.windowReadings.map(\.judged) == [false, false], "four results: not judged yet")
        #expect(c.windowReadings.map(\.results) == [4, 4])
        #expect(c.lastResult?.observation("success_rate") == nil)

        c = probe(Self.refused)
        #expect(c.status == .healthy, "one failure is under failure_threshold 3")
        #expect(c.windowReadings.first { $0.name == "success_rate" }?.value == 80)
        #expect(c.windowReadings.first { $0.name == "latency_p95" }?.judged == false, "only four successful probes so far")

        c = probe(Self.ok())
        #expect(c.status == .degraded)
        #expect(c.lastResult?.message == "ok; success_rate 83.3% below degraded 90% over 5m")
        for _ in 0..<3 { _ = probe(Self.ok()) }
        c = probe(Self.refused)
        c = probe(Self.ok())
        #expect(c.status == .degraded)
        let rate = try #require(c.lastResult?.observation("success_rate"))
        #expect(rate == .number(100.0 * 9 / 11))
        // Twenty cycles later the window holds 30 results, six of them failures: 80 % exactly.
        for _ in 0..<20 {
            for _ in 0..<4 { _ = probe(Self.ok()) }
            c = probe(Self.refused)
        }
        #expect(c.windowReadings.first { $0.name == "success_rate" } == WindowReading(name: "success_rate", window: .seconds(300), results: 30, value: 80))
        #expect(c.status == .degraded)
        #expect(c.lastResult?.observations.contains(Observation("success_rate", 80, unit: "percent")) == true)
    }

    /// Slow answers in the window raise its p95 over the level; they age out of it and it clears.
    @Test func slowAnswersDegradeTheP95UntilTheyLeaveTheWindow() {
        let clock = HealthStoreRestoreTests.wallClock()
        let probe = Self.prober(HealthStore(components: [Self.spec()], now: { clock.wallNow }), clock)
        // Nineteen fast, one slow: the p95 of twenty is the 19th, fast.
        var c = probe(Self.ok(400))
        for _ in 0..<19 { c = probe(Self.ok(10)) }
        #expect(c.status == .healthy)
        #expect(c.lastResult?.observation("latency_p95") == .number(0.010))
        // A second slow one: the 19th of 21 is slow.
        c = probe(Self.ok(300))
        #expect(c.status == .degraded)
        #expect(c.lastResult?.observation("latency_p95") == .number(0.300))
        #expect(c.lastResult?.message == "ok; latency_p95 300ms above degraded 250ms over 5m")
        // Ten more fast ones push the first slow one out of the five minutes: 1 slow of 30.
        for _ in 0..<10 { c = probe(Self.ok(10)) }
        #expect(c.status == .healthy)
    }

    /// After a restart the window is rebuilt from storage, by whether each probe succeeded (a
    /// successful probe judged unhealthy by a threshold still counts as a success), so the
    /// first result of this run is judged over the whole window.
    @Test func theWindowIsRebuiltFromStoredResults() {
        let clock = HealthStoreRestoreTests.wallClock()
        let store = HealthStore(components: [Self.spec()], now: { clock.wallNow })
        let t0 = clock.wallNow
        let stored = (0..<20).map { (i: Int) -> HistoryEntry in
            let failed = i % 4 == 3
            let at = t0.addingTimeInterval(Double(i - 20) * 10)
            return HistoryEntry(at: at, judgement: failed ? .unhealthy : .degraded, latency: .milliseconds(5), message: "m", success: !failed)
        }
        store.restore(component: "api", stored: StoredComponent(history: stored.reversed(), transitions: []))
        var c = store.snapshot().components[0]
        #expect(c.windowReadings.first { $0.name == "success_rate" }?.value == 75, "as before the stop")
        #expect(c.history.count == 10, "history shows its own length; the window took all twenty")
        store.record(component: "api", result: Self.ok())
        c = store.snapshot().components[0]
        #expect(c.windowReadings.first { $0.name == "success_rate" } == WindowReading(name: "success_rate", window: .seconds(300), results: 21, value: 100.0 * 16 / 21))
        #expect(c.status == .degraded)
        // What the store hands storage says whether the probe succeeded.
        #expect(c.history.last?.success == true)
        #expect(c.history.last?.judgement == .degraded)
    }

    /// Only components with a windowed threshold keep a window; a reload that adds one seeds it
    /// from the history in memory, and one that removes it drops it.
    @Test func aReloadAddsOrDropsTheWindow() {
        let clock = HealthStoreRestoreTests.wallClock()
        var plain = Self.spec()
        plain.thresholds = Thresholds()
        let store = HealthStore(components: [plain], now: { clock.wallNow })
        for i in 0..<6 {
            store.record(component: "api", result: i == 0 ? Self.refused : Self.ok())
            clock.advance(by: .seconds(10))
        }
        var c = store.snapshot().components[0]
        #expect(c.windowReadings.isEmpty)
        #expect(c.lastResult?.observation("success_rate") == nil)
        store.update(components: [Self.spec()])
        store.record(component: "api", result: Self.ok())
        c = store.snapshot().components[0]
        #expect(c.windowReadings.first { $0.name == "success_rate" }?.results == 7)
        #expect(c.status == .degraded, "6 of 7 from the history kept over the reload: 85.7 %")
        store.update(components: [plain])
        store.record(component: "api", result: Self.ok())
        c = store.snapshot().components[0]
        #expect(c.windowReadings.isEmpty)
        #expect(c.status == .healthy)
    }
}

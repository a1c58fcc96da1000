import Foundation
import Synchronization
import Testing
import VitalsTestSupport
import VitalsConfig
@testable import VitalsCore

/// What the store takes up from storage after a restart, and how a component goes stale.
struct HealthStoreRestoreTests {
    /// The store's wall clock, moved by the test.
    static func wallClock() -> ManualClock { ManualClock(epoch: Date(timeIntervalSince1970: 1_800_000_000)) }

    static func spec(_ name: String) -> ComponentSpec {
        // interval 10 s, timeout 2 s: stale 22 s after its newest result.
        var s = ComponentSpec(name: name, failureThreshold: 3, successThreshold: 2, history: 10, probe: .tcp(TCPSettings(address: "127.0.0.1:1")))
        s.interval = .seconds(10)
        s.timeout = .seconds(2)
        return s
    }

    /// An unhealthy component from before the restart: shown as it was, with its streak, last
    /// result, observations and uptime, but counted unknown by the service status, readiness
    /// and startup until a result of this run; the fresh result applies on top of the restored
    /// hysteresis (success_threshold 2 still needs two good results).
    @Test func restoredComponentLooksAsBeforeButReadinessWaits() throws {
        let clock = HealthStoreRestoreTests.wallClock()
        let store = HealthStore(components: [Self.spec("db")], now: { clock.wallNow })
        let t0 = clock.wallNow
        let history: [HistoryEntry] = (0..<6).map { (i: Int) -> HistoryEntry in
            let good = i < 2
            let status: HealthStatus = good ? .healthy : .unhealthy
            return HistoryEntry(at: t0.addingTimeInterval(Double(i - 6) * 10), judgement: status, latency: .milliseconds(3), message: good ? "ok" : "connection refused")
        }
        let hour = Date(timeIntervalSince1970: ((t0.timeIntervalSince1970 - 10) / 3600).rounded(.down) * 3600)
        store.restore(
            component: "db",
            stored: StoredComponent(
                history: history.reversed(), transitions: [StatusTransition(at: t0.addingTimeInterval(-20), from: .healthy, to: .unhealthy, message: "connection refused")],
                observations: [Observation("server_version", text: "15.2")],
                hourly: [Rollup(start: hour, healthy: 300, degraded: 0, unhealthy: 100, results: 40, failures: 4, latencyMin: 0.001, latencySum: 0.1, latencyMax: 0.01)]))
        let c = store.snapshot().components[0]
        #expect(c.status == .unhealthy)
        #expect(c.consecutiveFailures == 4)
        #expect(c.since == t0.addingTimeInterval(-20))
        #expect(c.lastCheck == t0.addingTimeInterval(-10))
        #expect(c.lastResult?.message == "connection refused")
        #expect(c.lastResult?.observations == [Observation("server_version", text: "15.2")])
        #expect(c.lastSuccess == t0.addingTimeInterval(-50))
        #expect(c.history.count == 6)
        #expect(c.staleSince == nil)
        let oneHour = try #require(c.uptime.first { $0.window == "1h" })
        #expect(abs(oneHour.ratio - 0.75) < 1e-6, "300 s up of 400 s known, from the hourly roll-up")
        #expect(store.snapshot().counts.unknown == 1, "counted unknown until a fresh result")
        #expect(store.readiness()?.ready == false)
        #expect(store.readiness()?.startupComplete == false)

        store.record(component: "db", result: ProbeResult(success: true, latency: .milliseconds(2), message: "ok"))
        #expect(store.snapshot().components[0].status == .unhealthy, "success_threshold 2 holds over the restart")
        #expect(store.readiness()?.startupComplete == true)
        #expect(store.readiness()?.ready == false)
        #expect(store.snapshot().counts.unhealthy == 1)
        store.record(component: "db", result: ProbeResult(success: true, latency: .milliseconds(2), message: "ok"))
        #expect(store.snapshot().components[0].status == .healthy)
        #expect(store.readiness()?.ready == true)
        #expect(store.snapshot().counts.healthy == 1)
    }

    /// Past 2 x interval + timeout without a result, a component is shown unknown with
    /// `stale: no result since <time>`, never as its last status; a cached snapshot does not
    /// hide it, and the next result ends it.
    @Test func componentTurnsStaleAfterTwoIntervalsAndTimeout() {
        let clock = HealthStoreRestoreTests.wallClock()
        let store = HealthStore(components: [Self.spec("api")], now: { clock.wallNow })
        store.record(component: "api", result: ProbeResult(success: true, latency: .milliseconds(2), message: "ok"))
        let at = clock.wallNow
        clock.advance(by: .seconds(21))
        #expect(store.snapshot().components[0].status == .healthy)
        clock.advance(by: .seconds(1))
        let stale = store.snapshot().components[0]
        #expect(stale.status == .unknown)
        #expect(stale.staleSince == at)
        #expect(stale.lastResult?.message == "stale: no result since \(RFC3339.string(at))")
        store.record(component: "api", result: ProbeResult(success: true, latency: .milliseconds(2), message: "ok"))
        #expect(store.snapshot().components[0].status == .healthy)
        #expect(store.snapshot().components[0].staleSince == nil)
    }

    /// A restored component whose newest result is older than its staleness shows stale at once.
    @Test func restoredResultsFromLongAgoAreStale() {
        let clock = HealthStoreRestoreTests.wallClock()
        let store = HealthStore(components: [Self.spec("api")], now: { clock.wallNow })
        let old = clock.wallNow.addingTimeInterval(-3600)
        store.restore(component: "api", stored: StoredComponent(history: [HistoryEntry(at: old, judgement: .healthy, latency: .milliseconds(1), message: "ok")], transitions: []))
        let c = store.snapshot().components[0]
        #expect(c.status == .unknown)
        #expect(c.staleSince == old)
        #expect(c.history.count == 1)
    }
}

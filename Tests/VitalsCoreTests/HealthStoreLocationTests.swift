import Foundation
import Synchronization
import Testing
import VitalsConfig
@testable import VitalsCore

/// The store in a fleet with locations: this location's hysteresis, then the quorum over every
/// location, is what the component shows, counts, and tells the alerts (one event per change).
struct HealthStoreLocationTests {
    final class Clock: Sendable {
        let date = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func advance(_ seconds: Double) { date.withLock { $0 = $0.addingTimeInterval(seconds) } }
        var now: Date { date.withLock { $0 } }
    }

    /// Interval 10 s, timeout 2 s: stale after 22 s.
    static func spec(failures: Int = 1) -> ComponentSpec {
        ComponentSpec(name: "api", failureThreshold: failures, probe: .tcp(TCPSettings(address: "127.0.0.1:1")))
    }
    static let ok = ProbeResult(success: true, latency: .milliseconds(2), message: "ok")
    static let down = ProbeResult.failure("connection refused")

    static func others(_ statuses: [String: HealthStatus], at date: Date, canary: Set<String> = []) -> [String: [LocationReport]] {
        ["api": statuses.map { LocationReport(location: $0.key, status: $0.value, lastCheck: date, canaryFailed: canary.contains($0.key)) }]
    }

    static func store(_ clock: Clock, failures: Int = 1) -> HealthStore {
        let store = HealthStore(components: [spec(failures: failures)], now: { clock.now })
        store.setLocations(LocationSetup(location: "fra"))
        return store
    }

    @Test func oneFailingLocationIsPartialTwoAreUnhealthy() async {
        let clock = Clock()
        let store = Self.store(clock)
        let events = store.events()
        store.updateLocations(Self.others(["nyc": .healthy, "sgp": .healthy], at: clock.now), canaryFailed: false)
        store.record(component: "api", result: Self.down)
        var c = store.snapshot().components[0]
        #expect(c.status == .degraded)
        #expect(c.verdict?.partial == true)
        #expect(c.verdict?.failing == ["fra"])
        #expect(c.locations.map(\.location) == ["fra", "nyc", "sgp"])
        #expect(c.locations.map(\.status) == [.unhealthy, .healthy, .healthy])
        #expect(store.status == .degraded)
        store.updateLocations(Self.others(["nyc": .unhealthy, "sgp": .healthy], at: clock.now), canaryFailed: false)
        c = store.snapshot().components[0]
        #expect(c.status == .unhealthy)
        #expect(c.verdict?.partial == false)
        #expect(store.status == .unhealthy)
        // The same reports again change nothing: one event per change of the shown status.
        store.updateLocations(Self.others(["nyc": .unhealthy, "sgp": .healthy], at: clock.now), canaryFailed: false)
        var seen: [HealthStatus] = []
        for await e in events {
            if case .component(_, _, let to, _, _) = e { seen.append(to) }
            if seen.count == 2 { break }
        }
        #expect(seen == [.degraded, .unhealthy])
        #expect(store.transitions(component: "api")?.map(\.to) == [.unhealthy, .degraded])
    }

    @Test func thisLocationsHysteresisComesFirst() {
        let clock = Clock()
        let store = Self.store(clock, failures: 2)
        store.updateLocations(Self.others(["nyc": .unhealthy, "sgp": .healthy], at: clock.now), canaryFailed: false)
        store.record(component: "api", result: Self.ok)
        #expect(store.snapshot().components[0].status == .degraded)
        store.record(component: "api", result: Self.down)
        #expect(store.snapshot().components[0].status == .degraded, "one failure of two needed")
        store.record(component: "api", result: Self.down)
        #expect(store.snapshot().components[0].status == .unhealthy)
    }

    @Test func staleLocationsTurnStaleWithTimeAlone() {
        let clock = Clock()
        let store = Self.store(clock)
        let reports = Self.others(["nyc": .unhealthy, "sgp": .unhealthy], at: clock.now)
        store.updateLocations(reports, canaryFailed: false)
        store.record(component: "api", result: Self.ok)
        #expect(store.snapshot().components[0].status == .unhealthy)
        // nyc and sgp stop writing; fra goes on. Past 22 s they are left out, fra alone counts.
        clock.advance(20)
        store.record(component: "api", result: Self.ok)
        store.updateLocations(reports, canaryFailed: false)
        #expect(store.snapshot().components[0].status == .unhealthy)
        clock.advance(3)
        store.updateLocations(reports, canaryFailed: false)
        let c = store.snapshot().components[0]
        #expect(c.status == .healthy)
        #expect(c.verdict?.leftOut.map(\.location) == ["nyc", "sgp"])
    }

    @Test func aFailingCanaryLeavesALocationOut() {
        let clock = Clock()
        let store = Self.store(clock)
        store.record(component: "api", result: Self.ok)
        store.updateLocations(Self.others(["nyc": .unhealthy, "sgp": .healthy], at: clock.now, canary: ["nyc"]), canaryFailed: false)
        #expect(store.snapshot().components[0].status == .healthy)
        // This location's own canary fails: its own report is left out too, and with one fresh
        // location of a quorum of... a majority of one, sgp alone decides.
        store.updateLocations(Self.others(["nyc": .unhealthy, "sgp": .unhealthy], at: clock.now, canary: ["nyc"]), canaryFailed: true)
        let c = store.snapshot().components[0]
        #expect(c.status == .unhealthy)
        #expect(c.verdict?.counted == ["sgp"])
        #expect(c.locations.first { $0.location == "fra" }?.canaryFailed == true)
    }

    @Test func aConfiguredQuorumMoreThanTheFreshLocationsIsUnknown() {
        let clock = Clock()
        let store = HealthStore(components: [Self.spec()], now: { clock.now })
        store.setLocations(LocationSetup(location: "fra", quorum: 3))
        store.record(component: "api", result: Self.ok)
        store.updateLocations(Self.others(["nyc": .healthy], at: clock.now), canaryFailed: false)
        #expect(store.snapshot().components[0].status == .unknown)
        store.updateLocations(Self.others(["nyc": .healthy, "sgp": .healthy], at: clock.now), canaryFailed: false)
        #expect(store.snapshot().components[0].status == .healthy)
    }

    @Test func withoutLocationsNothingChanges() {
        let clock = Clock()
        let store = HealthStore(components: [Self.spec()], now: { clock.now })
        store.record(component: "api", result: Self.down)
        let c = store.snapshot().components[0]
        #expect(c.status == .unhealthy)
        #expect(c.verdict == nil)
        #expect(c.locations.isEmpty)
    }
}

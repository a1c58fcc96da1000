import Foundation
import Testing
import VitalsCore

/// The quorum rule of spec section 14, every branch of it, with no network: each location's
/// status, its freshness, its canary, the configured or majority quorum.
struct LocationVerdictTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    /// 2 x 10 s + 2 s.
    static let staleAfter: Duration = .seconds(22)

    static func report(_ location: String, _ status: HealthStatus, age: Double = 1, canary: Bool = false) -> LocationReport {
        LocationReport(location: location, status: status, lastCheck: now.addingTimeInterval(-age), latency: .milliseconds(5), canaryFailed: canary)
    }

    static func verdict(_ reports: [LocationReport], quorum: Int? = nil) -> LocationVerdict {
        LocationVerdict.combine(reports, staleAfter: staleAfter, quorum: quorum, now: now)
    }

    @Test func allHealthyIsHealthy() {
        let v = Self.verdict([Self.report("fra", .healthy), Self.report("nyc", .healthy), Self.report("sgp", .healthy)])
        #expect(v.status == .healthy)
        #expect(!v.partial)
        #expect(v.failing.isEmpty)
        #expect(v.counted == ["fra", "nyc", "sgp"])
        #expect(v.quorum == 2)
    }

    @Test func oneFailingLocationOfThreeIsPartiallyDegraded() {
        for bad in [HealthStatus.unhealthy, .degraded] {
            let v = Self.verdict([Self.report("fra", .healthy), Self.report("nyc", bad), Self.report("sgp", .healthy)])
            #expect(v.status == .degraded)
            #expect(v.partial)
            #expect(v.failing == ["nyc"])
        }
    }

    @Test func twoUnhealthyOfThreeIsUnhealthy() {
        let v = Self.verdict([Self.report("fra", .unhealthy), Self.report("nyc", .unhealthy), Self.report("sgp", .healthy)])
        #expect(v.status == .unhealthy)
        #expect(!v.partial)
        #expect(v.failing == ["fra", "nyc"])
    }

    @Test func anUnhealthyLocationCountsTowardDegraded() {
        // One unhealthy and one degraded of three: two fail, only one is unhealthy.
        let v = Self.verdict([Self.report("fra", .unhealthy), Self.report("nyc", .degraded), Self.report("sgp", .healthy)])
        #expect(v.status == .degraded)
        #expect(!v.partial)
        #expect(v.failing == ["fra", "nyc"])
    }

    @Test func allUnhealthyIsUnhealthy() {
        let v = Self.verdict([Self.report("fra", .unhealthy), Self.report("nyc", .unhealthy), Self.report("sgp", .unhealthy)])
        #expect(v.status == .unhealthy)
    }

    @Test func aConfiguredQuorumOverridesTheMajority() {
        let three = [Self.report("fra", .unhealthy), Self.report("nyc", .unhealthy), Self.report("sgp", .healthy)]
        let strict = Self.verdict(three, quorum: 3)
        #expect(strict.status == .degraded)
        #expect(strict.partial)
        #expect(strict.quorum == 3)
        let loose = Self.verdict([Self.report("fra", .unhealthy), Self.report("nyc", .healthy), Self.report("sgp", .healthy)], quorum: 1)
        #expect(loose.status == .unhealthy)
        #expect(!loose.partial)
    }

    @Test func aQuorumBelowOneCountsAsOne() {
        let v = Self.verdict([Self.report("fra", .unhealthy), Self.report("nyc", .healthy)], quorum: 0)
        #expect(v.quorum == 1)
        #expect(v.status == .unhealthy)
    }

    @Test func staleLocationsAreLeftOut() {
        // sgp's newest result is older than 2 x interval + timeout: only fra and nyc count, and
        // with a majority of two fresh ones (2), nyc alone failing is partial.
        let v = Self.verdict([Self.report("fra", .healthy), Self.report("nyc", .unhealthy), Self.report("sgp", .unhealthy, age: 23)])
        #expect(v.counted == ["fra", "nyc"])
        #expect(v.leftOut.map(\.location) == ["sgp"])
        #expect(v.leftOut.map(\.reason) == [.stale])
        #expect(v.status == .degraded)
        #expect(v.partial)
        #expect(v.failing == ["nyc"])
    }

    @Test func exactlyStaleAfterIsStillFresh() {
        let v = Self.verdict([Self.report("fra", .healthy, age: 22)])
        #expect(v.status == .healthy)
        #expect(Self.verdict([Self.report("fra", .healthy, age: 22.001)]).status == .unknown)
    }

    @Test func aLocationWithoutAResultIsLeftOut() {
        let none = LocationReport(location: "nyc", status: .unknown, lastCheck: nil)
        let v = Self.verdict([Self.report("fra", .healthy), none])
        #expect(v.counted == ["fra"])
        #expect(v.leftOut.map(\.location) == ["nyc"])
        #expect(v.status == .healthy)
    }

    @Test func aFailingCanaryLeavesTheLocationOut() {
        // nyc's own network fails (its canary too): its unhealthy report does not count.
        let v = Self.verdict([Self.report("fra", .healthy), Self.report("nyc", .unhealthy, canary: true), Self.report("sgp", .healthy)])
        #expect(v.status == .healthy)
        #expect(!v.partial)
        #expect(v.leftOut.map(\.reason) == [.canary])
        #expect(v.counted == ["fra", "sgp"])
        // Two of three blamed on their own networks would otherwise be an outage.
        let two = Self.verdict([
            Self.report("fra", .unhealthy, canary: true), Self.report("nyc", .unhealthy, canary: true), Self.report("sgp", .healthy),
        ])
        #expect(two.status == .healthy)
    }

    @Test func fewerFreshLocationsThanTheQuorumIsUnknown() {
        let v = Self.verdict([Self.report("fra", .unhealthy), Self.report("nyc", .unhealthy, age: 60)], quorum: 2)
        #expect(v.status == .unknown)
        #expect(!v.partial)
        #expect(Self.verdict([]).status == .unknown)
        #expect(Self.verdict([Self.report("fra", .healthy, canary: true)]).status == .unknown)
    }

    @Test func oneLocationIsItsOwnStatus() {
        for s in [HealthStatus.healthy, .degraded, .unhealthy] {
            let v = Self.verdict([Self.report("default", s)])
            #expect(v.status == s)
            #expect(!v.partial)
        }
    }

    @Test func theMajorityFollowsTheFreshCount() {
        // Four fresh: majority 3. Two unhealthy are not enough; two failing are partial.
        let four = ["a", "b", "c", "d"]
        let v = Self.verdict(zip(four, [HealthStatus.unhealthy, .unhealthy, .healthy, .healthy]).map { Self.report($0, $1) })
        #expect(v.quorum == 3)
        #expect(v.status == .degraded)
        #expect(v.partial)
        let w = Self.verdict(zip(four, [HealthStatus.unhealthy, .unhealthy, .degraded, .healthy]).map { Self.report($0, $1) })
        #expect(w.status == .degraded)
        #expect(!w.partial)
    }

    @Test func theReportsOrderDoesNotMatter() {
        let reports = [Self.report("sgp", .healthy), Self.report("fra", .unhealthy), Self.report("nyc", .healthy, age: 99)]
        #expect(Self.verdict(reports) == Self.verdict(reports.reversed()))
    }

    /// Each location applies the component's own hysteresis (the `ComponentState` every
    /// process uses) before the quorum: one failed probe in each of two locations, under a
    /// `failure_threshold` of 2, is not yet an outage.
    @Test func perLocationHysteresisComesFirst() {
        var states = ["fra", "nyc", "sgp"].map { ($0, ComponentState(failureThreshold: 2, successThreshold: 1)) }
        func verdict() -> LocationVerdict {
            Self.verdict(states.map { LocationReport(location: $0.0, state: $0.1, lastCheck: Self.now) })
        }
        for i in states.indices { _ = states[i].1.apply(.healthy) }
        #expect(verdict().status == .healthy)
        _ = states[0].1.apply(.unhealthy)
        _ = states[1].1.apply(.unhealthy)
        #expect(verdict().status == .healthy)
        _ = states[0].1.apply(.unhealthy)
        #expect(verdict().status == .degraded)
        #expect(verdict().partial)
        _ = states[1].1.apply(.unhealthy)
        #expect(verdict().status == .unhealthy)
        _ = states[0].1.apply(.healthy)
        #expect(verdict().status == .degraded)
        #expect(verdict().partial)
    }

    @Test func theSummaryNamesTheFailingLocations() {
        let v = Self.verdict([Self.report("fra", .healthy), Self.report("nyc", .unhealthy), Self.report("sgp", .healthy)])
        #expect(v.summary == "degraded in 1 of 3 locations (nyc)")
        #expect(Self.verdict([]).summary == "unknown: 0 fresh locations, quorum 1")
    }
}

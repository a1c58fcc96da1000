import Testing
import VitalsConfig
@testable import VitalsCore

struct JudgementTests {
    static let latency = Thresholds(["latency": Threshold(degraded: 0.3, unhealthy: 2, unit: .seconds)])
    static let available = Thresholds(["available_percent": Threshold(degraded: 15, unhealthy: 5, direction: .lowerIsWorse, unit: .percent)])

    static func ok(ms: Int64, _ obs: [Observation] = [], reported: HealthStatus? = nil) -> ProbeResult {
        ProbeResult(success: true, latency: .milliseconds(ms), message: "ok", observations: obs, reportedStatus: reported)
    }

    @Test(arguments: [
        (Int64(100), HealthStatus.healthy), (299, .healthy), (300, .degraded), (1999, .degraded), (2000, .unhealthy), (5000, .unhealthy),
    ] as [(Int64, HealthStatus)])
    func latencyHigherIsWorse(ms: Int64, expected: HealthStatus) {
        #expect(Judge.judge(Self.ok(ms: ms), thresholds: Self.latency).status == expected)
    }

    @Test(arguments: [(50.0, HealthStatus.healthy), (15.1, .healthy), (15.0, .degraded), (5.1, .degraded), (5.0, .unhealthy), (0.0, .unhealthy)])
    func availableLowerIsWorse(percent: Double, expected: HealthStatus) {
        let r = Self.ok(ms: 1, [Observation("available_percent", percent)])
        #expect(Judge.judge(r, thresholds: Self.available).status == expected)
    }

    @Test func failureIsUnhealthyWhateverTheThresholds() {
        let j = Judge.judge(.failure("connection refused"), thresholds: Thresholds())
        #expect(j == Judgement(status: .unhealthy, reason: "connection refused"))
    }

    @Test func reportedStatusIsAFloor() {
        #expect(Judge.judge(Self.ok(ms: 1, reported: .degraded), thresholds: Thresholds()).status == .degraded)
        #expect(Judge.judge(Self.ok(ms: 5000, reported: .degraded), thresholds: Self.latency).status == .unhealthy)
        #expect(Judge.judge(Self.ok(ms: 1, reported: .healthy), thresholds: Thresholds()).status == .healthy)
    }

    @Test func worstThresholdWinsAndReasonSaysWhy() {
        var t = Self.latency
        t["used_percent"] = Threshold(degraded: 80, unhealthy: 95, unit: .percent)
        let j = Judge.judge(Self.ok(ms: 350, [Observation("used_percent", 96)]), thresholds: t)
        #expect(j.status == .unhealthy)
        #expect(j.reason == "used_percent 96% above unhealthy 95%")
        let d = Judge.judge(Self.ok(ms: 350), thresholds: Self.latency)
        #expect(d.reason == "latency 350ms above degraded 300ms")
    }

    @Test func missingObservationIsNotJudged() {
        #expect(Judge.judge(Self.ok(ms: 1), thresholds: Self.available).status == .healthy)
    }

    @Test func onlyOneLevelSet() {
        let t = Thresholds(["latency": Threshold(degraded: 0.02, unit: .seconds)])
        #expect(Judge.judge(Self.ok(ms: 10_000), thresholds: t).status == .degraded)
    }

    @Test func timeoutMessage() {
        #expect(ProbeResult.timeout(after: .seconds(2)).message == "timeout after 2s")
        #expect(ProbeResult.timeout(after: .milliseconds(250)).message == "timeout after 250ms")
        #expect(ProbeResult.timeout(after: .milliseconds(1500)).message == "timeout after 1.5s")
        #expect(ProbeResult.timeout(after: .seconds(90)).message == "timeout after 1m30s")
    }
}

struct HysteresisTests {
    typealias S = HealthStatus

    /// Feeds judgements and returns the status after each.
    static func run(_ judgements: [S], failures: Int, successes: Int) -> [S] {
        var state = ComponentState(failureThreshold: failures, successThreshold: successes)
        return judgements.map { j in
            _ = state.apply(j)
            return state.status
        }
    }

    @Test(arguments: [
        // The first result applies at once, whatever it is.
        ([S.unhealthy], 3, 1, [S.unhealthy]),
        ([.degraded], 3, 1, [.degraded]),
        // From healthy, unhealthy only after failure_threshold consecutive failures.
        ([.healthy, .unhealthy, .unhealthy, .unhealthy], 3, 1, [.healthy, .healthy, .healthy, .unhealthy]),
        // A success in between resets the count.
        ([.healthy, .unhealthy, .unhealthy, .healthy, .unhealthy, .unhealthy], 3, 1, [.healthy, .healthy, .healthy, .healthy, .healthy, .healthy]),
        // Degraded applies at once, both ways, and keeps counting failures the same.
        ([.healthy, .degraded, .healthy, .degraded], 3, 1, [.healthy, .degraded, .healthy, .degraded]),
        ([.degraded, .unhealthy, .unhealthy], 2, 1, [.degraded, .degraded, .unhealthy]),
        // Back from unhealthy only after success_threshold consecutive better judgements.
        ([.unhealthy, .healthy, .healthy, .healthy], 3, 3, [.unhealthy, .unhealthy, .unhealthy, .healthy]),
        ([.unhealthy, .healthy, .unhealthy, .healthy, .healthy], 1, 2, [.unhealthy, .unhealthy, .unhealthy, .unhealthy, .healthy]),
        // Recovery lands on the latest judgement, degraded included.
        ([.unhealthy, .healthy, .degraded], 1, 2, [.unhealthy, .unhealthy, .degraded]),
        // failure_threshold 1: the first failure turns it.
        ([.healthy, .unhealthy, .healthy], 1, 1, [.healthy, .unhealthy, .healthy]),
    ])
    func sequences(judgements: [S], failures: Int, successes: Int, expected: [S]) {
        #expect(Self.run(judgements, failures: failures, successes: successes) == expected)
    }

    @Test func transitionsAndCounters() {
        var s = ComponentState(failureThreshold: 2, successThreshold: 1)
        #expect(s.status == .unknown)
        #expect(s.apply(.healthy) == .unknown)
        #expect(s.apply(.unhealthy) == nil)
        #expect(s.consecutiveFailures == 1)
        #expect(s.apply(.unhealthy) == .healthy)
        #expect(s.consecutiveFailures == 2)
        #expect(s.apply(.healthy) == .unhealthy)
        #expect(s.consecutiveFailures == 0)
        #expect(s.consecutiveSuccesses == 1)
    }
}

struct AggregationTests {
    typealias M = Aggregation.Member

    @Test(arguments: [
        ([M(name: "a", critical: true, status: .healthy)], true, HealthStatus.healthy, true),
        ([M(name: "a", critical: true, status: .degraded)], true, .degraded, true),
        ([M(name: "a", critical: true, status: .unhealthy)], true, .unhealthy, false),
        // A non-critical component at worst degrades the service.
        ([M(name: "a", critical: true, status: .healthy), M(name: "b", critical: false, status: .unhealthy)], true, .degraded, true),
        ([M(name: "b", critical: false, status: .degraded)], true, .degraded, true),
        // unknown counts as unhealthy until startup has completed...
        ([M(name: "a", critical: true, status: .unknown)], false, .unhealthy, false),
        ([M(name: "b", critical: false, status: .unknown)], false, .degraded, false),
        // ...and not after (a component added by a reload).
        ([M(name: "a", critical: true, status: .healthy), M(name: "n", critical: true, status: .unknown)], true, .healthy, true),
        ([], true, .healthy, true),
    ])
    func serviceStatusAndReadiness(members: [M], startup: Bool, status: HealthStatus, ready: Bool) {
        let view = Aggregation.readiness(members, startupComplete: startup, draining: false)
        #expect(view.status == status)
        #expect(view.ready == ready)
    }

    /// `vitals check` answers by the same rule, with `unknown` as itself: a critical UNKNOWN is
    /// the answer (exit 3), a non-critical one degrades, and it outranks a critical failure.
    @Test(arguments: [
        ([M(name: "a", critical: true, status: .unknown)], HealthStatus.unknown),
        ([M(name: "a", critical: true, status: .unhealthy), M(name: "b", critical: true, status: .unknown)], .unknown),
        ([M(name: "a", critical: true, status: .healthy), M(name: "b", critical: false, status: .unknown)], .degraded),
        ([M(name: "a", critical: true, status: .healthy), M(name: "b", critical: false, status: .unhealthy)], .degraded),
        ([M(name: "a", critical: true, status: .unhealthy), M(name: "b", critical: false, status: .unknown)], .unhealthy),
    ])
    func checkCountsUnknownAsItself(members: [M], status: HealthStatus) {
        let t = Aggregation.tally(members.map { (critical: $0.critical, status: $0.status) })
        #expect(Aggregation.serviceStatus(critical: t.critical, nonCritical: t.nonCritical, unknown: .asItself) == status)
    }

    @Test func drainingIsNeverReady() {
        let view = Aggregation.readiness([M(name: "a", critical: true, status: .healthy)], startupComplete: true, draining: true)
        #expect(!view.ready)
        #expect(view.checks.last == CheckLine(name: "shutdown", ok: false, detail: "draining", isComponent: false))
        #expect(view.failing.isEmpty)
    }

    @Test func failingListsCriticalComponentsOnly() {
        let view = Aggregation.readiness(
            [M(name: "db", critical: true, status: .unhealthy), M(name: "cache", critical: false, status: .unhealthy)],
            startupComplete: true, draining: false)
        #expect(view.failing == ["db"])
        #expect(view.checks.map(\.detail) == ["unhealthy", "unhealthy (non-critical)"])
    }
}

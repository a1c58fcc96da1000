import Foundation
import Synchronization
import Testing
import VitalsConfig
@testable import VitalsCore

struct HealthStoreTests {
    static func spec(_ name: String, critical: Bool = true, groups: [String] = [], history: Int = 3, failures: Int = 2) -> ComponentSpec {
        ComponentSpec(
            name: name, critical: critical, groups: groups, failureThreshold: failures, history: history,
            probe: .tcp(TCPSettings(address: "127.0.0.1:1")))
    }
    static let ok = ProbeResult(success: true, latency: .milliseconds(2), message: "ok")
    static let down = ProbeResult.failure("connection refused")

    /// A reload that changes only thresholds keeps the component (same probe) and its history,
    /// and judges the next result by the new thresholds.
    @Test func reloadWithNewThresholdsJudgesTheNextResultByThem() {
        var spec = Self.spec("a", failures: 1)
        spec.thresholds = Thresholds(["latency": Threshold(degraded: 0.1, unhealthy: 1, unit: .seconds)])
        let store = HealthStore(components: [spec])
        let slowish = ProbeResult(success: true, latency: .milliseconds(50), message: "ok")
        store.record(component: "a", result: slowish)
        #expect(store.snapshot().components[0].status == .healthy)
        spec.thresholds = Thresholds(["latency": Threshold(degraded: 0.01, unhealthy: 1, unit: .seconds)])
        store.update(components: [spec])
        #expect(store.snapshot().components[0].status == .healthy, "the state is kept over the reload")
        #expect(store.snapshot().components[0].history.count == 1, "the history is kept over the reload")
        store.record(component: "a", result: slowish)
        #expect(store.snapshot().components[0].status == .degraded)
    }

    @Test func startupCompletesWhenEveryComponentHasAResult() {
        let store = HealthStore(components: [Self.spec("a"), Self.spec("b")])
        #expect(store.readiness()?.ready == false)
        #expect(store.readiness()?.startupComplete == false)
        store.record(component: "a", result: Self.ok)
        #expect(store.readiness()?.startupComplete == false)
        store.record(component: "b", result: Self.ok)
        #expect(store.readiness()?.startupComplete == true)
        #expect(store.readiness()?.ready == true)
        #expect(store.snapshot().counts.healthy == 2)
    }

    @Test func historyIsBoundedAndCountersCount() {
        let store = HealthStore(components: [Self.spec("a", history: 3)])
        for _ in 0..<5 { store.record(component: "a", result: Self.ok) }
        store.record(component: "a", result: Self.down)
        let c = store.snapshot().components[0]
        #expect(c.history.count == 3)
        #expect(c.history.last?.judgement == .unhealthy)
        #expect(c.counters.successes == 5)
        #expect(c.counters.failures == 1)
        #expect(c.counters.duration.count == 6)
        #expect(c.consecutiveFailures == 1)
        #expect(c.status == .healthy)  // failure_threshold 2
        #expect(c.uptime.first?.window == "1h")
        // Time-weighted over the status, not a share of results: the one failure did not turn
        // the status (failure_threshold 2), so all the time was up.
        #expect(c.uptime.first?.ratio == 1)
    }

    @Test func snapshotIsCachedUntilTheNextChange() {
        let store = HealthStore(components: [Self.spec("a")])
        store.record(component: "a", result: Self.ok)
        let s1 = store.snapshot()
        #expect(store.snapshot().generation == s1.generation)
        store.record(component: "a", result: Self.ok)
        #expect(store.snapshot().generation > s1.generation)
        #expect(store.snapshot().components[0].counters.successes == 2)
    }

    @Test func statusGenerationMovesOnlyWithStatus() {
        let store = HealthStore(components: [Self.spec("a")])
        store.record(component: "a", result: Self.ok)
        let g = store.statusGeneration
        store.record(component: "a", result: Self.ok)
        #expect(store.statusGeneration == g)
        store.setDraining()
        #expect(store.statusGeneration > g)
        #expect(store.readiness()?.ready == false)
    }

    @Test func degradedMessageSaysWhy() {
        var s = Self.spec("a")
        s.thresholds["latency"] = Threshold(degraded: 0.001, unit: .seconds)
        let store = HealthStore(components: [s])
        store.record(component: "a", result: Self.ok)
        #expect(store.snapshot().components[0].status == .degraded)
        #expect(store.snapshot().components[0].lastResult?.message == "ok; latency 2ms above degraded 1ms")
    }

    @Test func groupsAndExclusions() {
        let store = HealthStore(components: [Self.spec("db", groups: ["core"]), Self.spec("cache")])
        store.record(component: "db", result: Self.ok)
        store.record(component: "cache", result: Self.down)
        #expect(store.readiness()?.ready == false)
        #expect(store.readiness(group: "core")?.ready == true)
        #expect(store.readiness(group: "nope") == nil)
        #expect(store.readiness(excluding: ["cache"])?.ready == true)
    }

    @Test func reloadKeepsUnchangedComponentsAndDropsRemovedOnes() {
        let store = HealthStore(components: [Self.spec("a"), Self.spec("b")])
        store.record(component: "a", result: Self.ok)
        store.record(component: "b", result: Self.ok)
        var a2 = Self.spec("a")
        a2.critical = false  // not a probe setting: state is kept
        var c = Self.spec("c")
        c.probe = .tcp(TCPSettings(address: "127.0.0.1:2"))
        store.update(components: [a2, c])
        let snap = store.snapshot()
        #expect(snap.components.map(\.name) == ["a", "c"])
        #expect(snap.components[0].counters.successes == 1)
        #expect(snap.components[0].spec.critical == false)
        #expect(snap.components[1].status == .unknown)
        // Startup stays complete: a new component does not make a running service unready.
        #expect(store.readiness()?.ready == true)
        #expect(store.record(component: "b", result: Self.ok) == nil)
    }

    @Test func eventsReportTransitions() async {
        let store = HealthStore(components: [Self.spec("a", failures: 1)])
        let events = store.events()
        store.record(component: "a", result: Self.ok)
        store.record(component: "a", result: Self.down)
        // Bounded: a missing event fails the test instead of waiting for it for ever.
        let seen = await withTaskGroup(of: [HealthEvent]?.self) { group in
            group.addTask {
                var seen: [HealthEvent] = []
                for await e in events {
                    seen.append(e)
                    if seen.count == 4 { break }
                }
                return seen
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? []
        }
        #expect(seen.count == 4, "events: \(seen)")
        guard seen.count == 4 else { return }
        guard case .component(let name, .unknown, .healthy, _, _) = seen[0] else { Issue.record("\(seen)"); return }
        #expect(name == "a")
        guard case .service(.unhealthy, .healthy, _) = seen[1] else { Issue.record("\(seen)"); return }
        guard case .component(_, .healthy, .unhealthy, _, "connection refused") = seen[2] else { Issue.record("\(seen)"); return }
        guard case .service(.healthy, .unhealthy, _) = seen[3] else { Issue.record("\(seen)"); return }
    }

    @Test func livenessFollowsTheHeartbeat() {
        let stalled = HealthStore(components: [], stallAfter: .zero)
        #expect(!stalled.liveness().live)
        let fresh = HealthStore(components: [], stallAfter: .seconds(60))
        fresh.heartbeat()
        #expect(fresh.liveness().live)
        #expect(fresh.liveness().checks.map(\.name) == ["scheduler"])
        #expect(fresh.liveness().checks.first?.ok == true)
        #expect(stalled.liveness().checks.first?.ok == false)
    }

    /// The O(1) status from tallies must always equal the pure aggregation over members.
    @Test(arguments: [1, 2, 3, 4, 5])
    func incrementalStatusMatchesAggregation(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let specs = (0..<12).map { i in Self.spec("c\(i)", critical: rng.next() % 3 != 0, failures: Int(rng.next() % 3) + 1) }
        let store = HealthStore(components: specs)
        let results = [Self.ok, Self.down, ProbeResult(success: true, latency: .milliseconds(1), message: "ok", reportedStatus: .degraded)]
        for step in 0..<400 {
            let name = specs[Int(rng.next() % UInt64(specs.count))].name
            store.record(component: name, result: results[Int(rng.next() % 3)])
            if step == 200 {
                var changed = specs
                changed[0].critical.toggle()
                store.update(components: changed + [Self.spec("late")])
            }
            let snap = store.snapshot()
            let members = snap.components.map { Aggregation.Member(name: $0.name, critical: $0.spec.critical, status: $0.status) }
            #expect(store.status == Aggregation.serviceStatus(members, startupComplete: snap.startupComplete), "step \(step)")
            #expect(store.readiness()?.status == store.status)
        }
    }

    /// Time-weighted (spec section 4): results every 10 s, healthy for 30 minutes, then
    /// unhealthy for 30; then nothing for a day, which is unknown, not down.
    @Test func uptimeWindows() {
        var u = UptimeWindow()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 600))
        for k in 0..<360 { u.record(at: t0.addingTimeInterval(Double(k * 10)), status: k < 180 ? .healthy : .unhealthy, staleAfter: .seconds(25)) }
        let end = t0.addingTimeInterval(3590)
        // 1,800 s up (180 gaps) and 1,790 s down (179 gaps) before the last result.
        #expect(abs((u.ratio(over: 3600, at: end) ?? -1) - 1800.0 / 3590) < 1e-6)
        // The last (unhealthy) status holds up to its staleness, then nothing is known.
        let later = end.addingTimeInterval(600)
        #expect(abs((u.ratio(over: 86_400, at: later) ?? -1) - 1800.0 / 3615) < 1e-6)
        #expect(u.ratio(over: 3600, at: end.addingTimeInterval(86_400 * 2)) == nil)
        var pending = UptimeWindow()
        pending.record(at: t0, status: .unknown, staleAfter: .seconds(25))
        #expect(pending.ratio(over: 3600, at: t0.addingTimeInterval(10)) == nil)
    }
}

/// A small deterministic generator for property tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

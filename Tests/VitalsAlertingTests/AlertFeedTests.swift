import Synchronization
import Testing
import VitalsConfig
import VitalsCore
import VitalsTestSupport

@testable import VitalsAlerting

/// The loop that shows alerting the store (`AlertFeed`), on a manual clock: each test waits
/// for the loop to go to sleep (`nextSleep`), so every look it makes is one the test caused.
struct AlertFeedTests {
    static let down = AlertRuleSpec(name: "db-down", on: .component("db"), when: .unhealthy, notify: ["ops"])
    static let slow = AlertRuleSpec(name: "db-slow", on: .component("db"), when: .degraded, notify: ["ops"], threshold: "latency")
    static let ok = ProbeResult(success: true, latency: .milliseconds(2), message: "ok")

    /// A feed over a store with one component `db`, recording what it observes.
    final class Harness: Sendable {
        let clock = ManualClock()
        let store: HealthStore
        /// What the feed observed, and the scope it is told.
        final class Record: Sendable {
            let observed = Mutex<[AlertInput]>([])
            let scope = Mutex(AlertInput.ServiceScope.own)
        }
        let record: Record
        let feed: AlertFeed<ManualClock>
        let task: Task<Void, Never>

        init(rules: [AlertRuleSpec]) async {
            var spec = ComponentSpec(name: "db", failureThreshold: 1, probe: .tcp(TCPSettings(address: "127.0.0.1:1")))
            spec.thresholds = Thresholds(["latency": Threshold(degraded: 0.5, unhealthy: 1, unit: .seconds)])
            store = HealthStore(components: [spec])
            let record = Record()
            self.record = record
            feed = AlertFeed(
                store: store, clock: clock, rules: { rules }, scope: { record.scope.withLock { $0 } },
                observe: { input in record.observed.withLock { $0.append(input) } })
            let feed = feed
            task = Task { await feed.run() }
            await clock.nextSleep()  // the first look is done
        }

        var count: Int { record.observed.withLock { $0.count } }
        var last: AlertInput? { record.observed.withLock { $0.last } }

        /// One period passes and the loop has looked and gone to sleep again.
        func tick() async {
            clock.advance(by: AlertFeed<ManualClock>.period)
            await clock.nextSleep()
        }

        func stop() async {
            task.cancel()
            await task.value
        }
    }

    @Test func aStatusChangeIsObservedAtTheNextLookWithItsStart() async {
        let h = await Harness(rules: [Self.down])
        #expect(h.count == 1, "the first look shows the start state")
        h.store.record(component: "db", result: .failure("connection refused"))
        #expect(await eventually { h.feed.changes.withLock { $0.components["db"] } != nil }, "the event is taken in")
        #expect(h.count == 1, "nothing is observed between looks")
        await h.tick()
        #expect(h.count == 2)
        let db = h.last?.component(named: "db")
        #expect(db?.status == .unhealthy)
        #expect(db?.previous == .unknown, "previous_status comes from the event")
        await h.tick()
        #expect(h.count == 2, "no change, no look")
        await h.stop()
    }

    @Test func withoutRulesNothingIsBuilt() async {
        let h = await Harness(rules: [])
        h.store.record(component: "db", result: .failure("connection refused"))
        for _ in 0..<8 { await h.tick() }
        #expect(h.count == 0)
        await h.stop()
    }

    /// Sharded: the other shards' components change without events here, so a look every
    /// second; and one at once when the service lock moves.
    @Test func shardedLooksEverySecondAndWhenTheLockMoves() async {
        let h = await Harness(rules: [Self.down])
        h.record.scope.withLock { $0 = .elsewhere }
        await h.tick()
        #expect(h.count == 2, "the scope changed")
        for _ in 0..<3 { await h.tick() }
        #expect(h.count == 2, "less than a second since the last look")
        await h.tick()
        #expect(h.count == 3, "a second since the last look")
        #expect(h.last?.evaluatesService == false)
        h.record.scope.withLock { $0 = .all }
        await h.tick()
        #expect(h.count == 4, "the lock moved here")
        #expect(h.last?.evaluatesService == true)
        await h.stop()
    }

    @Test func unshardedWithoutChangesDoesNotLookAgain() async {
        let h = await Harness(rules: [Self.down])
        for _ in 0..<8 { await h.tick() }
        #expect(h.count == 1)
        await h.stop()
    }

    /// A result that changes no status is looked at only when a threshold rule reads it.
    @Test func thresholdRulesLookAtEveryResult() async {
        for (rules, looks) in [([Self.down], 0), ([Self.slow], 1)] {
            let h = await Harness(rules: rules)
            h.store.record(component: "db", result: Self.ok)
            #expect(await eventually { h.feed.changes.withLock { $0.components["db"] } != nil }, "the first result's event is taken in")
            await h.tick()
            let before = h.count
            h.store.record(component: "db", result: Self.ok)
            await h.tick()
            #expect(h.count - before == looks, "\(rules.map(\.name))")
            await h.stop()
        }
    }
}

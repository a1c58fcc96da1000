import Foundation
import Synchronization
import Testing
import VitalsTestSupport
import VitalsConfig
@testable import VitalsCore

/// The scheduler under a manual clock: every step is an explicit `advance`, never a sleep.
struct SchedulerTests {
    typealias Instant = ManualClock.Instant

    static func spec(_ name: String, interval: Duration = .seconds(10), timeout: Duration = .seconds(1)) -> ComponentSpec {
        ComponentSpec(
            name: name, interval: interval, timeout: timeout, failureThreshold: 1, probe: .tcp(TCPSettings(address: "127.0.0.1:1")))
    }

    static func first(_ name: String, interval: Duration = .seconds(10)) -> Instant {
        Instant(offset: Scheduler<ManualClock>.firstOffset(name: name, interval: interval))
    }

    struct Harness {
        let clock = ManualClock()
        let store: HealthStore
        let scheduler: Scheduler<ManualClock>
        let task: Task<Void, Never>

        init(_ components: [ScheduledComponent], cap: Int = 64) {
            store = HealthStore(components: components.map(\.spec))
            scheduler = Scheduler(clock: clock, store: store, maxConcurrentProbes: cap, heartbeatInterval: .seconds(3600))
            scheduler.update(components)
            let s = scheduler
            task = Task { await s.run() }
        }

        /// Yields until the scheduler has planned `name`'s next start at `instant`.
        func planned(_ name: String, at instant: Instant) async -> Bool {
            await eventually { scheduler.plannedStart(of: name) == instant }
        }

        func successes(_ name: String) -> UInt64 { store.snapshot().component(named: name)?.counters.successes ?? 0 }
        func failures(_ name: String) -> UInt64 { store.snapshot().component(named: name)?.counters.failures ?? 0 }
    }

    @Test func firstRunsSpreadWithinTheFirstFiveSeconds() {
        for interval in [Duration.seconds(10), .seconds(3600)] {
            var perSecond = [Int](repeating: 0, count: 5)
            for i in 0..<1000 {
                let o = Scheduler<ManualClock>.firstOffset(name: "component-\(i)", interval: interval)
                #expect(o >= .zero && o < .seconds(5))
                perSecond[Int(o.components.seconds)] += 1
            }
            // Spread, not bunched: each second of the window gets its share, give or take.
            #expect(perSecond.allSatisfy { (140...260).contains($0) }, "\(perSecond)")
        }
        // Shorter than the window: within its own interval.
        for i in 0..<1000 {
            let o = Scheduler<ManualClock>.firstOffset(name: "component-\(i)", interval: .seconds(2))
            #expect(o >= .zero && o < .seconds(2))
        }
        // Stable: the same name always lands at the same place.
        #expect(Scheduler<ManualClock>.firstOffset(name: "db", interval: .seconds(10)) == Scheduler<ManualClock>.firstOffset(name: "db", interval: .seconds(10)))
    }

    /// An hourly component and a 2 s one under the manual clock: each first runs within
    /// min(interval, 5s) of the start, then at whole intervals after that first planned start.
    @Test func longIntervalsStartWithinFiveSecondsAndDoNotDrift() async {
        let hourly = FakeProbe()
        let fast = FakeProbe()
        let h = Harness([
            ScheduledComponent(spec: Self.spec("hourly", interval: .seconds(3600)), probe: hourly),
            ScheduledComponent(spec: Self.spec("fast", interval: .seconds(2)), probe: fast),
        ])
        defer { h.task.cancel() }
        let start = Instant(offset: .zero)
        let firstHourly = Self.first("hourly", interval: .seconds(3600))
        let firstFast = Self.first("fast", interval: .seconds(2))
        #expect(await h.planned("fast", at: firstFast))
        #expect(await h.planned("hourly", at: firstHourly))
        // The first runs happen by the end of their windows, at the latest.
        h.clock.advance(to: start.advanced(by: .seconds(2)))
        #expect(await eventually { h.successes("fast") == 1 })
        h.clock.advance(to: start.advanced(by: .seconds(5)))
        #expect(await eventually { h.successes("hourly") == 1 })
        // No drift: later starts are planned at whole intervals after the first planned one.
        #expect(await h.planned("hourly", at: firstHourly.advanced(by: .seconds(3600))))
        var n = 1
        while firstFast.advanced(by: .seconds(2 * n)) <= h.clock.now { n += 1 }
        #expect(await h.planned("fast", at: firstFast.advanced(by: .seconds(2 * n))))
        #expect(h.successes("hourly") == 1)
    }

    @Test func runsOnItsIntervalWithoutDrift() async {
        let probe = FakeProbe()
        let h = Harness([ScheduledComponent(spec: Self.spec("a"), probe: probe)])
        defer { h.task.cancel() }
        let t = Self.first("a")
        #expect(await h.clock.waitForSleeper(at: t))
        h.clock.advance(to: t)
        #expect(await eventually { h.successes("a") == 1 })
        for n in 1...5 {
            let next = t.advanced(by: .seconds(10 * n))
            #expect(await h.clock.waitForSleeper(at: next))
            #expect(h.successes("a") == UInt64(n))
            h.clock.advance(to: next)
            #expect(await eventually { h.successes("a") == UInt64(n + 1) })
        }
        #expect(probe.runs.load(ordering: .relaxed) == 6)
        // Started exactly when planned: zero lag.
        #expect(h.store.schedulerLag().count == 6)
        #expect(h.store.schedulerLag().sum == 0)
    }

    @Test func manyComponentsEachRunOncePerInterval() async {
        let probes = (0..<300).map { _ in FakeProbe() }
        let components = probes.enumerated().map { i, p in ScheduledComponent(spec: Self.spec("m\(i)"), probe: p) }
        let h = Harness(components, cap: 16)
        defer { h.task.cancel() }
        for c in components { #expect(await h.planned(c.spec.name, at: Self.first(c.spec.name))) }
        for round in 1...3 {
            h.clock.advance(by: .seconds(10))
            #expect(await eventually { probes.allSatisfy { $0.runs.load(ordering: .relaxed) == round } })
            // Each is back in line for its next start, one interval after the last.
            for c in components {
                #expect(await h.planned(c.spec.name, at: Self.first(c.spec.name).advanced(by: .seconds(10 * round))))
            }
        }
        #expect(probes.map { $0.maxInFlight.load(ordering: .relaxed) }.allSatisfy { $0 == 1 })
        #expect(h.store.snapshot().components.allSatisfy { $0.counters.skippedRuns == 0 })
    }

    @Test func lateStartIsRecordedAsLag() async {
        let h = Harness([ScheduledComponent(spec: Self.spec("a"), probe: FakeProbe())])
        defer { h.task.cancel() }
        let t = Self.first("a")
        #expect(await h.clock.waitForSleeper(at: t))
        h.clock.advance(to: t.advanced(by: .milliseconds(40)))
        #expect(await eventually { h.successes("a") == 1 })
        #expect(abs(h.store.schedulerLag().sum - 0.040) < 1e-9)
    }

    @Test func hungProbeTimesOutAtItsDeadlineAndDoesNotDelayOthers() async {
        let gate = Gate()
        let hung = FakeProbe(gate: gate)
        let fast = FakeProbe()
        let h = Harness([
            ScheduledComponent(spec: Self.spec("hung", interval: .seconds(10), timeout: .seconds(2)), probe: hung),
            ScheduledComponent(spec: Self.spec("fast", interval: .seconds(1), timeout: .milliseconds(500)), probe: fast),
        ])
        defer {
            gate.open()
            h.task.cancel()
        }
        let t = Self.first("hung")
        #expect(await h.planned("hung", at: t))
        #expect(await h.planned("fast", at: Self.first("fast", interval: .seconds(1))))
        h.clock.advance(to: t)
        #expect(await eventually { gate.waiting == 1 })
        // Nothing is recorded before the deadline...
        #expect(h.failures("hung") == 0)
        let deadline = t.advanced(by: .seconds(2))
        #expect(await h.clock.waitForSleeper(at: deadline))
        h.clock.advance(to: deadline)
        // ...and at the deadline the timeout is judged, while the probe still hangs.
        #expect(await eventually { h.failures("hung") == 1 })
        let c = h.store.snapshot().component(named: "hung")!
        #expect(c.lastResult?.message == "timeout after 2s")
        #expect(c.status == .unhealthy)
        #expect(gate.waiting == 1)
        // The fast component keeps its schedule meanwhile: step through 30 of its intervals.
        let before = h.successes("fast")
        var at = Self.first("fast", interval: .seconds(1))
        while at <= h.clock.now { at = at.advanced(by: .seconds(1)) }
        for _ in 0..<30 {
            #expect(await h.planned("fast", at: at))
            h.clock.advance(to: at)
            at = at.advanced(by: .seconds(1))
        }
        #expect(await eventually { h.successes("fast") == before + 30 })
        // The hung probe has not run again (no overlap with itself). Each start that passed while
        // it hung (t+10, t+20, t+30) is skipped and judged a failure: the status cannot go stale.
        #expect(hung.runs.load(ordering: .relaxed) == 1)
        #expect(await eventually { h.store.snapshot().component(named: "hung")!.counters.skippedRuns == 3 })
        let stale = h.store.snapshot().component(named: "hung")!
        #expect(stale.counters.failures == 4)
        #expect(stale.lastResult?.message.hasPrefix("previous run still hung") == true)
        // Once it ends, the next planned start runs it again: no burst of catch-up runs.
        gate.open()
        let next = t.advanced(by: .seconds(40))
        #expect(await h.planned("hung", at: next))
        #expect(hung.runs.load(ordering: .relaxed) == 1)
        h.clock.advance(to: next)
        #expect(await eventually { hung.runs.load(ordering: .relaxed) == 2 })
    }

    /// A probe whose blocking job, left behind by an earlier run at its deadline, has not
    /// returned (`Probe.blockedSince`): each planned start is skipped and judged a failure
    /// without running the probe (so without taking another thread), until the job returns.
    @Test func blockedProbeIsSkippedWithoutRunning() async {
        let blocked = FakeProbe()
        blocked.blocked.withLock { $0 = .now - .seconds(100) }
        let h = Harness([ScheduledComponent(spec: Self.spec("blocked"), probe: blocked)])
        defer { h.task.cancel() }
        let t = Self.first("blocked")
        #expect(await h.planned("blocked", at: t))
        h.clock.advance(to: t)
        #expect(await h.planned("blocked", at: t.advanced(by: .seconds(10))))
        #expect(blocked.runs.load(ordering: .relaxed) == 0)
        let c = h.store.snapshot().component(named: "blocked")!
        #expect(c.counters.skippedRuns == 1)
        #expect(c.counters.failures == 1)
        let message = c.lastResult?.message ?? ""
        #expect(message.hasPrefix("previous run still hung 1") && message.hasSuffix("s after it started"), "\(message)")
        // The job returned: the next start runs the probe.
        blocked.blocked.withLock { $0 = nil }
        h.clock.advance(to: t.advanced(by: .seconds(10)))
        #expect(await eventually { h.successes("blocked") == 1 })
        #expect(blocked.runs.load(ordering: .relaxed) == 1)
        #expect(h.store.snapshot().component(named: "blocked")!.counters.skippedRuns == 1)
    }

    @Test func inFlightCapIsRespected() async {
        let gate = Gate()
        let probes = (0..<4).map { _ in FakeProbe(gate: gate) }
        let components = probes.enumerated().map { i, p in
            ScheduledComponent(spec: Self.spec("c\(i)", interval: .seconds(10), timeout: .seconds(5)), probe: p)
        }
        let h = Harness(components, cap: 2)
        defer {
            gate.open()
            h.task.cancel()
        }
        for c in components { #expect(await h.planned(c.spec.name, at: Self.first(c.spec.name))) }
        h.clock.advance(by: .seconds(9))
        #expect(await eventually { gate.waiting == 2 })
        for _ in 0..<1000 { await Task.yield() }
        #expect(gate.waiting == 2)
        gate.open()
        #expect(await eventually { probes.allSatisfy { $0.runs.load(ordering: .relaxed) == 1 } })
        #expect(probes.map { $0.maxInFlight.load(ordering: .relaxed) }.allSatisfy { $0 == 1 })
    }

    @Test func waitingForTheInFlightCapCountsAsLag() async {
        let gate = Gate()
        let first = FakeProbe(gate: gate)
        let second = FakeProbe()
        // Two components whose first starts are close; with a cap of one the second waits.
        let specs = [Self.spec("w0", timeout: .seconds(5)), Self.spec("w1", timeout: .seconds(5))]
            .sorted { Self.first($0.name) < Self.first($1.name) }
        let h = Harness([ScheduledComponent(spec: specs[0], probe: first), ScheduledComponent(spec: specs[1], probe: second)], cap: 1)
        defer {
            gate.open()
            h.task.cancel()
        }
        let t0 = Self.first(specs[0].name)
        let t1 = Self.first(specs[1].name)
        #expect(await h.planned(specs[0].name, at: t0))
        #expect(await h.planned(specs[1].name, at: t1))
        h.clock.advance(to: t0)
        #expect(await eventually { gate.waiting == 1 })
        h.clock.advance(to: t1)
        // The second is due but holds no permit: it has not run, and 3 s pass while it waits.
        h.clock.advance(by: .seconds(3))
        for _ in 0..<200 { await Task.yield() }
        #expect(second.runs.load(ordering: .relaxed) == 0)
        let waitedUntil = h.clock.now
        gate.open()
        #expect(await eventually { second.runs.load(ordering: .relaxed) == 1 })
        // Lag: the first started on time, the second late by the whole wait for the permit.
        let lag = h.store.schedulerLag()
        #expect(lag.count == 2)
        let expected = t1.duration(to: waitedUntil).seconds
        #expect(abs(lag.sum - expected) < 1e-9, "lag \(lag.sum) s, expected \(expected) s")
    }

    /// Liveness is the scheduler's heartbeat on the same cooperative pool the probes use: when a
    /// blocking call starves that pool, `/health/live` fails, and it recovers when the pool does.
    @Test func livenessFailsWhileTheCooperativePoolIsStarved() async {
        let store = HealthStore(components: [], stallAfter: .milliseconds(300))
        let scheduler = Scheduler(clock: ContinuousClock(), store: store, maxConcurrentProbes: 4, heartbeatInterval: .milliseconds(20))
        let task = Task { await scheduler.run() }
        defer { task.cancel() }
        #expect(await eventually { store.liveness().live })
        // A watcher off the pool: it releases the blockers once it has seen liveness fail, or
        // after 10 s (then the expectation below fails instead of the test hanging).
        let release = Flag()
        let sawStall = Flag()
        let watcher = Thread {
            let until = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < until {
                if !store.liveness().live {
                    sawStall.set()
                    break
                }
                usleep(5_000)
            }
            release.set()
        }
        watcher.start()
        // More blocking tasks than the pool has threads: every thread is held by one.
        let width = ProcessInfo.processInfo.activeProcessorCount * 2
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<width {
                group.addTask { while !release.isSet { usleep(1_000) } }
            }
        }
        #expect(sawStall.isSet)
        #expect(store.liveness().checks.first?.detail.hasPrefix("no scheduler progress") == true || store.liveness().live)
        #expect(await eventually { store.liveness().live })
    }

    @Test func probesStuckPastTheirTimeoutDoNotUseUpTheCap() async {
        let gate = Gate()
        let stuck = FakeProbe(gate: gate)
        let other = FakeProbe()
        let h = Harness(
            [
                ScheduledComponent(spec: Self.spec("stuck", timeout: .seconds(1)), probe: stuck),
                ScheduledComponent(spec: Self.spec("other", timeout: .seconds(1)), probe: other),
            ], cap: 1)
        defer {
            gate.open()
            h.task.cancel()
        }
        let ts = Self.first("stuck")
        #expect(await h.planned("stuck", at: ts))
        #expect(await h.planned("other", at: Self.first("other")))
        // Whatever `other` did before, `stuck` now runs, hangs in its "C call" and times out.
        h.clock.advance(to: ts)
        #expect(await eventually { gate.waiting == 1 })
        #expect(await h.clock.waitForSleeper(at: ts.advanced(by: .seconds(1))))
        h.clock.advance(to: ts.advanced(by: .seconds(1)))
        #expect(await eventually { h.failures("stuck") == 1 })
        #expect(gate.waiting == 1)
        // With a cap of one, `other` still gets its next run: the stuck probe gave its permit back.
        let before = other.runs.load(ordering: .relaxed)
        var at = Self.first("other")
        while at <= h.clock.now { at = at.advanced(by: .seconds(10)) }
        #expect(await h.planned("other", at: at))
        h.clock.advance(to: at)
        #expect(await eventually { other.runs.load(ordering: .relaxed) == before + 1 })
    }

    @Test func cancellationAnswersAtOnce() async {
        let gate = Gate()
        let clock = ManualClock()
        let run = Task { await ProbeRun.run(FakeProbe(gate: gate), timeout: .seconds(60), clock: clock).result }
        #expect(await eventually { gate.waiting == 1 })
        run.cancel()
        let result = await run.value  // no clock advance, no gate opening: it must still return
        #expect(result.message == "cancelled")
        gate.open()
    }

    @Test func updateStartsNewStopsRemovedAndKeepsUnchanged() async {
        let a = FakeProbe()
        let b = FakeProbe()
        let h = Harness([ScheduledComponent(spec: Self.spec("a"), probe: a), ScheduledComponent(spec: Self.spec("b"), probe: b)])
        defer { h.task.cancel() }
        #expect(await h.planned("a", at: Self.first("a")))
        #expect(await h.planned("b", at: Self.first("b")))
        let c = FakeProbe()
        h.store.update(components: [Self.spec("a"), Self.spec("c")])
        h.scheduler.update([ScheduledComponent(spec: Self.spec("a"), probe: a), ScheduledComponent(spec: Self.spec("c"), probe: c)])
        #expect(h.scheduler.scheduled == ["a", "c"])
        let firstC = h.clock.now.advanced(by: Scheduler<ManualClock>.firstOffset(name: "c", interval: .seconds(10)))
        #expect(await h.planned("c", at: firstC))
        h.clock.advance(by: .seconds(10))
        #expect(await eventually { a.runs.load(ordering: .relaxed) == 1 && c.runs.load(ordering: .relaxed) == 1 })
        for _ in 0..<1000 { await Task.yield() }
        #expect(b.runs.load(ordering: .relaxed) == 0)
    }

    @Test func cancellationStopsEverything() async {
        let h = Harness([ScheduledComponent(spec: Self.spec("a"), probe: FakeProbe())])
        #expect(await h.clock.waitForSleeper(at: Self.first("a")))
        h.task.cancel()
        await h.task.value
        #expect(h.clock.sleeperDeadlines.isEmpty)
    }
}

/// A flag one thread sets and others read; shared by reference so a `Thread` can hold it.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

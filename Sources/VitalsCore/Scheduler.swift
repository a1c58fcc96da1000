import Synchronization
import VitalsConfig

/// A component and the probe that checks it.
public struct ScheduledComponent: Sendable {
    public var spec: ComponentSpec
    public var probe: any Probe
    public init(spec: ComponentSpec, probe: any Probe) {
        self.spec = spec
        self.probe = probe
    }
}

/// Runs every component's probe on its own interval and hands results to the store.
///
/// - One dispatcher sleeps until the earliest planned start of all components and starts what
///   is due, each run in a short-lived task. A component between runs is an entry in a heap, not
///   a task: ten thousand idle loops would keep ten thousand task stacks (about 4 KiB each).
/// - The next planned start is the previous planned start plus the interval, so schedules do
///   not drift.
/// - First runs are spread by a stable hash of the name over the first `min(interval, 5s)`
///   (`firstRunWindow`), so thousands of components do not start at once, yet startup completes
///   within about 5 s plus the longest timeout even when intervals are an hour: a kubelet's
///   startupProbe must not wait for the longest interval. Later runs follow the first planned
///   start at whole intervals.
/// - A probe never overlaps with itself: a component is out of the heap while its run is in
///   flight; a planned start that passes meanwhile is skipped and counted, never made up with a
///   burst of catch-up runs.
/// - A probe that exceeds its timeout is judged at the deadline (`ProbeRun`); a hung probe costs
///   only its own component's schedule. Probes that end by their deadline on their own are
///   watched by one backstop swept with the heartbeat, not by a timer each.
/// - The dispatcher's sleep allows a few milliseconds of tolerance, so that starts planned close
///   together happen on one wake-up; the lateness is measured as lag.
/// - A semaphore caps probes in flight (a probe past its timeout no longer counts); the wait for
///   it counts as lag.
///
/// Generic over `Clock` so unit tests drive it with a manual clock and never sleep.
public final class Scheduler<C: Clock>: Sendable where C.Duration == Duration {
    /// A component as the schedule holds it: behind one reference, so that taking a start from
    /// the heap and handing it to its run copies a pointer, not a spec full of strings.
    private final class Held: Sendable {
        let component: ScheduledComponent
        init(_ component: ScheduledComponent) { self.component = component }
    }

    /// One component's place in the schedule.
    private struct Slot {
        var held: Held
        var token: UInt64
        /// The planned start it waits for; nil while a run is in flight (or before `run`).
        var planned: C.Instant?
        /// A run that timed out and has not ended yet: no new run starts beside it.
        var stuck: ProbeRun.Running?
    }

    /// A start that came due, handed from the dispatcher to the run's task.
    private struct Due: Sendable {
        var held: Held
        var token: UInt64
        var planned: C.Instant
        var stuck: ProbeRun.Running?
    }

    private struct State {
        var slots: [String: Slot] = [:]
        var queue = PlannedStarts<C.Instant>()
        var nextToken: UInt64 = 0
        /// When `run` started; nil before. First starts are spread from it, or from the moment
        /// of the update for components added later.
        var started: C.Instant?
        /// The dispatcher's current sleep and what it sleeps towards (nil: nothing planned).
        var sleep: (until: C.Instant?, task: Task<Void, Never>)?
    }

    private let clock: C
    private let store: HealthStore
    private let semaphore: AsyncSemaphore
    private let heartbeatInterval: Duration
    private let backstop = ProbeRun.Backstop<C>()
    private let tolerance = Duration.milliseconds(5)
    private let state = Mutex(State())

    public init(clock: C, store: HealthStore, maxConcurrentProbes: Int, heartbeatInterval: Duration = .seconds(1)) {
        self.clock = clock
        self.store = store
        self.semaphore = AsyncSemaphore(permits: maxConcurrentProbes)
        self.heartbeatInterval = heartbeatInterval
    }

    /// Runs until cancelled. Components given to `update` before or while it runs are scheduled.
    public func run() async {
        let now = clock.now
        state.withLock { s in
            s.started = now
            for name in Array(s.slots.keys) { Self.planFirst(&s, name: name, from: now) }
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.heartbeatLoop() }
            while !Task.isCancelled {
                for due in takeDue() {
                    group.addTask { await self.start(due) }
                }
                await sleepUntilNextStart()
            }
            group.cancelAll()
        }
        state.withLock { $0.started = nil }
    }

    /// Sets the components to run: starts new ones, stops removed ones, restarts changed ones
    /// (a different probe or schedule); unchanged ones keep running undisturbed.
    ///
    /// `firstRunIn`: for new components named there, the first run is that far from now rather
    /// than at the stable spread: a fleet member taking a component over continues the previous
    /// owner's rhythm (its last result plus one interval), or runs an overdue one at once.
    public func update(_ components: [ScheduledComponent], firstRunIn: [String: Duration] = [:]) {
        let now = clock.now
        state.withLock { s in
            let names = Set(components.map(\.spec.name))
            for name in Array(s.slots.keys) where !names.contains(name) { s.slots[name] = nil }
            for c in components {
                if let old = s.slots[c.spec.name], old.held.component.spec.sameProbe(as: c.spec) { continue }
                s.nextToken += 1
                s.slots[c.spec.name] = Slot(held: Held(c), token: s.nextToken)
                guard let started = s.started else { continue }
                if let wait = firstRunIn[c.spec.name] {
                    Self.plan(&s, name: c.spec.name, token: s.nextToken, at: now.advanced(by: max(.zero, min(wait, c.spec.interval))))
                } else {
                    Self.planFirst(&s, name: c.spec.name, from: max(started, now))
                }
            }
        }
    }

    /// Names currently scheduled.
    public var scheduled: Set<String> { state.withLock { Set($0.slots.keys) } }

    /// The start a component waits for; nil while its run is in flight, or when not scheduled.
    func plannedStart(of name: String) -> C.Instant? {
        state.withLock { $0.slots[name]?.planned }
    }

    /// The longest wait for any component's first run (spec section 4).
    static var firstRunWindow: Duration { .seconds(5) }

    /// Where in the first `min(interval, firstRunWindow)` a component first runs: a stable
    /// spread by name, so replicas and restarts place it at the same phase.
    static func firstOffset(name: String, interval: Duration) -> Duration {
        let h = StableHash.of(name)
        let window = min(interval, firstRunWindow)
        let ms = max(1, Int64(window.seconds * 1000))
        return .milliseconds(Int64(h % UInt64(ms)))
    }

    // MARK: Planning

    private static func planFirst(_ s: inout State, name: String, from base: C.Instant) {
        guard let slot = s.slots[name] else { return }
        plan(&s, name: name, token: slot.token, at: base.advanced(by: firstOffset(name: name, interval: slot.held.component.spec.interval)))
    }

    /// Puts a component back in line for `at`, and wakes the dispatcher if that is earlier than
    /// what it sleeps towards.
    private static func plan(_ s: inout State, name: String, token: UInt64, at: C.Instant) {
        s.slots[name]?.planned = at
        s.queue.push(.init(at: at, name: name, token: token))
        if let sleep = s.sleep, sleep.until.map({ at < $0 }) ?? true {
            sleep.task.cancel()
            s.sleep = nil
        }
    }

    /// Takes every start that is due from the heap, dropping those of removed components.
    private func takeDue() -> [Due] {
        let now = clock.now
        return state.withLock { s in
            var due: [Due] = []
            while let at = s.queue.earliest?.at, at <= now, let next = s.queue.popEarliest() {
                guard let i = s.slots.index(forKey: next.name), s.slots.values[i].token == next.token,
                    s.slots.values[i].planned == at
                else { continue }
                s.slots.values[i].planned = nil
                let slot = s.slots.values[i]
                due.append(Due(held: slot.held, token: slot.token, planned: at, stuck: slot.stuck))
            }
            return due
        }
    }

    /// Sleeps until the earliest planned start, or until `plan` puts an earlier one in line.
    private func sleepUntilNextStart() async {
        let until = state.withLock { $0.queue.earliest?.at }
        let clock = self.clock
        let tolerance = self.tolerance
        let sleeper = Task<Void, Never> {
            // Nothing planned: sleep until woken (a day is as good as forever here).
            _ = try? await clock.sleep(until: until ?? clock.now.advanced(by: .seconds(86_400)), tolerance: tolerance)
        }
        let armed = state.withLock { s -> Bool in
            // Something earlier was planned since `until` was read: go round again instead.
            if let earliest = s.queue.earliest?.at, until.map({ earliest < $0 }) ?? true { return false }
            s.sleep = (until, sleeper)
            return true
        }
        guard armed else { return sleeper.cancel() }
        await withTaskCancellationHandler {
            await sleeper.value
        } onCancel: {
            sleeper.cancel()
        }
        state.withLock { s in
            if s.sleep?.task == sleeper { s.sleep = nil }
        }
    }

    // MARK: One run

    private func isActive(_ name: String, _ token: UInt64) -> Bool {
        state.withLock { $0.slots[name]?.token == token }
    }

    /// One planned start of one component: its run (or its skip, while an earlier run is still
    /// hung), its result recorded, and its next start put in line.
    private func start(_ due: Due) async {
        let name = due.held.component.spec.name
        let interval = due.held.component.spec.interval
        let timeout = due.held.component.spec.timeout
        var planned = due.planned
        let stuck = due.stuck.flatMap { $0.hasEnded ? nil : $0 }
        if let hungSince = stuck?.startedAt ?? due.held.component.probe.blockedSince {
            // Still hung past its timeout (a C call that ignores its own deadline), in the
            // probe's task or in the blocking job it left behind: this start is skipped, without
            // taking a thread, and judged a failure so the status cannot stay stale.
            store.recordSkipped(component: name, count: 1)
            store.record(component: name, result: .stillHung(startedAt: hungSince, latency: timeout))
            putBack(name, due.token, at: planned.advanced(by: interval), stuck: stuck)
            return
        }
        guard await semaphore.acquire() else { return }
        store.recordLag(planned.duration(to: clock.now).seconds)
        let run = await ProbeRun.run(due.held.component.probe, timeout: timeout, clock: clock, backstop: backstop)
        if isActive(name, due.token) { store.record(component: name, result: run.result) }
        // The permit goes back once the result is decided, timed out or not: probes stuck in
        // a C call past their timeout must not use up the cap and stall every other component.
        semaphore.release()
        let end = clock.now
        planned = planned.advanced(by: interval)
        var skipped = 0
        while planned <= end {
            planned = planned.advanced(by: interval)
            skipped += 1
        }
        if skipped > 0 { store.recordSkipped(component: name, count: skipped) }
        putBack(name, due.token, at: planned, stuck: run.running.hasEnded ? nil : run.running)
    }

    private func putBack(_ name: String, _ token: UInt64, at planned: C.Instant, stuck: ProbeRun.Running?) {
        state.withLock { s in
            guard s.slots[name]?.token == token else { return }  // removed or replaced meanwhile
            s.slots[name]?.stuck = stuck
            Self.plan(&s, name: name, token: token, at: planned)
        }
    }

    private func heartbeatLoop() async {
        while !Task.isCancelled {
            store.heartbeat()
            backstop.sweep(now: clock.now)
            do { try await clock.sleep(for: heartbeatInterval) } catch { return }
        }
    }
}

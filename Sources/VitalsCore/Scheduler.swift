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
/// - One loop per component in a discarding task group; the next planned start is the previous
///   planned start plus the interval, so schedules do not drift.
/// - First runs are spread over the first interval by a stable hash of the name, so thousands
///   of components do not start at once, yet every component has a result within one interval
///   plus one timeout.
/// - A probe never overlaps with itself: a planned start that passes while the previous run is
///   still going is skipped and counted, never made up with a burst of catch-up runs.
/// - A probe that exceeds its timeout is judged at the deadline (`ProbeRun`); a hung probe costs
///   only its own component's schedule. Probes that end by their deadline on their own are
///   watched by one backstop swept with the heartbeat, not by a timer each.
/// - Sleeps until a planned start allow a few milliseconds of tolerance, so that the timers of
///   components planned close together fire as one wake-up; the lateness is measured as lag.
/// - A semaphore caps probes in flight (a probe past its timeout no longer counts); the wait for
///   it counts as lag.
///
/// Generic over `Clock` so unit tests drive it with a manual clock and never sleep.
public final class Scheduler<C: Clock>: Sendable where C.Duration == Duration {
    private enum Command: Sendable {
        case start(ScheduledComponent, token: UInt64)
    }

    private struct State {
        var active: [String: UInt64] = [:]
        var specs: [String: ComponentSpec] = [:]
        var nextToken: UInt64 = 0
        var commands: AsyncStream<Command>.Continuation?
        var pending: [Command] = []
    }

    private let clock: C
    private let store: HealthStore
    private let semaphore: AsyncSemaphore
    private let heartbeatInterval: Duration
    private let backstop = ProbeRun.Backstop<C>()
    private let state = Mutex(State())

    public init(clock: C, store: HealthStore, maxConcurrentProbes: Int, heartbeatInterval: Duration = .seconds(1)) {
        self.clock = clock
        self.store = store
        self.semaphore = AsyncSemaphore(permits: maxConcurrentProbes)
        self.heartbeatInterval = heartbeatInterval
    }

    /// Runs until cancelled. Components given to `update` before or while it runs are scheduled.
    public func run() async {
        let (stream, continuation) = AsyncStream<Command>.makeStream()
        let backlog = state.withLock { s -> [Command] in
            s.commands = continuation
            defer { s.pending = [] }
            return s.pending
        }
        for command in backlog { continuation.yield(command) }
        let started = clock.now
        await withDiscardingTaskGroup { group in
            group.addTask { await self.heartbeatLoop() }
            // Iterating an AsyncStream ends when the task is cancelled: that is shutdown.
            for await command in stream {
                switch command {
                case .start(let component, let token):
                    group.addTask { await self.loop(component, token: token, firstRunAfter: started) }
                }
            }
            group.cancelAll()
        }
        state.withLock { $0.commands = nil }
    }

    /// Sets the components to run: starts new ones, stops removed ones, restarts changed ones
    /// (a different probe or schedule); unchanged ones keep running undisturbed.
    public func update(_ components: [ScheduledComponent]) {
        state.withLock { s in
            let names = Set(components.map(\.spec.name))
            for name in s.active.keys where !names.contains(name) {
                s.active[name] = nil
                s.specs[name] = nil
            }
            for c in components {
                if let old = s.specs[c.spec.name], old.sameProbe(as: c.spec) { continue }
                s.nextToken += 1
                s.active[c.spec.name] = s.nextToken
                s.specs[c.spec.name] = c.spec
                let command = Command.start(c, token: s.nextToken)
                if let commands = s.commands { commands.yield(command) } else { s.pending.append(command) }
            }
        }
    }

    /// Names currently scheduled.
    public var scheduled: Set<String> { state.withLock { Set($0.active.keys) } }

    private func isActive(_ name: String, _ token: UInt64) -> Bool {
        state.withLock { $0.active[name] == token }
    }

    /// Where in its first interval a component first runs: a stable spread by name.
    static func firstOffset(name: String, interval: Duration) -> Duration {
        let h = StableHash.of(name)
        let ms = max(1, Int64(interval.seconds * 1000))
        return .milliseconds(Int64(h % UInt64(ms)))
    }

    private func loop(_ component: ScheduledComponent, token: UInt64, firstRunAfter start: C.Instant) async {
        let name = component.spec.name
        let interval = component.spec.interval
        // A component added later (reload) starts its spread from now, not from process start.
        let base = max(start, clock.now)
        var planned = base.advanced(by: Self.firstOffset(name: name, interval: interval))
        // A run that timed out and has not ended yet: no new run starts beside it.
        var stuck: ProbeRun.Running?
        while !Task.isCancelled {
            do { try await clock.sleep(until: planned, tolerance: .milliseconds(5)) } catch { return }
            guard isActive(name, token) else { return }
            if let s = stuck, !s.hasEnded {
                // Still hung past its timeout (a C call that ignores its own deadline): this
                // start is skipped, and judged a failure so the status cannot stay stale.
                store.recordSkipped(component: name, count: 1)
                store.record(component: name, result: .failure(
                    "previous run still hung \(DurationFormat.short(s.startedAt.duration(to: ContinuousClock.now))) after it started",
                    latency: component.spec.timeout))
                planned = planned.advanced(by: interval)
                continue
            }
            stuck = nil
            guard await semaphore.acquire() else { return }
            store.recordLag(planned.duration(to: clock.now).seconds)
            let run = await ProbeRun.run(component.probe, timeout: component.spec.timeout, clock: clock, backstop: backstop)
            if isActive(name, token) { store.record(component: name, result: run.result) }
            // The permit goes back once the result is decided, timed out or not: probes stuck in
            // a C call past their timeout must not use up the cap and stall every other component.
            semaphore.release()
            if !run.running.hasEnded { stuck = run.running }
            let end = clock.now
            planned = planned.advanced(by: interval)
            var skipped = 0
            while planned <= end {
                planned = planned.advanced(by: interval)
                skipped += 1
            }
            if skipped > 0 { store.recordSkipped(component: name, count: skipped) }
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

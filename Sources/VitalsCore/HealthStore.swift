import Foundation
import Synchronization
import VitalsConfig

/// Owns the state of every component: judges each result, applies hysteresis, keeps history,
/// counters and uptime, and publishes what the endpoints read.
///
/// Recording a result is O(1) under one lock. Readers never wait on probing: the hot endpoints
/// read a small summary (service status, counts, readiness) kept current on every status
/// change, and the full `HealthSnapshot` is built lazily on read and cached until the next
/// result, since rebuilding it per result would cost O(components) a thousand times a second.
public final class HealthStore: Sendable {
    private struct Entry {
        var spec: ComponentSpec
        var state: ComponentState
        var since: Date
        var lastCheck: Date?
        var lastResult: ProbeResult?
        var lastJudgement: HealthStatus?
        var lastSuccess: Date?
        var history: Ring<HistoryEntry>
        var transitions: Ring<StatusTransition>
        var uptime = UptimeWindow()
        var counters = ComponentCounters()
        /// Recent results for the windowed thresholds; nil for a component without one.
        var window: ResultWindow?
        var windowReadings: [WindowReading] = []
        /// The last six hours by minute, for the burn rates of an `slo:`; nil without one.
        var slo: SLOWindow?
        /// Has a result of this run. Until then the tallies (service status, readiness, `/health`
        /// counts) count it `unknown`, whatever status was restored from before the restart.
        var fresh = false
        /// What the other locations last reported of it (a fleet with locations), and the
        /// verdict of the quorum over them and this location; nil verdict without locations.
        var others: [LocationReport] = []
        var verdict: LocationVerdict?
        /// The status shown and counted: this location's own (`state.status`) without
        /// locations, the quorum's verdict with them.
        var shown: HealthStatus = .unknown

        /// The status the tallies count.
        var tallied: HealthStatus { fresh ? shown : .unknown }
        /// Startup waits for its first result: every component but a push one, whose first push
        /// may be a day away (spec section 12).
        var awaited: Bool { !spec.probe.kind.isPushed }
    }

    private struct State {
        var entries: [Entry]
        var index: [String: Int]
        /// Components startup waits for (`Entry.awaited`), and how many of them have a result.
        var awaited = 0
        var withResult = 0
        var startupComplete = false
        var draining = false
        var status: HealthStatus = .unknown
        var counts = StatusCounts()
        /// Bumped on every change of anything the probe endpoints show.
        var statusGeneration: UInt64 = 1
        /// Bumped on every change at all.
        var generation: UInt64 = 1
        /// Status tallies split by criticality: the service status follows from them in O(1),
        /// so a status change costs O(1) even while ten thousand first results arrive.
        var critical = StatusCounts()
        var nonCritical = StatusCounts()
        /// Built on first read after a status change (readiness lists every component).
        var readiness: (generation: UInt64, view: ReadinessView)?
        var cached: HealthSnapshot?
        /// When a component of the cached snapshot turns stale (its newest result older than its
        /// `staleAfter`): the snapshot is built anew from then.
        var cachedUntil = Date.distantFuture
        var lag = Histogram(buckets: Histogram.lagBuckets)
        var lastHeartbeat: ContinuousClock.Instant
        var eventSinks: [UInt64: AsyncStream<HealthEvent>.Continuation] = [:]
        var nextSink: UInt64 = 0
        /// The components other replicas probe, and what they last wrote of them.
        var peers: [ComponentSpec] = []
        var peerStatus: [String: StoredStatus] = [:]
        var peerSlack: Duration = .zero
        /// Set in a fleet with locations: this process's location and the quorum.
        var locations: LocationSetup?
        /// This location's canary fails: its own reports are left out of the quorum.
        var canaryFailed = false
    }

    private let state: Mutex<State>
    private let now: @Sendable () -> Date
    private let recorder: (any ResultRecorder)?
    public let startedAt: Date
    /// How long the scheduler may go without a heartbeat before liveness fails.
    public let stallAfter: Duration

    public init(
        components: [ComponentSpec], stallAfter: Duration = .seconds(10), recorder: (any ResultRecorder)? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.now = now
        self.recorder = recorder
        self.stallAfter = stallAfter
        let start = now()
        startedAt = start
        let entries = components.map { Self.entry(for: $0, at: start) }
        var s = State(entries: entries, index: [:], lastHeartbeat: .now)
        Self.reindex(&s)
        Self.refresh(&s)
        state = Mutex(s)
    }

    private static func entry(for spec: ComponentSpec, at date: Date) -> Entry {
        Entry(
            spec: spec, state: ComponentState(failureThreshold: spec.failureThreshold, successThreshold: spec.successThreshold),
            since: date, history: Ring(capacity: spec.history), transitions: Ring(capacity: 50),
            window: spec.windowCapacity.map(ResultWindow.init(capacity:)), slo: spec.slo == nil ? nil : SLOWindow())
    }

    // MARK: Writing

    /// Records one probe result; returns the component's status after it.
    @discardableResult
    public func record(component name: String, result: ProbeResult) -> HealthStatus? {
        let at = now()
        return state.withLock { s -> HealthStatus? in
            guard let i = s.index[name] else { return nil }  // removed by a reload meanwhile
            let result = Self.windowed(result, at: at, into: &s.entries[i])
            let judgement = Judge.judge(result, thresholds: s.entries[i].spec.thresholds)
            let talliedBefore = s.entries[i].tallied
            if !s.entries[i].fresh {
                s.entries[i].fresh = true
                if s.entries[i].awaited { s.withResult += 1 }
            }
            // In place (`inout` through the array's subscript): a copy of the entry would share
            // its history buffer with the array and copy all of it on the append.
            let (entry, own, critical) = Self.apply(result, judgement: judgement, at: at, to: &s.entries[i])
            let transition = Self.settle(&s.entries[i], own: own, result: true, message: entry.message, s.locations, canaryFailed: s.canaryFailed, at: at)
            let to = s.entries[i].shown
            recorder?.recorded(
                component: name, entry: entry, observations: result.observations, status: s.entries[i].state.status,
                staleAfter: s.entries[i].spec.staleAfter,
                transition: transition)
            if let from = transition?.from { Self.emit(&s, .component(name: name, from: from, to: to, at: at, message: entry.message)) }
            let retallied = Self.retally(&s, from: talliedBefore, to: to, critical: critical)
            s.generation += 1
            s.cached = nil
            if retallied || (!s.startupComplete && s.withResult == s.awaited) {
                let before = s.status
                Self.refresh(&s)
                if before != s.status { Self.emit(&s, .service(from: before, to: s.status, at: at)) }
            }
            return to
        }
    }

    /// The result with its windowed thresholds' readings among its observations, the result
    /// itself added to the window first: judged, shown and stored like any observation.
    private static func windowed(_ result: ProbeResult, at: Date, into e: inout Entry) -> ProbeResult {
        guard e.window != nil else { return result }
        e.window!.add(at: at, success: result.success, latency: result.latency)
        e.windowReadings = e.window!.readings(e.spec.thresholds, at: at)
        return result.adding(e.windowReadings)
    }

    /// Moves a component's count from one status to another in the tallies; false when the
    /// status did not change.
    private static func retally(_ s: inout State, from: HealthStatus, to: HealthStatus, critical: Bool) -> Bool {
        guard from != to else { return false }
        s.counts[from] -= 1
        s.counts[to] += 1
        if critical {
            s.critical[from] -= 1
            s.critical[to] += 1
        } else {
            s.nonCritical[from] -= 1
            s.nonCritical[to] += 1
        }
        return true
    }

    /// Works out the status a component shows after a change of this location's state (`own`:
    /// the change its hysteresis made, if any) or of what the other locations report: without
    /// locations its own status; with them the quorum's verdict over every location's report,
    /// this one's included. Records the change of the shown status, which is what history,
    /// alerts and uptime follow, and returns it.
    private static func settle(
        _ e: inout Entry, own: StatusTransition?, result: Bool, message: String, _ locations: LocationSetup?, canaryFailed: Bool, at: Date
    ) -> StatusTransition? {
        let before = e.shown
        if let locations {
            let mine = report(e, locations, canaryFailed: canaryFailed)
            let verdict = LocationVerdict.combine(
                [mine] + e.others.filter { $0.location != locations.location }, staleAfter: e.spec.staleAfter + locations.slack,
                quorum: locations.quorum, now: at)
            e.verdict = verdict
            e.shown = verdict.status
        } else {
            e.verdict = nil
            e.shown = e.state.status
        }
        let changed = before != e.shown
        // Before this run's first result here, the others' reports are shown, but nothing has
        // changed yet that this process saw happen.
        guard e.fresh else { return nil }
        // Uptime weighs the shown status by time: at each result, and at each change of it.
        if result || changed {
            e.uptime.record(at: at, status: e.shown, staleAfter: e.spec.staleAfter)
            e.slo?.record(at: at, status: e.shown, staleAfter: e.spec.staleAfter)
        }
        guard changed else { return nil }
        let transition =
            locations == nil && own != nil
            ? own! : StatusTransition(at: at, from: before, to: e.shown, message: e.verdict.map { "\($0.summary): \(message)" } ?? message)
        e.since = at
        e.transitions.append(transition)
        return transition
    }

    /// This location's report of a component: its own status after hysteresis.
    private static func report(_ e: Entry, _ setup: LocationSetup, canaryFailed: Bool) -> LocationReport {
        LocationReport(
            location: setup.location, status: e.state.status, lastCheck: e.lastCheck, latency: e.lastResult?.latency,
            message: e.lastResult?.message ?? "", canaryFailed: canaryFailed)
    }

    /// One result into its component's entry: last result, counters, history and hysteresis.
    /// Returns its history entry (with the message shown, threshold crossed included), the
    /// change this location's hysteresis made if any, and the component's criticality.
    private static func apply(
        _ result: ProbeResult, judgement: Judgement, at: Date, to e: inout Entry
    ) -> (entry: HistoryEntry, transition: StatusTransition?, critical: Bool) {
        e.lastCheck = at
        var shown = result
        shown.message = judgement.message(for: result)
        if result.success {
            e.lastSuccess = at
            e.counters.successes += 1
        } else {
            e.counters.failures += 1
        }
        e.counters.duration.observe(result.latency.seconds)
        let entry = HistoryEntry(at: at, judgement: judgement.status, latency: result.latency, message: shown.message, success: result.success)
        e.history.append(entry)
        let transition = e.state.apply(judgement.status).map { StatusTransition(at: at, from: $0, to: e.state.status, message: shown.message) }
        e.lastJudgement = judgement.status
        e.lastResult = shown
        return (entry, transition, e.spec.critical)
    }

    /// Runs that could not start on time (the previous run was still going).
    public func recordSkipped(component name: String, count: Int) {
        state.withLock { s in
            guard let i = s.index[name] else { return }
            s.entries[i].counters.skippedRuns += UInt64(count)
            s.generation += 1
            s.cached = nil
        }
    }

    /// How late a probe started, in seconds.
    public func recordLag(_ seconds: Double) {
        state.withLock { $0.lag.observe(max(0, seconds)) }
    }

    /// The scheduler's proof of progress, for `/health/live`.
    public func heartbeat() {
        state.withLock { $0.lastHeartbeat = .now }
    }

    /// Shutdown has begun: readiness answers 503 from now on.
    public func setDraining() {
        state.withLock { s in
            guard !s.draining else { return }
            s.draining = true
            Self.refresh(&s)
            s.generation += 1
            s.cached = nil
        }
    }

    /// What storage kept of a component from before this start: its recent results, status
    /// changes and uptime, its last result and the status and streaks they leave, so that
    /// `/health/detailed` after a restart looks as it did before it (its last check shown stale
    /// once older than `staleAfter`). Startup, readiness and the service status still wait for
    /// a result of this run: until then the component counts `unknown` there, and the first
    /// fresh result applies on top of the restored hysteresis (an unhealthy component needs its
    /// `success_threshold` to recover, restart or not). Ignored once it has a fresh result.
    public func restore(component name: String, stored: StoredComponent) {
        state.withLock { s in
            guard let i = s.index[name], !s.entries[i].fresh else { return }
            Self.take(stored, into: &s.entries[i])
            s.generation += 1
            s.cached = nil
        }
    }

    private static func take(_ stored: StoredComponent, into e: inout Entry) {
        let oldestFirst = Array(stored.history.reversed())
        for h in oldestFirst { e.history.append(h) }
        for t in stored.transitions.reversed() { e.transitions.append(t) }
        e.state = .replaying(
            oldestFirst.map(\.judgement), endingIn: stored.transitions.first?.to, failureThreshold: e.spec.failureThreshold,
            successThreshold: e.spec.successThreshold)
        e.shown = e.state.status
        if let since = stored.transitions.first?.at { e.since = since }
        guard let newest = stored.history.first else { return }
        e.lastCheck = newest.at
        e.lastJudgement = newest.judgement
        e.lastSuccess = stored.history.first { $0.success }?.at
        e.lastResult = ProbeResult(success: newest.success, latency: newest.latency, message: newest.message, observations: stored.observations)
        e.uptime.seed(hourly: stored.hourly, until: newest.at)
        e.slo?.seed(hourly: stored.hourly, until: newest.at)
        // The window from the results before the stop (storage reads as many as it holds), so the
        // first result of this run is judged over the same window as the last one before it.
        if var window = e.spec.windowCapacity.map(ResultWindow.init(capacity:)) {
            for h in oldestFirst { window.add(at: h.at, success: h.success, latency: h.latency) }
            e.window = window
            e.windowReadings = window.readings(e.spec.thresholds, at: newest.at)
        }
    }

    /// The components other replicas probe (a sharded replica with shared storage), set on
    /// start and on reload; what is known of them is replaced by `updatePeers`.
    /// `slack`: how much later than its owner a replica can know of a result (the owner's
    /// write batching plus this replica's read period), added to the peers' staleness.
    public func setPeers(_ specs: [ComponentSpec], slack: Duration) {
        state.withLock { s in
            s.peers = specs
            s.peerSlack = slack
            let names = Set(specs.map(\.name))
            s.peerStatus = s.peerStatus.filter { names.contains($0.key) }
            s.generation += 1
            s.cached = nil
        }
    }

    public var peerNames: [String] { state.withLock { $0.peers.map(\.name) } }

    /// Takes part in a fleet with locations (spec section 14): from now on each component shows
    /// the quorum's verdict over this location's status and what `updateLocations` brings of
    /// the others. Nil: this process's own status again.
    public func setLocations(_ setup: LocationSetup?) {
        let at = now()
        state.withLock { s in
            s.locations = setup
            Self.resettle(&s, at: at, recorder: recorder)
        }
    }

    public var locationSetup: LocationSetup? { state.withLock { $0.locations } }

    /// The components this location probes (the ones whose reports the other locations read).
    public var componentNames: [String] { state.withLock { $0.entries.map(\.spec.name) } }

    /// What the other locations last reported of each component (read from the shared store),
    /// and whether this location's canary fails. Also called as time passes with nothing new:
    /// a location's reports turn stale with time alone.
    public func updateLocations(_ reports: [String: [LocationReport]], canaryFailed: Bool) {
        let at = now()
        state.withLock { s in
            // New reports (a newer result, another latency) are shown even when the verdict stays.
            var news = s.canaryFailed != canaryFailed
            s.canaryFailed = canaryFailed
            for i in s.entries.indices {
                let now = reports[s.entries[i].spec.name] ?? []
                if now != s.entries[i].others {
                    s.entries[i].others = now
                    news = true
                }
            }
            Self.resettle(&s, at: at, recorder: recorder, news: news)
        }
    }

    /// Every component's verdict worked out again at `at`; a shown status that changed is
    /// retallied, recorded and told like one a result changed.
    private static func resettle(_ s: inout State, at: Date, recorder: (any ResultRecorder)?, news: Bool = true) {
        var retallied = false
        var changed = news
        for i in s.entries.indices {
            let before = s.entries[i].tallied
            let verdict = s.entries[i].verdict
            let message = s.entries[i].lastResult?.message ?? ""
            let t = settle(&s.entries[i], own: nil, result: false, message: message, s.locations, canaryFailed: s.canaryFailed, at: at)
            if verdict != s.entries[i].verdict { changed = true }
            guard let t else { continue }
            changed = true
            let name = s.entries[i].spec.name
            recorder?.changed(component: name, transition: t)
            if s.entries[i].fresh { emit(&s, .component(name: name, from: t.from, to: t.to, at: at, message: t.message)) }
            if retally(&s, from: before, to: s.entries[i].tallied, critical: s.entries[i].spec.critical) { retallied = true }
        }
        guard changed else { return }
        s.generation += 1
        s.cached = nil
        if retallied {
            let before = s.status
            refresh(&s)
            if before != s.status { emit(&s, .service(from: before, to: s.status, at: at)) }
        }
    }

    /// What the other replicas last wrote of their components (read from shared storage).
    public func updatePeers(_ status: [String: StoredStatus]) {
        state.withLock { s in
            guard s.peerStatus != status else { return }
            s.peerStatus = status
            s.generation += 1
            s.cached = nil
        }
    }

    /// Replaces the component list (config reload). A component whose name and probe settings are
    /// unchanged keeps its state and history; its other settings (criticality, groups,
    /// thresholds...) are taken from the new spec.
    public func update(components: [ComponentSpec]) {
        let at = now()
        state.withLock { s in
            var kept: [Entry] = []
            for spec in components {
                if let i = s.index[spec.name], s.entries[i].spec.sameProbe(as: spec) {
                    var e = s.entries[i]
                    if e.spec.failureThreshold != spec.failureThreshold || e.spec.successThreshold != spec.successThreshold {
                        var st = ComponentState(failureThreshold: spec.failureThreshold, successThreshold: spec.successThreshold)
                        if e.state.status != .unknown { _ = st.apply(e.state.status) }
                        e.state = st
                    }
                    if e.spec.history != spec.history { e.history = e.history.resized(to: spec.history) }
                    Self.rewindow(&e, for: spec)
                    if spec.slo == nil { e.slo = nil } else if e.slo == nil { e.slo = SLOWindow() }
                    e.spec = spec
                    kept.append(e)
                } else {
                    kept.append(Self.entry(for: spec, at: at))
                }
            }
            s.entries = kept
            Self.reindex(&s)
            s.withResult = kept.filter { $0.fresh && $0.awaited }.count
            let before = s.status
            Self.refresh(&s)
            if before != s.status { Self.emit(&s, .service(from: before, to: s.status, at: at)) }
            s.generation += 1
            s.cached = nil
        }
    }

    /// A reload that adds, changes or drops windowed thresholds: the window keeps what it holds
    /// (a new one starts from the history kept in memory), at the capacity the new spec needs.
    private static func rewindow(_ e: inout Entry, for spec: ComponentSpec) {
        guard let capacity = spec.windowCapacity else {
            e.window = nil
            e.windowReadings = []
            return
        }
        if let w = e.window {
            if w.capacity != capacity { e.window = w.resized(to: capacity) }
        } else {
            var w = ResultWindow(capacity: capacity)
            for h in e.history.elements { w.add(at: h.at, success: h.success, latency: h.latency) }
            e.window = w
        }
        if let last = e.lastCheck, spec.thresholds != e.spec.thresholds { e.windowReadings = e.window!.readings(spec.thresholds, at: last) }
    }

    // MARK: Reading

    /// Changes whenever anything the probe endpoints show changes (status, startup, draining).
    public var statusGeneration: UInt64 { state.withLock { $0.statusGeneration } }
    /// Changes with every result (and every other change): what a reader of each result's
    /// readings (threshold alert rules) polls instead of building a snapshot.
    public var resultGeneration: UInt64 { state.withLock { $0.generation } }

    public var status: HealthStatus { state.withLock { $0.status } }

    public func readiness(group: String? = nil, excluding: Set<String> = []) -> ReadinessView? {
        state.withLock { s -> ReadinessView? in
            if group == nil && excluding.isEmpty {
                if let r = s.readiness, r.generation == s.statusGeneration { return r.view }
                let view = Aggregation.readiness(s.entries.map(Self.member), startupComplete: s.startupComplete, draining: s.draining)
                s.readiness = (s.statusGeneration, view)
                return view
            }
            var members = s.entries
            if let group {
                members = members.filter { $0.spec.groups.contains(group) }
                if members.isEmpty { return nil }
            }
            let selected = members.filter { !excluding.contains($0.spec.name) }.map(Self.member)
            return Aggregation.readiness(selected, startupComplete: s.startupComplete, draining: s.draining)
        }
    }

    public func liveness() -> LivenessView {
        let last = state.withLock { $0.lastHeartbeat }
        let age = last.duration(to: .now)
        let ok = age < stallAfter
        let detail = ok ? "ok" : "no scheduler progress for \(DurationFormat.short(age))"
        return LivenessView(live: ok, checks: [CheckLine(name: "scheduler", ok: ok, detail: detail, isComponent: false)])
    }

    public func schedulerLag() -> Histogram { state.withLock { $0.lag } }

    /// The full state; built on first read after a change and cached until the next one.
    public func snapshot() -> HealthSnapshot {
        let at = now()
        return state.withLock { s in
            if let cached = s.cached, at < s.cachedUntil { return cached }
            var until = Date.distantFuture
            let components = s.entries.map { e in
                var c = ComponentSnapshot(
                    spec: e.spec, status: e.shown, since: e.since, lastCheck: e.lastCheck, lastResult: e.lastResult,
                    lastJudgement: e.lastJudgement, consecutiveFailures: e.state.consecutiveFailures,
                    consecutiveSuccesses: e.state.consecutiveSuccesses, lastSuccess: e.lastSuccess, history: e.history.elements,
                    uptime: e.uptime.windows(at: at), counters: e.counters)
                c.windowReadings = e.windowReadings
                if let verdict = e.verdict, let setup = s.locations {
                    // The quorum leaves out stale locations itself, this one included; it is
                    // worked out again as time passes (`updateLocations`).
                    c.verdict = verdict
                    c.locations = ([Self.report(e, setup, canaryFailed: s.canaryFailed)] + e.others.filter { $0.location != setup.location })
                        .sorted { $0.location < $1.location }
                } else if let staleAt = c.markStale(at: at) {
                    until = min(until, staleAt)
                }
                return c
            }
            let peers = s.peers.map { spec in
                var c = ComponentSnapshot(spec: spec, since: startedAt)
                if let p = s.peerStatus[spec.name] {
                    c.status = p.status
                    c.since = p.since
                    c.lastCheck = p.lastCheck
                    c.lastJudgement = p.status
                    c.lastResult = ProbeResult(success: p.status != .unhealthy, latency: p.latency, message: p.message, observations: p.observations)
                }
                if let staleAt = c.markStale(at: at, slack: s.peerSlack) { until = min(until, staleAt) }
                return c
            }
            s.cachedUntil = until
            var snapshot = HealthSnapshot(
                components: components, status: s.status, startupComplete: s.startupComplete, draining: s.draining,
                counts: s.counts, startedAt: startedAt, generatedAt: at, generation: s.generation)
            snapshot.peers = peers
            s.cached = snapshot
            return snapshot
        }
    }

    /// One component's time-weighted uptime and coverage over the window ending now, from the
    /// last 24 hours the store keeps; nil for an unknown name.
    public func uptime(component name: String, over window: Duration) -> (uptime: Double?, coverage: Double)? {
        let at = now()
        return state.withLock { s in s.index[name].map { s.entries[$0].uptime.report(over: window.seconds, at: at) } }
    }

    /// The components with an `slo:`, each with its minute ring (`SLOWindow`), in config order.
    public func sloComponents() -> [(spec: ComponentSpec, ring: SLOWindow)] {
        state.withLock { s in s.entries.compactMap { e in e.slo.map { (e.spec, $0) } } }
    }

    /// Status transitions of one component, newest first.
    public func transitions(component name: String) -> [StatusTransition]? {
        state.withLock { s in s.index[name].map { Array(s.entries[$0].transitions.elements.reversed()) } }
    }

    /// Component and service status changes, as they happen. The stream keeps the newest 1,000
    /// events if its reader falls behind.
    public func events() -> AsyncStream<HealthEvent> {
        let (stream, continuation) = AsyncStream<HealthEvent>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        let id = state.withLock { s -> UInt64 in
            s.nextSink += 1
            s.eventSinks[s.nextSink] = continuation
            return s.nextSink
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.eventSinks.removeValue(forKey: id) }
        }
        return stream
    }

    // MARK: Internals

    private static func member(_ e: Entry) -> Aggregation.Member {
        Aggregation.Member(name: e.spec.name, critical: e.spec.critical, status: e.tallied)
    }

    private static func reindex(_ s: inout State) {
        s.index = Dictionary(s.entries.enumerated().map { ($1.spec.name, $0) }, uniquingKeysWith: { a, _ in a })
        s.awaited = s.entries.filter(\.awaited).count
        s.counts = StatusCounts()
        s.critical = StatusCounts()
        s.nonCritical = StatusCounts()
        for e in s.entries {
            s.counts[e.tallied] += 1
            if e.spec.critical { s.critical[e.tallied] += 1 } else { s.nonCritical[e.tallied] += 1 }
        }
    }

    /// Recomputes the service status from the tallies, O(1), on status changes only; the
    /// readiness view is rebuilt lazily when read.
    private static func refresh(_ s: inout State) {
        if !s.startupComplete && s.withResult == s.awaited { s.startupComplete = true }
        s.status = Aggregation.serviceStatus(
            critical: s.critical, nonCritical: s.nonCritical, unknown: Aggregation.UnknownCounts(startupComplete: s.startupComplete))
        s.statusGeneration += 1
    }

    private static func emit(_ s: inout State, _ event: HealthEvent) {
        for sink in s.eventSinks.values { sink.yield(event) }
    }
}

/// A fixed-capacity ring keeping the newest elements.
struct Ring<Element: Sendable>: Sendable {
    private var storage: [Element] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func append(_ e: Element) {
        if storage.count < capacity {
            storage.append(e)
        } else {
            storage[head] = e
            head = (head + 1) % capacity
        }
    }

    /// Oldest first.
    var elements: [Element] { Array(storage[head...] + storage[..<head]) }

    func resized(to n: Int) -> Ring {
        var r = Ring(capacity: n)
        for e in elements.suffix(n) { r.append(e) }
        return r
    }
}

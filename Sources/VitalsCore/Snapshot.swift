import Foundation
import VitalsConfig

/// One judged result as kept in history.
public struct HistoryEntry: Sendable, Equatable {
    public var at: Date
    /// The judgement of this one result (before hysteresis).
    public var judgement: HealthStatus
    public var latency: Duration
    public var message: String
    /// Whether the probe succeeded: a successful one may still be judged unhealthy by a
    /// threshold, and a windowed `success_rate` counts probes, not judgements.
    public var success: Bool

    /// `success` defaults to the judgement not being unhealthy: the best that can be said of a
    /// result stored before storage kept it.
    public init(at: Date, judgement: HealthStatus, latency: Duration, message: String, success: Bool? = nil) {
        self.at = at
        self.judgement = judgement
        self.latency = latency
        self.message = message
        self.success = success ?? (judgement != .unhealthy)
    }
}

/// A status change of a component (after hysteresis).
public struct StatusTransition: Sendable, Equatable {
    public var at: Date
    public var from: HealthStatus
    public var to: HealthStatus
    public var message: String

    public init(at: Date, from: HealthStatus, to: HealthStatus, message: String) {
        self.at = at
        self.from = from
        self.to = to
        self.message = message
    }

    /// How long the status each change brought lasted, for `changes` newest first: until the
    /// next newer change; the newest until `next` (the change after the list, when it is one
    /// page of several) or, when there is none, until `now`, still going on.
    public static func durations(_ changes: [StatusTransition], next: Date?, now: Date) -> [(seconds: Double, ongoing: Bool)] {
        var newer = next
        return changes.map { t in
            defer { newer = t.at }
            guard let end = newer else { return (max(0, now.timeIntervalSince(t.at)), true) }
            return (max(0, end.timeIntervalSince(t.at)), false)
        }
    }
}

/// Everything the endpoints, metrics and alerting know about one component at one moment.
/// Immutable: readers never take the store's lock.
public struct ComponentSnapshot: Sendable {
    public var spec: ComponentSpec
    public var status: HealthStatus
    /// When `status` last changed (or when the component was first seen).
    public var since: Date
    public var lastCheck: Date?
    public var lastResult: ProbeResult?
    /// The judgement of `lastResult` (before hysteresis).
    public var lastJudgement: HealthStatus?
    public var consecutiveFailures: Int
    public var consecutiveSuccesses: Int
    public var lastSuccess: Date?
    /// Newest last, at most `spec.history` entries.
    public var history: [HistoryEntry]
    /// Share of results not judged unhealthy, by window label (`1h`, `24h`); nil before any result.
    public var uptime: [(window: String, ratio: Double)]
    public var counters: ComponentCounters
    /// Set when the newest result is older than `spec.staleAfter` (2 x interval + timeout): a
    /// stuck probe, a silent shard, or results from before a restart. The component is then
    /// shown `unknown`, never as its last status (spec section 4).
    public var staleSince: Date?
    /// Each windowed threshold's reading at the last result (`success_rate`, `latency_p95`...),
    /// judged or not yet; empty for a component without one.
    public var windowReadings: [WindowReading] = []
    /// In a fleet with locations: every location's report (this one's included), by name, and
    /// the quorum's verdict over them, which `status` is. Empty and nil otherwise.
    public var locations: [LocationReport] = []
    public var verdict: LocationVerdict?

    public init(
        spec: ComponentSpec, status: HealthStatus = .unknown, since: Date, lastCheck: Date? = nil,
        lastResult: ProbeResult? = nil, lastJudgement: HealthStatus? = nil, consecutiveFailures: Int = 0,
        consecutiveSuccesses: Int = 0, lastSuccess: Date? = nil, history: [HistoryEntry] = [],
        uptime: [(window: String, ratio: Double)] = [], counters: ComponentCounters = ComponentCounters()
    ) {
        self.spec = spec
        self.status = status
        self.since = since
        self.lastCheck = lastCheck
        self.lastResult = lastResult
        self.lastJudgement = lastJudgement
        self.consecutiveFailures = consecutiveFailures
        self.consecutiveSuccesses = consecutiveSuccesses
        self.lastSuccess = lastSuccess
        self.history = history
        self.uptime = uptime
        self.counters = counters
    }

    public var name: String { spec.name }

    /// Marks the component stale when its newest result is older than its `staleAfter` at
    /// `date`: status `unknown`, message `stale: no result since <time>`. Returns when it will
    /// turn stale if it is not yet (nil when it is, or has no result to go stale). `slack` is
    /// added for a component seen through shared storage, whose newest result reaches this
    /// replica only after its owner's write batch and this replica's next read.
    public mutating func markStale(at date: Date, slack: Duration = .zero) -> Date? {
        guard let lastCheck else { return nil }
        let staleAt = lastCheck.addingTimeInterval((spec.staleAfter + slack).seconds)
        guard date >= staleAt else { return staleAt }
        staleSince = lastCheck
        status = .unknown
        lastResult?.message = "stale: no result since \(RFC3339.string(lastCheck))"
        return nil
    }
}

/// Monotonic counters and the probe-duration histogram of one component, for `/metrics`.
public struct ComponentCounters: Sendable, Equatable {
    public var successes: UInt64 = 0
    public var failures: UInt64 = 0
    /// Runs that could not start on time (never made up with a burst).
    public var skippedRuns: UInt64 = 0
    public var duration = Histogram(buckets: Histogram.probeDurationBuckets)
    public init() {}
}

/// A Prometheus-style cumulative histogram with fixed upper bounds (seconds).
public struct Histogram: Sendable, Equatable {
    public let upperBounds: [Double]
    /// Non-cumulative counts per bucket; the last slot is `+Inf`.
    public private(set) var counts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    public static let probeDurationBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    public static let lagBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    public init(buckets: [Double]) {
        upperBounds = buckets
        counts = Array(repeating: 0, count: buckets.count + 1)
    }

    public mutating func observe(_ value: Double) {
        let i = upperBounds.firstIndex { value <= $0 } ?? upperBounds.count
        counts[i] += 1
        sum += value
        count += 1
    }

    /// Cumulative counts per upper bound, ending with `+Inf`.
    public var cumulative: [(le: Double, count: UInt64)] {
        var running: UInt64 = 0
        var out: [(le: Double, count: UInt64)] = []
        for (i, c) in counts.enumerated() {
            running += c
            out.append((i < upperBounds.count ? upperBounds[i] : .infinity, running))
        }
        return out
    }

    public static func == (a: Histogram, b: Histogram) -> Bool {
        a.upperBounds == b.upperBounds && a.counts == b.counts && a.sum == b.sum && a.count == b.count
    }
}

/// Counts of components by status, as `/health` shows them.
public struct StatusCounts: Sendable, Equatable {
    public var healthy = 0, degraded = 0, unhealthy = 0, unknown = 0
    public init() {}
    public subscript(status: HealthStatus) -> Int {
        get {
            switch status {
            case .healthy: healthy
            case .degraded: degraded
            case .unhealthy: unhealthy
            case .unknown: unknown
            }
        }
        set {
            switch status {
            case .healthy: healthy = newValue
            case .degraded: degraded = newValue
            case .unhealthy: unhealthy = newValue
            case .unknown: unknown = newValue
            }
        }
    }
}

/// The state of the whole service at one moment: what every endpoint answers from.
public struct HealthSnapshot: Sendable {
    /// In config order.
    public var components: [ComponentSnapshot]
    /// Worst status among critical components (non-critical ones at worst degrade it).
    public var status: HealthStatus
    /// Sticky: true once every component has had a first result.
    public var startupComplete: Bool
    /// True from the moment shutdown begins: readiness answers 503.
    public var draining: Bool
    public var counts: StatusCounts
    public var startedAt: Date
    public var generatedAt: Date
    /// Increases with every published snapshot, so renderers can cache by it.
    public var generation: UInt64
    /// The components other replicas probe (`--shard` with shared storage), as they last
    /// wrote them: shown by `/api/v1/components`, `?scope=all` and the status page, never
    /// counted in this replica's status, readiness or metrics.
    public var peers: [ComponentSnapshot] = []

    public init(
        components: [ComponentSnapshot], status: HealthStatus, startupComplete: Bool, draining: Bool,
        counts: StatusCounts, startedAt: Date, generatedAt: Date, generation: UInt64
    ) {
        self.components = components
        self.status = status
        self.startupComplete = startupComplete
        self.draining = draining
        self.counts = counts
        self.startedAt = startedAt
        self.generatedAt = generatedAt
        self.generation = generation
    }

    /// This replica's component of that name, or another replica's.
    public func component(named name: String) -> ComponentSnapshot? {
        components.first { $0.name == name } ?? peers.first { $0.name == name }
    }

    /// Every component of the config: this replica's, then the other replicas'.
    public var allComponents: [ComponentSnapshot] { peers.isEmpty ? components : components + peers }
}

import Foundation

/// The roll-ups every backend keeps: what each batch of results adds to the hourly and daily
/// rows, and each component's last result (its time, status and staleness), from which the time
/// its status held is counted. After a restart the gap to the first new result is simply not
/// counted: unknown. The persistent backends' writer adds the deltas to their tables in SQL;
/// memory adds them to a `RollupTable`.
public struct RollupBook: Sendable {
    public struct Key: Hashable, Sendable {
        public var component: String
        public var period: String
        public var start: Double
    }
    public struct Delta: Sendable {
        public var seconds: [HealthStatus: Double] = [:]
        public var results = 0
        public var failures = 0
        public var latencyMin: Double?
        public var latencySum = 0.0
        public var latencyMax: Double?
    }

    private var last: [String: (at: Date, status: HealthStatus, staleAfter: Duration)] = [:]
    private var pending: [Key: Delta] = [:]

    public init() {}

    static func keys(_ component: String, _ t: Double) -> [Key] {
        [Key(component: component, period: RollupPeriod.hour.rawValue, start: (t / 3600).rounded(.down) * 3600),
         Key(component: component, period: RollupPeriod.day.rawValue, start: (t / 86_400).rounded(.down) * 86_400)]
    }

    public mutating func add(component: String, entry: HistoryEntry, status: HealthStatus, staleAfter: Duration) {
        if let prev = last[component] {
            for span in StatusSeconds.spans(from: prev.at, to: entry.at, status: prev.status, staleAfter: prev.staleAfter) {
                for key in Self.keys(component, span.hour.timeIntervalSince1970) { pending[key, default: Delta()].seconds[span.status, default: 0] += span.seconds }
            }
        }
        last[component] = (entry.at, status, staleAfter)
        let latency = entry.latency.seconds
        for key in Self.keys(component, entry.at.timeIntervalSince1970) {
            var d = pending[key, default: Delta()]
            d.results += 1
            // Failed probes, not unhealthy judgements: while a windowed success_rate is under its
            // unhealthy level, the probes that succeed are judged unhealthy too.
            if !entry.success { d.failures += 1 }
            d.latencyMin = min(d.latencyMin ?? latency, latency)
            d.latencyMax = max(d.latencyMax ?? latency, latency)
            d.latencySum += latency
            pending[key] = d
        }
    }

    /// What the batches since the last call added, handed to the batch that writes it: if
    /// that batch fails, its roll-ups go with it, as its results do.
    public mutating func takePending() -> [Key: Delta] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }
}

extension Rollup {
    /// A new row holding only `delta`: the row an upsert inserts.
    init(start: Date, _ delta: RollupBook.Delta) {
        self.init(
            start: start, healthy: delta.seconds[.healthy] ?? 0, degraded: delta.seconds[.degraded] ?? 0,
            unhealthy: delta.seconds[.unhealthy] ?? 0, results: delta.results, failures: delta.failures, latencyMin: delta.latencyMin,
            latencySum: delta.latencySum, latencyMax: delta.latencyMax)
    }

    /// Adds `delta` to this row, as the backends' upsert does (`SQLiteBatchStore.upsertSQL`).
    mutating func add(_ delta: RollupBook.Delta) {
        healthy += delta.seconds[.healthy] ?? 0
        degraded += delta.seconds[.degraded] ?? 0
        unhealthy += delta.seconds[.unhealthy] ?? 0
        results += delta.results
        failures += delta.failures
        latencyMin = [latencyMin, delta.latencyMin].compactMap { $0 }.min()
        latencySum += delta.latencySum
        latencyMax = [latencyMax, delta.latencyMax].compactMap { $0 }.max()
    }
}

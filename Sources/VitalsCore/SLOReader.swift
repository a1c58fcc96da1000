import Foundation
import VitalsConfig

/// Reads every SLO component's status (`SLOStatus`) now: two roll-up reads for all of them (the
/// SLO windows' buckets, and the hourly ones the 1d / 3d burn windows need) plus the minute
/// rings the store keeps, so a thousand SLOs cost two queries, not two thousand.
public struct SLOReader: Sendable {
    let store: HealthStore
    let history: any HistoryReader
    /// `storage: memory`: the figures cover what this process has seen, and say so.
    let processOnly: Bool
    let now: @Sendable () -> Date

    public init(store: HealthStore, history: any HistoryReader, processOnly: Bool, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.history = history
        self.processOnly = processOnly
        self.now = now
    }

    /// Every component with an `slo:`, in config order; `only` narrows it to one name.
    public func statuses(only: String? = nil) async -> StorageRead<[SLOStatus]> {
        let at = now()
        let components = store.sloComponents().filter { only == nil || $0.spec.name == only }
        guard !components.isEmpty else { return .value([]) }
        let names = components.map(\.spec.name)
        // The SLO windows' buckets by period, from the earliest any of them starts.
        var since: [RollupPeriod: Date] = [:]
        for c in components {
            let w = SLOCalculator.window(c.spec.slo!.period, now: at).rollups
            since[w.period] = min(since[w.period] ?? w.from, w.from)
        }
        let hourlySince = min(since[.hour] ?? .distantFuture, SLOCalculator.hourlySince(now: at))
        since[.hour] = hourlySince
        var read: [RollupPeriod: [String: [Rollup]]] = [:]
        for (period, from) in since {
            switch await history.readRollups(of: names, period: period, since: from, until: at.addingTimeInterval(1)) {
            case .value(let v): read[period] = v
            case .unavailable(let reason): return .unavailable(reason: reason)
            }
        }
        return .value(
            components.map { c in
                let slo = c.spec.slo!
                let period = SLOCalculator.window(slo.period, now: at).rollups.period
                return SLOCalculator.status(
                    component: c.spec.name, spec: slo, now: at, window: read[period]?[c.spec.name] ?? [],
                    hourly: read[.hour]?[c.spec.name] ?? [], ring: c.ring, processOnly: processOnly)
            })
    }
}

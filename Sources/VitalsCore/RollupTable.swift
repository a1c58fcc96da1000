import Foundation

/// The roll-ups of the current run kept in memory (`storage: memory`): the rows a `RollupBook`'s
/// deltas make, added as the persistent backends' upsert adds them, so memory answers the same
/// roll-ups, uptime and strips for the same results.
///
/// Bounded by time: hourly rows for the longest window read hourly (7 days, and the bucket it
/// starts in), daily rows for the longest window read daily (365 days, and its first bucket).
/// After a week a component holds some 178 rows of 88 bytes (about 16 KB); rows older than the bound go as
/// that component's next result is added.
public struct RollupTable: Sendable {
    static let keep: [RollupPeriod: Double] = [.hour: 7 * 86_400 + 3600, .day: 366 * 86_400]

    /// Per period and component, oldest first.
    private var rows: [RollupPeriod: [String: [Rollup]]] = [:]

    public init() {}

    public mutating func add(_ pending: [RollupBook.Key: RollupBook.Delta]) {
        for (key, delta) in pending {
            guard let period = RollupPeriod(rawValue: key.period) else { continue }
            // In place (`inout` through the subscripts): a copy would copy the whole list per result.
            Self.merge(delta, at: Date(timeIntervalSince1970: key.start), keep: Self.keep[period] ?? 0, into: &rows[period, default: [:]][key.component, default: []])
        }
    }

    private static func merge(_ delta: RollupBook.Delta, at start: Date, keep: Double, into list: inout [Rollup]) {
        // Results arrive in time order: the row is the newest or one just before it.
        if let i = list.lastIndex(where: { $0.start <= start }) {
            if list[i].start == start { list[i].add(delta) } else { list.insert(Rollup(start: start, delta), at: i + 1) }
        } else {
            list.insert(Rollup(start: start, delta), at: 0)
        }
        let oldest = (list.last?.start.timeIntervalSince1970 ?? 0) - keep
        if let first = list.firstIndex(where: { $0.start.timeIntervalSince1970 >= oldest }), first > 0 { list.removeFirst(first) }
    }

    /// One component's rows of `period` starting in `[since, until)`, oldest first.
    public func rollups(of component: String, period: RollupPeriod, since: Date, until: Date) -> [Rollup] {
        (rows[period]?[component] ?? []).filter { $0.start >= since && $0.start < until }
    }

    /// Every component with rows of `period`.
    public func components(period: RollupPeriod) -> [String] { Array((rows[period] ?? [:]).keys) }
}

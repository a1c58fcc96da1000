import Foundation

/// `storage: memory`'s history reads: results and status changes from the health store's rings
/// (the newest `history` results and 50 changes of each component), roll-ups from those the
/// memory storage kept of the current run. Answers what SQLite and PostgreSQL answer for the
/// same results while the rings hold them; memory always answers.
public struct MemoryHistory: HistoryReader {
    let store: HealthStore
    let storage: MemoryStorage

    public init(store: HealthStore, storage: MemoryStorage) {
        self.store = store
        self.storage = storage
    }

    public func readHistory(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[HistoryEntry]> {
        let newestFirst = (store.snapshot().component(named: component)?.history ?? []).reversed()
        return .value(Self.select(newestFirst, since: since, until: until, limit: limit, at: \.at))
    }

    public func readTransitions(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[StatusTransition]> {
        .value(Self.select(store.transitions(component: component) ?? [], since: since, until: until, limit: limit, at: \.at))
    }

    public func transition(component: String, after at: Date) async -> StorageRead<StatusTransition?> {
        .value(store.transitions(component: component)?.last { $0.at > at })  // newest first: the last is the nearest
    }

    public func rollups(component: String, window: Duration, now: Date) async -> StorageRead<[Rollup]> {
        let w = RollupWindow(window, now: now)
        return .value(storage.withRollups { $0.rollups(of: component, period: w.period, since: w.from, until: w.to) })
    }

    public func uptimeOfAll(window: Duration, now: Date) async -> StorageRead<[String: (uptime: Double?, coverage: Double)]> {
        let w = RollupWindow(window, now: now)
        return .value(storage.withRollups { table in
            var out: [String: (uptime: Double?, coverage: Double)] = [:]
            for c in table.components(period: w.period) {
                let rows = table.rollups(of: c, period: w.period, since: w.from, until: w.to)
                if !rows.isEmpty { out[c] = w.uptime(rows) }
            }
            return out
        })
    }

    public func readRollups(of components: [String], period: RollupPeriod, since: Date, until: Date) async -> StorageRead<[String: [Rollup]]> {
        .value(storage.withRollups { table in
            var out: [String: [Rollup]] = [:]
            for c in components {
                let rows = table.rollups(of: c, period: period, since: since, until: until)
                if !rows.isEmpty { out[c] = rows }
            }
            return out
        })
    }

    public func readIncidentsByDay(since: Date, until: Date) async -> StorageRead<[String: [Int: Int]]> {
        var out: [String: [Int: Int]] = [:]
        for c in store.snapshot().components {
            let days = Incidents.byDay(store.transitions(component: c.name) ?? [], since: since, until: until)
            if !days.isEmpty { out[c.name] = days }
        }
        return .value(out)
    }

    /// Items newest first in `[since, until]`, at most `limit`, as storage's queries select them.
    static func select<T>(_ newestFirst: some Sequence<T>, since: Date?, until: Date?, limit: Int, at: (T) -> Date) -> [T] {
        var out: [T] = []
        for item in newestFirst where out.count < limit {
            let t = at(item)
            if (since.map { t >= $0 } ?? true) && (until.map { t <= $0 } ?? true) { out.append(item) }
        }
        return out
    }
}

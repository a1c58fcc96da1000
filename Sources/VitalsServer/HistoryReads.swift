import Foundation
import VitalsCore

/// The endpoints' reads of the one history reader, in the shapes they answer with. The same
/// code whatever the backend: uptime is always counted from the window's roll-ups.
extension HistoryReader {
    func history(_ component: String, _ q: HistoryQuery) async -> StorageRead<[HistoryEntry]> {
        await readHistory(component: component, since: q.since, until: q.until, limit: q.limit)
    }

    func transitions(_ component: String, _ q: HistoryQuery) async -> StorageRead<[StatusTransition]> {
        await readTransitions(component: component, since: q.since, until: q.until, limit: q.limit)
    }

    /// Uptime and coverage over the window ending now, with the window's roll-ups as buckets.
    func uptime(_ component: String, _ window: Duration, now: Date = Date()) async -> StorageRead<UptimeReport> {
        await rollups(component: component, window: window, now: now).map { rollups in
            let (u, coverage) = RollupWindow(window, now: now).uptime(rollups)
            return UptimeReport(uptime: u, coverage: coverage, buckets: rollups)
        }
    }

    /// Every component's uptime over the window ending now (no buckets), for the lists.
    func uptimeOfAll(_ window: Duration, now: Date = Date()) async -> StorageRead<[String: UptimeReport]> {
        await uptimeOfAll(window: window, now: now).map { all in
            all.mapValues { UptimeReport(uptime: $0.uptime, coverage: $0.coverage, buckets: []) }
        }
    }
}

import Foundation
import VitalsCore

/// A history reader that answers every window with the same roll-ups and nothing else: for the
/// renderers' arithmetic. The real readers are tested against their backends in
/// `HistoryReaderContractTests`.
struct FakeHistoryReader: HistoryReader {
    var rollups: [Rollup] = []

    func readHistory(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[HistoryEntry]> { .value([]) }
    func readTransitions(component: String, since: Date?, until: Date?, limit: Int) async -> StorageRead<[StatusTransition]> { .value([]) }
    func transition(component: String, after at: Date) async -> StorageRead<StatusTransition?> { .value(nil) }
    func rollups(component: String, window: Duration, now: Date) async -> StorageRead<[Rollup]> { .value(rollups) }
    func uptimeOfAll(window: Duration, now: Date) async -> StorageRead<[String: (uptime: Double?, coverage: Double)]> { .value([:]) }
    func readRollups(of components: [String], period: RollupPeriod, since: Date, until: Date) async -> StorageRead<[String: [Rollup]]> {
        .value([:])
    }
    func readIncidentsByDay(since: Date, until: Date) async -> StorageRead<[String: [Int: Int]]> { .value([:]) }
}

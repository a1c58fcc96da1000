import Foundation
import Testing
import VitalsCore
@testable import VitalsIO
@testable import VitalsStorage

/// Whether each probe succeeded survives a restart (a windowed `success_rate` is rebuilt from
/// it), apart from its judgement; a restore reads as many results as each component asks for.
struct ProbeSuccessStorageTests {
    static func entry(_ i: Int, judgement: HealthStatus, success: Bool) -> HistoryEntry {
        HistoryEntry(
            at: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)), judgement: judgement, latency: .milliseconds(i), message: "r\(i)",
            success: success)
    }

    @Test func successIsStoredApartFromTheJudgement() async throws {
        let path = SQLiteSchemaTests.file()
        defer { SQLiteSchemaTests.remove(path) }
        // A slow success judged unhealthy, a failure, a success judged degraded by its window.
        let written = [
            Self.entry(0, judgement: .unhealthy, success: true), Self.entry(1, judgement: .unhealthy, success: false),
            Self.entry(2, judgement: .degraded, success: true),
        ]
        do {
            let storage = try SQLiteStorage(path: path)
            for e in written { await storage.record(component: "api", entry: e) }
            for i in 3..<400 { await storage.record(component: "api", entry: Self.entry(i, judgement: .healthy, success: true)) }
            for i in 0..<400 { await storage.record(component: "db", entry: Self.entry(i, judgement: .healthy, success: true)) }
            storage.close()
        }
        let reopened = try SQLiteStorage(path: path)
        defer { reopened.close() }
        let oldest = await reopened.history(component: "api", since: nil, until: written[2].at, limit: 10)
        #expect(oldest == written.reversed())
        // Each component its own depth: a window of 400 results, a history of 20.
        let restored = await reopened.restore(components: [("api", 400), ("db", 20)])
        #expect(restored["api"]?.history.count == 400)
        #expect(restored["api"]?.history.suffix(3).map(\.success) == [true, false, true])
        #expect(restored["db"]?.history.count == 20)
    }

    /// A database from before the column: its results read back with the best guess (a probe
    /// whose result was not judged unhealthy succeeded), new results with the truth.
    @Test func aVersionOneDatabaseIsMigratedAndItsResultsGuessed() async throws {
        let path = SQLiteSchemaTests.file()
        defer { SQLiteSchemaTests.remove(path) }
        do {
            let db = try SQLiteSchemaTests.older(path, version: 1)
            try db.execute(
                "INSERT INTO results (component, at, status, latency, message) VALUES ('api', 1800000000, 'unhealthy', 0.5, 'refused'), ('api', 1800000001, 'degraded', 0.4, 'slow')")
        }
        let storage = try SQLiteStorage(path: path)
        await storage.record(component: "api", entry: Self.entry(2, judgement: .unhealthy, success: true))
        storage.close()
        let reopened = try SQLiteStorage(path: path)
        defer { reopened.close() }
        let history = await reopened.history(component: "api", since: nil, until: nil, limit: 10)
        #expect(history.map(\.success) == [true, true, false])
        #expect(history.map(\.judgement) == [.unhealthy, .degraded, .unhealthy])
    }
}

import Foundation
import Testing
import VitalsCore
@testable import VitalsIO
@testable import VitalsStorage

/// Each result is stored with the location it was probed from (`fleet.location`); rows of a
/// database from before the column read back as the one location there was.
struct ResultLocationStorageTests {
    @Test func resultsKeepTheirLocationAndOlderRowsAreTheDefault() async throws {
        let path = SQLiteSchemaTests.file()
        defer { SQLiteSchemaTests.remove(path) }
        do {
            let db = try SQLiteSchemaTests.older(path, version: 2)
            try db.execute("INSERT INTO results (component, at, status, latency, message, success) VALUES ('api', 1800000000, 'healthy', 0.5, 'old', 1)")
        }
        var options = StorageOptions()
        options.location = "fra"
        let storage = try SQLiteStorage(path: path, options: options)
        await storage.record(
            component: "api", entry: HistoryEntry(at: Date(timeIntervalSince1970: 1_800_000_001), judgement: .healthy, latency: .milliseconds(3), message: "new"))
        storage.close()
        let db = try SQLiteDatabase(path: path)
        #expect(try db.prepare("SELECT message, location FROM results ORDER BY at").rows() == [[.text("old"), .text("default")], [.text("new"), .text("fra")]])
        #expect(try db.prepare("SELECT max(version) FROM vitals_schema").rows() == [[.integer(Int64(SQLiteSchema.version))]])
    }

    /// The PostgreSQL batch: results with the writer's location, and that location's latest
    /// state of each component (after its hysteresis), newest only, for the other locations.
    @Test func postgresBatchesWriteTheLocation() {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let batch: [StorageWrite] = [0, 1].map { i in
            .result(
                "api", HistoryEntry(at: at.addingTimeInterval(Double(i)), judgement: .unhealthy, latency: .milliseconds(2), message: "r\(i)"),
                observations: [], status: i == 0 ? .healthy : .unhealthy, staleAfter: .seconds(22))
        }
        let sql = PostgresBatchStore.sql(batch, rollups: [:], location: "sgp")
        #expect(sql.contains(",'{}',false,'sgp')"))
        #expect(sql.contains("INSERT INTO location_status (component, location, status, last_check, latency, message) VALUES ('api','sgp','unhealthy',1800000001.0,0.002,'r1')"))
        #expect(sql.contains("WHERE location_status.last_check <= excluded.last_check"))
    }
}

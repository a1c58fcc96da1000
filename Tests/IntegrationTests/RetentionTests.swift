import Foundation
import Testing
import VitalsIO
import VitalsTestSupport

/// Retention holds at scale (issue 26): 300 components at 1 s into SQLite with `retention: 30s`
/// for three minutes. Once retention is reached the results table and the file stop growing,
/// the oldest row stays younger than retention plus one pruning period (5 s), and `/metrics`
/// says so (`vitals_storage_database_bytes`, `vitals_storage_oldest_result_age_seconds`).
struct RetentionTests {
    struct Sample {
        var at: Duration
        var rows: Int64
        var bytes: Int64
        var oldest: Double
    }

    @Test(.timeLimit(.minutes(5)))
    func resultsStopGrowingOnceRetentionIsReached() async throws {
        let dir = ScratchFolder()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("state.db").path
        var body = "storage: { type: sqlite, path: \"\(path)\", retention: 30s }\n"
        body += "defaults: { interval: 1s, timeout: 500ms, history: 5 }\ncomponents:\n"
        for i in 0..<300 { body += "  - { name: m\(i), type: memory, critical: false }\n" }
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/live") { s, _ in s == 200 }
        let start = ContinuousClock.now
        var samples: [Sample] = []
        // The file as a second reader sees it, as an operator's sqlite3 would.
        let db = try SQLiteDatabase(path: path, readOnly: true)
        while start.duration(to: .now) < .seconds(180) {
            try await Task.sleep(for: .seconds(10))
            let row = try db.prepare("SELECT count(*), min(at) FROM results").rows().first ?? []
            guard row.count == 2, case .integer(let rows) = row[0], case .real(let oldest) = row[1] else {
                Issue.record("no results yet: \(row)")
                continue
            }
            let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            samples.append(Sample(at: start.duration(to: .now), rows: rows, bytes: bytes, oldest: Date().timeIntervalSince1970 - oldest))
        }
        let report = samples.map { "\($0.at.seconds.rounded())s: \($0.rows) rows, \($0.bytes) B, oldest \(($0.oldest * 10).rounded() / 10)s" }
        let settled = samples.filter { $0.at >= .seconds(60) }
        #expect(settled.count >= 10, "\(report)")
        // 300 results a second for 30-35 s: about 9,000-10,500 rows; one pruning period of
        // jitter (1,500 rows) between samples, never a trend.
        let rows = settled.map(\.rows)
        #expect((rows.max() ?? 0) - (rows.min() ?? 0) <= 2_000, "rows not flat: \(report)")
        #expect((rows.max() ?? .max) <= 12_000, "\(report)")
        // Freed pages are reused: the file grows by less than a tenth after the first minute.
        let bytes = settled.map(\.bytes)
        #expect(Double(bytes.last ?? 0) <= Double(bytes.first ?? 0) * 1.1, "file grows: \(report)")
        // Younger than retention plus one pruning period (and a second for a pass's own time).
        #expect(settled.allSatisfy { $0.oldest < 36 }, "\(report)")

        let metrics = MetricSamples(try await vitals.get("/metrics").body)
        let age = try #require(metrics.value("vitals_storage_oldest_result_age_seconds", [:]))
        #expect(age > 25 && age < 36, "\(age)")
        let size = try #require(metrics.value("vitals_storage_database_bytes", [:]))
        #expect(size > 0 && size <= Double(bytes.last ?? 0) * 1.1)
        #expect((metrics.value("vitals_storage_pruned_total", [:]) ?? 0) > 20_000)
        #expect(metrics.value("vitals_storage_writes_total", ["result": "dropped"]) == 0)
    }
}

/// The same on PostgreSQL, shorter: 200 components at 500 ms (400 results a second) with
/// `retention: 15s` for 75 s.
@Suite(.serialized, .enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
struct PostgresRetentionTests {
    @Test(.timeLimit(.minutes(3)))
    func resultsStopGrowingOnceRetentionIsReached() async throws {
        let db = try PostgresStorageTests.Database()
        defer { db.drop() }
        var body = db.storageSection.replacingOccurrences(of: " }\n", with: ", retention: 15s }\n")
        body += "defaults: { interval: 500ms, timeout: 400ms, history: 5 }\ncomponents:\n"
        for i in 0..<200 { body += "  - { name: m\(i), type: memory, critical: false }\n" }
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/live") { s, _ in s == 200 }
        let start = ContinuousClock.now
        var samples: [(at: Duration, rows: Int, oldest: Double)] = []
        while start.duration(to: .now) < .seconds(75) {
            try await Task.sleep(for: .seconds(5))
            let row = try db.psql("SELECT count(*), coalesce(extract(epoch FROM now()) - min(at), 0) FROM results").split(separator: "|")
            guard row.count == 2, let rows = Int(row[0]), let oldest = Double(row[1]) else { continue }
            samples.append((start.duration(to: .now), rows, oldest))
        }
        let report = samples.map { "\($0.at.seconds.rounded())s: \($0.rows) rows, oldest \(($0.oldest * 10).rounded() / 10)s" }
        let settled = samples.filter { $0.at >= .seconds(30) }
        #expect(settled.count >= 7, "\(report)")
        let rows = settled.map(\.rows)
        // 400 a second for 15-20 s: 6,000-8,000 rows; a pruning period of jitter (2,000).
        #expect((rows.max() ?? 0) - (rows.min() ?? 0) <= 2_600, "rows not flat: \(report)")
        #expect(settled.allSatisfy { $0.oldest < 21 }, "\(report)")
        let metrics = MetricSamples(try await vitals.get("/metrics").body)
        #expect((metrics.value("vitals_storage_database_bytes", [:]) ?? 0) > 0)
        #expect((metrics.value("vitals_storage_oldest_result_age_seconds", [:]) ?? 99) < 21)
    }
}

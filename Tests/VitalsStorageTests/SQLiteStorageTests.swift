import Foundation
import Testing
import VitalsCore
@testable import VitalsIO
@testable import VitalsStorage

/// The SQLite backend against real files: what it stores comes back after it is closed and
/// opened again, newest first and bounded; a full queue drops the oldest results and counts them.
struct SQLiteStorageTests {
    static func entry(_ i: Int, _ status: HealthStatus = .healthy) -> HistoryEntry {
        HistoryEntry(at: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)), judgement: status, latency: .milliseconds(i), message: "result \(i)")
    }

    @Test func historyTransitionsAndStateSurviveAReopen() async throws {
        let path = SQLiteSchemaTests.file()
        defer { SQLiteSchemaTests.remove(path) }
        do {
            let storage = try SQLiteStorage(path: path)
            for i in 0..<2_500 { await storage.record(component: "db", entry: Self.entry(i, i % 10 == 0 ? .unhealthy : .healthy)) }
            await storage.record(component: "other", entry: Self.entry(0))
            await storage.record(component: "db", transition: StatusTransition(at: Self.entry(10).at, from: .healthy, to: .unhealthy, message: "refused"))
            await storage.record(component: "db", transition: StatusTransition(at: Self.entry(11).at, from: .unhealthy, to: .healthy, message: "ok"))
            try await storage.put(namespace: "alerts", key: "db-down", value: Data([1, 2, 3]))
            try await storage.put(namespace: "alerts", key: "db-down", value: Data([4]))
            try await storage.put(namespace: "alerts", key: "gone", value: Data([9]))
            try await storage.remove(namespace: "alerts", key: "gone")
            storage.close()
            let w = storage.writes
            #expect(w.written == 2_507 && w.dropped == 0 && w.failed == 0)
        }
        let reopened = try SQLiteStorage(path: path)
        defer { reopened.close() }
        let newest = await reopened.history(component: "db", since: nil, until: nil, limit: 100)
        #expect(newest.count == 100)
        #expect(newest.first == Self.entry(2_499))
        #expect(newest.last == Self.entry(2_400, .unhealthy))
        let window = await reopened.history(component: "db", since: Self.entry(5).at, until: Self.entry(9).at, limit: 100)
        #expect(window.map(\.message) == ["result 9", "result 8", "result 7", "result 6", "result 5"])
        #expect(await reopened.history(component: "other", since: nil, until: nil, limit: 10).count == 1)
        #expect(await reopened.history(component: "missing", since: nil, until: nil, limit: 10).isEmpty)
        let transitions = await reopened.transitions(component: "db", since: nil, until: nil, limit: 10)
        #expect(transitions.map(\.to) == [.healthy, .unhealthy])
        #expect(try await reopened.all(namespace: "alerts") == ["db-down": Data([4])])
        #expect(reopened.isPersistent)
    }

    /// Another connection holds the write lock (a slow or busy disk): the writer waits, the
    /// queue fills, and the oldest results are dropped and counted while recording never waits.
    @Test func aFullQueueDropsTheOldestResultsAndCountsThem() async throws {
        let path = SQLiteSchemaTests.file()
        defer { SQLiteSchemaTests.remove(path) }
        var options = SQLiteStorage.Options()
        options.queueCapacity = 10
        let storage = try SQLiteStorage(path: path, options: options)
        let blocker = try SQLiteDatabase(path: path)
        try blocker.execute("BEGIN IMMEDIATE")
        let start = ContinuousClock.now
        for i in 0..<100 { await storage.record(component: "db", entry: Self.entry(i)) }
        let enqueueing = start.duration(to: .now)
        // At most one batch (capacity results) is with the writer, at most capacity queued.
        #expect(storage.writes.dropped >= 80, "\(storage.writes)")
        #expect(enqueueing < .seconds(1), "recording waited for the writer: \(enqueueing)")
        try blocker.execute("COMMIT")
        storage.close()
        let counts = storage.writes
        #expect(counts.written + counts.dropped == 100)
        #expect(counts.failed == 0)
        // The oldest went: the newest result is kept.
        #expect(await storage.history(component: "db", since: nil, until: nil, limit: 1) == [Self.entry(99)])
        // Closed: what comes later is dropped and counted, never queued.
        await storage.record(component: "db", entry: Self.entry(100))
        #expect(storage.writes.dropped == counts.dropped + 1)
        await #expect(throws: StorageError.self) { try await storage.put(namespace: "a", key: "b", value: Data()) }
    }

    /// Results past `retention` are deleted in small passes while writing goes on; newer ones
    /// and the status changes (kept for `rollup_retention`) stay.
    @Test func retentionPrunesInSmallPasses() async throws {
        let path = SQLiteSchemaTests.file()
        defer { SQLiteSchemaTests.remove(path) }
        var options = SQLiteStorage.Options()
        options.retention = .seconds(3600)
        options.pruneEvery = .milliseconds(10)
        options.pruneBatch = 20
        let now = Self.entry(0).at.addingTimeInterval(3600 + 50)
        options.now = { now }
        let storage = try SQLiteStorage(path: path, options: options)
        for i in 0..<200 { await storage.record(component: "db", entry: Self.entry(i)) }
        await storage.record(component: "db", transition: StatusTransition(at: Self.entry(0).at, from: .unknown, to: .healthy, message: "ok"))
        let deadline = ContinuousClock.now + .seconds(10)
        while storage.writes.pruned < 50, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        storage.close()
        #expect(storage.writes.pruned == 50)
        let kept = await storage.history(component: "db", since: nil, until: nil, limit: 1_000)
        #expect(kept.count == 150)
        #expect(kept.last == Self.entry(50))
        #expect(await storage.transitions(component: "db", since: nil, until: nil, limit: 10).count == 1)
        #expect(storage.metricsText().contains("vitals_storage_write_lag_seconds "))
    }
}

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
        let reports = Locked<[UInt64]>([])
        options.report = { dropped, _, _ in reports.withLock { $0.append(dropped) } }
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
        // Said, not silent: the writer reported every drop (at the latest when it stopped).
        #expect(reports.withLock { $0.reduce(0, +) } == counts.dropped)
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

    /// Roll-ups weigh status by time: an hour healthy, an hour unhealthy, an hour with no result
    /// (Vitals down), and one result after it. The hour down is unknown: it lowers the coverage,
    /// not the uptime; the status before it holds only for its staleness.
    @Test func rollupsWeighStatusByTimeAndLeaveGapsUnknown() async throws {
        let path = SQLiteSchemaTests.file()
        defer { SQLiteSchemaTests.remove(path) }
        let storage = try SQLiteStorage(path: path)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 86_400))
        func record(_ k: Double, _ status: HealthStatus, latency: Int = 5) {
            let e = HistoryEntry(at: t0.addingTimeInterval(k), judgement: status, latency: .milliseconds(latency), message: "")
            storage.recorded(component: "db", entry: e, observations: [Observation("connect_time", 0.001, unit: "seconds"), Observation("role", text: "primary")], status: status, staleAfter: .seconds(25), transition: nil)
        }
        for k in 0..<720 { record(Double(k * 10), k < 360 ? .healthy : .unhealthy, latency: k == 100 ? 90 : 5) }
        record(10_800, .healthy)
        storage.close()
        let r = await storage.uptime(component: "db", window: .seconds(4 * 3600), now: t0.addingTimeInterval(4 * 3600))
        #expect(abs((r.uptime ?? -1) - 3600.0 / 7215) < 1e-9, "\(r)")
        #expect(abs(r.coverage - 7215.0 / 14_400) < 1e-9, "\(r)")
        // The first hour alone: all healthy, fully covered.
        let first = await storage.uptime(component: "db", window: .seconds(3600), now: t0.addingTimeInterval(3600))
        #expect(first.uptime == 1 && first.coverage == 1)
        let db = try SQLiteDatabase(path: path, readOnly: true)
        let hour = try db.prepare("SELECT results, failures, latency_min, latency_max FROM rollups WHERE component = 'db' AND period = 'hour' ORDER BY start").rows()
        #expect(hour.first == [.integer(360), .integer(0), .real(0.005), .real(0.09)])
        #expect(hour.count == 4, "three hours with results and the hour they ran into: \(hour)")
        let day = try db.prepare("SELECT sum(results), sum(healthy_seconds), sum(unhealthy_seconds) FROM rollups WHERE period = 'day'").rows()
        #expect(day == [[.integer(721), .real(3600), .real(3615)]])
        #expect(await storage.uptime(component: "nothing", window: .seconds(3600)).uptime == nil)
        // Each result keeps its observations.
        let stored = try db.prepare("SELECT observations FROM results LIMIT 1").rows()
        #expect(stored == [[.text(#"{"connect_time":0.001,"role":"primary"}"#)]])
    }

    /// The status page's reads: every named component's daily roll-ups in one query (and only
    /// the named ones, only the range asked), and incidents by UTC day: a turn from healthy to
    /// degraded or unhealthy counts, a worsening within one incident and a recovery do not.
    @Test func rollupsOfManyComponentsAndIncidentsByDay() async throws {
        let path = SQLiteSchemaTests.file()
        defer { SQLiteSchemaTests.remove(path) }
        let storage = try SQLiteStorage(path: path)
        let day0 = Date(timeIntervalSince1970: 20_000 * 86_400)
        for name in ["a", "b", "c\"'"] {
            for k in 0..<3 {
                let e = HistoryEntry(at: day0.addingTimeInterval(Double(k) * 86_400 + 100), judgement: .healthy, latency: .milliseconds(4), message: "")
                storage.recorded(component: name, entry: e, observations: [], status: .healthy, staleAfter: .seconds(30), transition: nil)
                let next = e.at.addingTimeInterval(20)
                storage.recorded(
                    component: name, entry: HistoryEntry(at: next, judgement: .unhealthy, latency: .milliseconds(6), message: ""), observations: [],
                    status: .unhealthy, staleAfter: .seconds(30), transition: nil)
            }
        }
        for (at, from, to) in [(100.0, HealthStatus.healthy, HealthStatus.degraded), (200, .degraded, .unhealthy), (300, .unhealthy, .healthy), (86_500, .unknown, .unhealthy)] {
            await storage.record(component: "a", transition: StatusTransition(at: day0.addingTimeInterval(at), from: from, to: to, message: ""))
        }
        storage.close()
        let days = await storage.rollups(of: ["a", "c\"'", "missing"], period: .day, since: day0, until: day0.addingTimeInterval(2 * 86_400))
        #expect(Set(days.keys) == ["a", "c\"'"])
        #expect(days["a"]?.map(\.start) == [day0, day0.addingTimeInterval(86_400)])
        #expect(days["a"]?.first?.healthy == 20 && days["a"]?.first?.results == 2 && days["a"]?.first?.failures == 1)
        let hours = await storage.rollups(of: ["b"], period: .hour, since: day0, until: day0.addingTimeInterval(3600))
        #expect(hours["b"]?.count == 1)
        #expect(await storage.rollups(of: [], period: .day, since: day0, until: day0).isEmpty)
        let incidents = await storage.incidentsByDay(since: day0, until: day0.addingTimeInterval(3 * 86_400))
        #expect(incidents == ["a": [20_000: 1, 20_001: 1]])
        // The same rule as the in-memory count.
        let memory = Incidents.byDay(
            [StatusTransition(at: day0.addingTimeInterval(100), from: .healthy, to: .degraded, message: ""),
             StatusTransition(at: day0.addingTimeInterval(200), from: .degraded, to: .unhealthy, message: "")],
            since: day0, until: day0.addingTimeInterval(86_400))
        #expect(memory == [20_000: 1])
    }
}

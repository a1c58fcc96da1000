import Foundation
import Synchronization
import Testing
import VitalsConfig
import VitalsCore
import VitalsTestSupport

@testable import VitalsStorage

/// One contract for every `HistoryReader`: memory (the health store's rings and the roll-ups of
/// the run), SQLite in a temporary file and PostgreSQL from the test servers are given the same
/// results through the health store, as the daemon gives them, and must answer every read the
/// same: results, status changes, the change after a time, roll-ups of a window, everyone's
/// uptime, the status page's strips and incidents.
@Suite(.serialized)
struct HistoryReaderContractTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case memory, sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// A backend with the store that records into it, and how to wait for its writes and close it.
    struct Opened {
        var storage: any Storage
        var recorder: any ResultRecorder
        var written: @Sendable () -> UInt64
        var close: @Sendable () -> Void
    }

    /// A backend whose server is not configured (PostgreSQL outside `make test`) skips the case,
    /// or fails it under `make test` (`TestEnvironment.require`).
    static func open(_ backend: Backend) async throws -> Opened {
        switch backend {
        case .memory:
            let m = MemoryStorage()
            return Opened(storage: m, recorder: m, written: { .max }, close: {})
        case .sqlite:
            let path = SQLiteSchemaTests.file()
            let s = try SQLiteStorage(path: path)
            return Opened(storage: s, recorder: s, written: { s.writes.written }, close: { s.close(); SQLiteSchemaTests.remove(path) })
        case .postgres:
            let dsn = try TestEnvironment.require("VITALS_TEST_PG_DSN")
            let s = try await PostgresStorage.open(dsn: dsn, password: try TestEnvironment.require("VITALS_TEST_PG_PASSWORD"))
            return Opened(storage: s, recorder: s, written: { s.writes.written }, close: { s.close() })
        }
    }

    /// The store's clock, moved by the test.
    final class TestClock: Sendable {
        let now: Mutex<Date>
        init(_ start: Date) { now = Mutex(start) }
        func set(_ date: Date) { now.withLock { $0 = date } }
    }

    static func spec(_ name: String) -> ComponentSpec {
        ComponentSpec(
            name: name, interval: .seconds(60), timeout: .seconds(5), failureThreshold: 1, successThreshold: 1, history: 1_000,
            probe: .tcp(TCPSettings(address: "127.0.0.1:1")))
    }

    /// Midnight (UTC) starting yesterday: the results run from two hours before it to past it, so
    /// they fall on two days (recent enough that retention keeps them).
    static let midnight = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 - 86_400)
    static let base = midnight.addingTimeInterval(-7200)

    /// `api`: 90 successes a minute apart, 5 failures, 30 successes, two hours without a result,
    /// 20 successes. `db`: two failures and a success. Returns the time after the last result.
    static func record(into store: HealthStore, clock: TestClock, api: String, db: String) -> Date {
        func result(_ name: String, at t: Double, _ ok: Bool) {
            clock.set(base.addingTimeInterval(t))
            store.record(component: name, result: ProbeResult(success: ok, latency: .milliseconds(ok ? 10 : 500), message: ok ? "ok" : "refused"))
        }
        for i in 0..<125 { result(api, at: Double(i) * 60, !(90..<95).contains(i)) }
        for (j, ok) in [false, false, true].enumerated() { result(db, at: 30 + Double(j) * 60, ok) }
        for j in 0..<20 { result(api, at: 14_640 + Double(j) * 60, true) }
        return base.addingTimeInterval(14_640 + 19 * 60 + 30)
    }

    @Test(arguments: Backend.allCases)
    func everyBackendAnswersTheSame(_ backend: Backend) async throws {
        let opened = try await Self.open(backend)
        defer { opened.close() }
        // Names of their own: PostgreSQL's database is shared with other tests.
        let tag = UInt32.random(in: 0...UInt32.max)
        let (api, db) = ("api-\(tag)", "db-\(tag)")
        let clock = TestClock(Self.base)
        let store = HealthStore(components: [Self.spec(api), Self.spec(db)], recorder: opened.recorder, now: { clock.now.withLock { $0 } })
        let end = Self.record(into: store, clock: clock, api: api, db: db)
        let reader = opened.storage.historyReader(over: store)

        // Every result and change written (a bounded wait for the writer's batches).
        let recorded = store.snapshot().components.map(\.history.count).reduce(0, +)
        let changes = [api, db].map { store.transitions(component: $0)?.count ?? 0 }.reduce(0, +)
        #expect(recorded == 148 && changes == 5)
        let deadline = ContinuousClock.now + .seconds(20)
        while opened.written() < UInt64(recorded + changes), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(opened.written() >= UInt64(recorded + changes))

        // Results: all, newest first, as the store recorded them; and a range with a limit.
        let all = Array((store.snapshot().component(named: api)?.history ?? []).reversed())
        #expect(all.count == 145)
        #expect(try #require(await reader.readHistory(component: api, since: nil, until: nil, limit: 1_000).value) == all)
        let (since, until) = (Self.base.addingTimeInterval(5_400), Self.base.addingTimeInterval(5_700))
        let ranged = try #require(await reader.readHistory(component: api, since: since, until: until, limit: 4).value)
        #expect(ranged.map(\.at) == [5_700, 5_640, 5_580, 5_520].map { Self.base.addingTimeInterval($0) })
        #expect(ranged.map(\.judgement) == [.healthy, .unhealthy, .unhealthy, .unhealthy])
        #expect(await reader.readHistory(component: "missing-\(tag)", since: nil, until: nil, limit: 10).value == [])

        // Status changes, newest first, and the change after each.
        let changesOfAPI = try #require(await reader.readTransitions(component: api, since: nil, until: nil, limit: 50).value)
        #expect(changesOfAPI.map(\.to) == [.healthy, .unhealthy, .healthy])
        #expect(changesOfAPI.map(\.from) == [.unhealthy, .healthy, .unknown])
        #expect(changesOfAPI.map(\.at) == [5_700, 5_400, 0].map { Self.base.addingTimeInterval($0) })
        #expect(changesOfAPI == store.transitions(component: api))
        #expect(await reader.readTransitions(component: api, since: Self.base.addingTimeInterval(1), until: nil, limit: 1).value == [changesOfAPI[0]])
        #expect(await reader.transition(component: api, after: changesOfAPI[2].at).value == changesOfAPI[1])
        #expect(await reader.transition(component: api, after: changesOfAPI[0].at).value == .some(nil))

        // Roll-ups of a 7-day window (hourly): none for the hour without a result; seconds per
        // status counted from result to result, at most the staleness (125 s) past the last.
        let hours = try #require(await reader.rollups(component: api, window: .seconds(7 * 86_400), now: end).value)
        #expect(hours.map(\.start) == [0, 3600, 7200, 14_400].map { Self.base.addingTimeInterval($0) })
        #expect(hours.map(\.results) == [60, 60, 5, 20])
        #expect(hours.map(\.failures) == [0, 5, 0, 0])
        Self.expectClose(hours.map(\.healthy), [3600, 1800 + 1500, 240 + 125, 1140])
        Self.expectClose(hours.map(\.unhealthy), [0, 300, 0, 0])
        #expect(hours.compactMap(\.latencyMin).map { ($0 * 1000).rounded() } == [10, 10, 10, 10])
        #expect(hours.compactMap(\.latencyMax).map { ($0 * 1000).rounded() } == [10, 500, 10, 10])

        // A 30-day window (daily): two days, the same seconds in all.
        let days = try #require(await reader.rollups(component: api, window: .seconds(30 * 86_400), now: end).value)
        #expect(days.map(\.start) == [Self.midnight.addingTimeInterval(-86_400), Self.midnight])
        #expect(days.map(\.results).reduce(0, +) == 145)
        Self.expectClose([days.map(\.healthy).reduce(0, +), days.map(\.unhealthy).reduce(0, +)], [8_405, 300])

        // Everyone's uptime over 24 hours, as the window's roll-ups count it.
        let everyone = try #require(await reader.uptimeOfAll(window: .seconds(86_400), now: end).value)
        let window = RollupWindow(.seconds(86_400), now: end)
        let expectedAPI = window.uptime(healthy: 8_405, degraded: 0, unhealthy: 300)
        Self.expectClose([everyone[api]?.uptime ?? -1, everyone[api]?.coverage ?? -1], [expectedAPI.uptime!, expectedAPI.coverage])
        Self.expectClose([everyone[db]?.uptime ?? -1, everyone[db]?.coverage ?? -1], [0, 120 / window.seconds])

        // The status page's reads: daily strips and hourly roll-ups of several components in one
        // read (none for a name without results), incidents by day.
        let strips = try #require(await reader.readRollups(of: [api, db, "missing-\(tag)"], period: .day, since: Self.midnight.addingTimeInterval(-86_400), until: end).value)
        #expect(strips[api]?.map(\.start) == days.map(\.start))
        #expect(strips[db]?.map(\.results) == [3])
        #expect(strips["missing-\(tag)"] == nil)
        let lastDay = try #require(await reader.readRollups(of: [api], period: .hour, since: window.from, until: end).value)
        #expect(lastDay[api]?.map(\.start) == hours.map(\.start))
        let incidents = try #require(await reader.readIncidentsByDay(since: Self.midnight.addingTimeInterval(-86_400), until: end).value)
        let firstDay = Incidents.day(Self.base)
        #expect(incidents[api] == [firstDay: 1])
        #expect(incidents[db] == [firstDay: 1])
    }

    static func expectClose(_ got: [Double], _ expected: [Double], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(got.count == expected.count, sourceLocation: sourceLocation)
        for (g, e) in zip(got, expected) { #expect(abs(g - e) < 1e-6, "\(got) != \(expected)", sourceLocation: sourceLocation) }
    }
}

/// The memory backend's roll-ups are bounded by time: a week of hourly rows and a year of daily
/// ones, whatever the run's length.
struct RollupTableTests {
    @Test func rowsOlderThanTheirPeriodsKeepGo() {
        var book = RollupBook()
        var table = RollupTable()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        // A result every 30 minutes for 400 days.
        for i in 0..<(400 * 48) {
            let at = start.addingTimeInterval(Double(i) * 1800)
            book.add(component: "a", entry: HistoryEntry(at: at, judgement: .healthy, latency: .milliseconds(1), message: ""), status: .healthy, staleAfter: .seconds(3600))
            table.add(book.takePending())
        }
        let everything = (Date.distantPast, Date.distantFuture)
        #expect(table.rollups(of: "a", period: .hour, since: everything.0, until: everything.1).count == 7 * 24 + 2)
        #expect(table.rollups(of: "a", period: .day, since: everything.0, until: everything.1).count == 367)
    }
}

import Foundation
import Testing
import VitalsTestSupport

/// The status page's reads from each backend (memory, SQLite, PostgreSQL): the day strip's cell
/// for today comes from the daily roll-ups the daemon kept, and counts the incident of a
/// component that went down (unknown to unhealthy) through the incidents-by-day read. The
/// healthy component's day is all up, the failing one's all down; its 7-day and 30-day latency
/// charts are drawn from hourly and daily roll-ups.
@Suite(.serialized, .enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
struct StatusPageStorageTests {
    func check(storage: String) async throws {
        let target = try TCPTarget()
        try target.open()
        defer { target.close() }
        let closed = try FreePort.pick()
        let body = """
            defaults: { interval: 200ms, timeout: 150ms, failure_threshold: 1 }
            \(storage)components:
              - { name: up, type: tcp, address: "127.0.0.1:\(target.port)" }
              - { name: down, type: tcp, address: "127.0.0.1:\(closed)" }

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        // Roll-ups and the transition written before the page's first (cached) read.
        for (name, uptime) in [("up", "1.0"), ("down", "0.0")] {
            try await vitals.waitFor("/api/v1/components/\(name)/uptime?window=24h", timeout: .seconds(20)) { s, b in
                s == 200 && b.contains("\"uptime\":\(uptime),")
            }
        }
        try await vitals.waitFor("/api/v1/components/down/transitions") { _, b in b.contains("\"to\":\"unhealthy\"") }
        let page = try await vitals.get("/")
        #expect(page.status == 200)
        let today = #"[A-Z][a-z]{2} [0-9]{1,2}: "#
        #expect(page.body.range(of: today + #"100% up[^<]*, no incidents</title>"#, options: .regularExpression) != nil, "up's day")
        #expect(page.body.range(of: today + #"0\.0% up[^<]*, 1 incident</title>"#, options: .regularExpression) != nil, "down's day: \(page.body.suffix(3000))")
        // The week's and month's buckets, with the results' latency, for the API and the charts.
        for window in ["7d", "30d"] {
            let answer = try await vitals.get("/api/v1/components/up/uptime?window=\(window)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            let buckets = try #require(json["buckets"] as? [[String: Any]])
            #expect((1...2).contains(buckets.count), "\(window): \(answer.body)")
            #expect((buckets.first?["results"] as? Int ?? 0) > 0, "\(window): \(answer.body)")
            #expect(((buckets.first?["latency_ms"] as? [String: Any])?["avg"] as? Double ?? 0) > 0, "\(window): \(answer.body)")
        }
        let component = try await vitals.get("/components/up")
        #expect(component.body.contains("7d: hourly min, average and max") && component.body.contains("30d: daily min, average and max"))
    }

    /// Without a database: the roll-ups and changes of the current run, kept in memory.
    @Test func memory() async throws {
        try await check(storage: "storage: { type: memory }\n")
    }

    @Test func sqlite() async throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        try await check(storage: "storage: { type: sqlite, path: \"\(folder.path)/state.db\" }\n")
    }

    @Test func postgres() async throws {
        let db = try PostgresStorageTests.Database()
        defer { db.drop() }
        try await check(storage: db.storageSection)
    }
}

import Foundation
import Testing
import VitalsTestSupport
import VitalsIO

/// `storage: sqlite` in a running daemon: every result and status change
/// reaches the file, the writes are counted in `/metrics`, and a database written by a newer
/// Vitals fails the start in its own words.
struct StorageTests {
    /// A daemon's config watching one TCP target, with sqlite storage at `path` (nil: in memory).
    static func watching(_ target: TCPTarget, defaults: String, sqlite path: String?) -> String {
        let storage = path.map { "storage: { type: sqlite, path: \"\($0)\" }\n" } ?? ""
        return "defaults: { \(defaults) }\n\(storage)components:\n  - { name: target, type: tcp, address: \"127.0.0.1:\(target.port)\" }\n"
    }

    @Test func resultsAndTransitionsReachTheFile() async throws {
        let target = try TCPTarget()
        try target.open()
        let dir = ScratchFolder()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("state/vitals.db").path
        let body = Self.watching(target, defaults: "interval: 200ms, timeout: 150ms, failure_threshold: 1", sqlite: path)
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        try await vitals.waitFor("/health/ready") { s, _ in s == 503 }
        let metrics = try await vitals.waitFor("/metrics") { _, b in
            (MetricSamples(b).value("vitals_storage_writes_total", ["result": "written"]) ?? 0) >= 3
        }
        #expect(MetricSamples(metrics.body).value("vitals_storage_writes_total", ["result": "dropped"]) == 0)
        try Promtool.checkMetrics(metrics.body)
        vitals.signal(SIGTERM)
        #expect(await vitals.waitForExit(timeout: .seconds(20)) == 0)
        #expect(vitals.stderrAfterExit.contains("storage=sqlite"))

        let db = try SQLiteDatabase(path: path, readOnly: true)
        let results = try db.prepare("SELECT count(*), sum(status = 'healthy'), sum(status = 'unhealthy') FROM results WHERE component = 'target'").rows()
        guard case .integer(let all) = results.first?[0], case .integer(let up) = results.first?[1], case .integer(let down) = results.first?[2]
        else { Issue.record("no results: \(results)"); return }
        #expect(up >= 1 && down >= 1 && all == up + down)
        let transitions = try db.prepare("SELECT from_status, to_status, message FROM transitions WHERE component = 'target' ORDER BY at").rows()
        #expect(transitions.first.map { Array($0.prefix(2)) } == [.text("unknown"), .text("healthy")])
        #expect(transitions.contains { $0.prefix(2) == [.text("healthy"), .text("unhealthy")] }, "\(transitions)")
    }

    @Test func aNewerDatabaseFailsTheStartClearly() async throws {
        let dir = ScratchFolder()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("vitals.db").path
        do {
            let db = try SQLiteDatabase(path: path)
            try db.execute("CREATE TABLE vitals_schema (version INTEGER NOT NULL, migrated_at REAL NOT NULL); INSERT INTO vitals_schema VALUES (42, 0)")
        }
        let body = """
            storage: { type: sqlite, path: "\(path)" }
            components:
              - { name: m, type: memory }

            """
        let vitals = try VitalsProcess(configBody: body)
        #expect(await vitals.waitForExit(timeout: .seconds(10)) == 78)
        let err = vitals.stderrAfterExit
        #expect(err.contains("storage schema version 42, newer than this vitals knows"), "\(err)")
        #expect(!err.contains("vitals started"))
    }
}

extension StorageTests {
    /// Stopped and started again on the same file: the history and status changes from before
    /// are in `/health/detailed` at once, while the status waits for a fresh result.
    @Test func historySurvivesARestart() async throws {
        let target = try TCPTarget()
        try target.open()
        let dir = ScratchFolder()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("vitals.db").path
        let body = Self.watching(target, defaults: "interval: 200ms, timeout: 150ms, history: 50", sqlite: path)
        func history(_ detailed: String) throws -> [[String: Any]] {
            let json = try #require(jsonObject(detailed))
            let c = try #require((json["components"] as? [[String: Any]])?.first)
            return c["history"] as? [[String: Any]] ?? []
        }
        let first = try VitalsProcess(configBody: body)
        let before = try await first.waitFor("/health/detailed") { _, b in ((try? history(b))?.count ?? 0) >= 5 }
        let seen = try history(before.body).count
        first.signal(SIGTERM)
        #expect(await first.waitForExit(timeout: .seconds(20)) == 0)

        // The second run's probe target is gone: only restored results can be healthy.
        target.close()
        let second = try VitalsProcess(configBody: Self.watching(target, defaults: "interval: 10s, timeout: 2s, history: 50", sqlite: path))
        defer { second.stop() }
        try await second.waitFor("/health/live") { s, _ in s == 200 }
        let after = try await second.get("/health/detailed")
        let restored = try history(after.body)
        #expect(restored.count >= seen, "restored \(restored.count) of at least \(seen) results")
        #expect(restored.contains { $0["status"] as? String == "healthy" }, "\(after.body.prefix(500))")
        // As it was before the stop: the status, its last check and message, its uptime.
        let json = try #require(jsonObject(after.body))
        let component = try #require((json["components"] as? [[String: Any]])?.first)
        #expect(component["status"] as? String == "healthy", "\(after.body.prefix(800))")
        #expect(component["last_check"] as? String != nil)
        #expect((component["message"] as? String)?.isEmpty == false)
        #expect((component["uptime"] as? [String: Any])?["1h"] as? Double == 1.0, "\(component["uptime"] ?? "none")")
    }
}

extension StorageTests {
    /// `/api/v1/components/NAME/history` pages through results newest first with an opaque
    /// cursor, from SQLite and from memory alike; refuses bad queries with 400, unknown names with 404.
    @Test(arguments: ["sqlite", "memory"])
    func historyPagesNewestFirst(storage: String) async throws {
        let target = try TCPTarget()
        try target.open()
        let dir = ScratchFolder()
        defer { dir.remove() }
        let body = Self.watching(target, defaults: "interval: 100ms, timeout: 80ms", sqlite: storage == "sqlite" ? "\(dir.path)/vitals.db" : nil)
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        func page(_ query: String) async throws -> (results: [[String: Any]], next: String?) {
            let answer = try await vitals.get("/api/v1/components/target/history" + query)
            #expect(answer.status == 200, "\(answer.body)")
            let json = try #require(jsonObject(answer.body))
            #expect(json["component"] as? String == "target")
            return (try #require(json["results"] as? [[String: Any]]), json["next_cursor"] as? String)
        }
        try await vitals.waitFor("/api/v1/components/target/history?limit=12") { s, b in s == 200 && b.contains("\"next_cursor\":\"") }
        let first = try await page("?limit=5")
        #expect(first.results.count == 5)
        let cursor = try #require(first.next)
        let second = try await page("?limit=5&cursor=\(cursor)")
        #expect(second.results.count == 5)
        let times = (first.results + second.results).compactMap { $0["at"] as? String }
        #expect(times.count == 10)
        #expect(times == times.sorted(by: >), "newest first across pages: \(times)")
        #expect(Set(times).count == 10, "no result on both pages")
        #expect(first.results.allSatisfy { $0["status"] as? String == "healthy" && ($0["latency_ms"] as? Double ?? -1) >= 0 })
        #expect(try await vitals.get("/api/v1/components/nope/history").status == 404)
        #expect(try await vitals.get("/api/v1/components/target/history?limit=0").status == 400)
        #expect(try await vitals.get("/api/v1/components/target/history?limit=5000").status == 400)
        #expect(try await vitals.get("/api/v1/components/target/history?since=yesterday").status == 400)
        #expect(try await vitals.get("/api/v1/components/target/history?cursor=garbage").status == 400)
        let future = try await page("?since=2999-01-01T00:00:00Z")
        #expect(future.results.isEmpty && future.next == nil)
    }
}

extension StorageTests {
    /// `kill -9` mid-write: the next start finds a consistent database (SQLite's WAL recovery),
    /// restores the history, and lost only what was still queued: at most the last second of
    /// results (the spec's storage bound, section 10; the writer commits a small batch every 250 ms,
    /// `StorageOptions.flushInterval`, so a second leaves room for a loaded machine while a
    /// writer that batched for longer, or never committed, fails).
    @Test func aKilledDaemonLeavesAConsistentDatabase() async throws {
        let target = try TCPTarget()
        try target.open()
        let dir = ScratchFolder()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("vitals.db").path
        let body = Self.watching(target, defaults: "interval: 100ms, timeout: 80ms, history: 500", sqlite: path)
        let first = try VitalsProcess(configBody: body)
        try await first.waitFor("/metrics") { _, b in
            (MetricSamples(b).value("vitals_storage_writes_total", ["result": "written"]) ?? 0) >= 20
        }
        first.signal(SIGKILL)
        let killedAt = Date()
        _ = await first.waitForExit(timeout: .seconds(10))

        let db = try SQLiteDatabase(path: path)
        #expect(try db.prepare("PRAGMA integrity_check").rows() == [[.text("ok")]])
        let newest = try db.prepare("SELECT max(at), count(*) FROM results").rows()
        guard case .real(let at) = newest.first?[0], case .integer(let count) = newest.first?[1] else {
            Issue.record("no results survived: \(newest)")
            return
        }
        #expect(count >= 20)
        let lost = killedAt.timeIntervalSince1970 - at
        print("kill -9: the newest stored result was \(Int(lost * 1000)) ms before the kill")
        #expect(lost < 1, "the newest stored result is \(lost) s older than the kill: more than the last second was lost")

        let second = try VitalsProcess(configBody: body.replacingOccurrences(of: "interval: 100ms", with: "interval: 10s"))
        defer { second.stop() }
        let detailed = try await second.waitFor("/health/detailed") { s, _ in s == 200 }
        let json = try #require(jsonObject(detailed.body))
        let history = (json["components"] as? [[String: Any]])?.first?["history"] as? [Any] ?? []
        #expect(history.count >= Int(count), "restored \(history.count) of \(count)")
    }
}

extension StorageTests {
    /// `.../transitions` and `.../uptime?window=` from SQLite and from memory: a component that
    /// went down and came back shows both changes newest first, and an uptime below 1 over the
    /// time it was known, with a coverage well under 1 for a window far longer than the run.
    @Test(arguments: ["sqlite", "memory"])
    func transitionsAndUptimeFromStorage(storage: String) async throws {
        let target = try TCPTarget()
        try target.open()
        let dir = ScratchFolder()
        defer { dir.remove() }
        let body = Self.watching(
            target, defaults: "interval: 100ms, timeout: 80ms, failure_threshold: 1", sqlite: storage == "sqlite" ? "\(dir.path)/vitals.db" : nil)
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        try await vitals.waitFor("/health/ready") { s, _ in s == 503 }
        try target.open()
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        let path = "/api/v1/components/target/"
        let changes = try await vitals.waitFor(path + "transitions") { s, b in s == 200 && b.components(separatedBy: "\"to\":").count >= 4 }
        let json = try #require(jsonObject(changes.body))
        let list = try #require(json["transitions"] as? [[String: Any]])
        #expect(list.prefix(3).map { "\($0["from"] ?? "")>\($0["to"] ?? "")" } == ["unhealthy>healthy", "healthy>unhealthy", "unknown>healthy"])
        // Each change with how long its status lasted: the newest still going on, the outage
        // from its start to the recovery.
        #expect(list.map { $0["ongoing"] as? Bool } == [true] + Array(repeating: false, count: list.count - 1))
        let at = list.compactMap { ($0["at"] as? String).flatMap(AlertingTests.date) }
        let outage = try #require(list[1]["duration_seconds"] as? Double)
        #expect(abs(outage - at[0].timeIntervalSince(at[1])) < 0.002, "\(list)")
        // A page of older changes knows what ended its newest one, from the change after it.
        let first = try #require(jsonObject(try await vitals.get(path + "transitions?limit=1").body))
        let cursor = try #require(first["next_cursor"] as? String)
        let older = try #require(jsonObject(try await vitals.get(path + "transitions?limit=1&cursor=\(cursor)").body)?["transitions"] as? [[String: Any]])
        #expect(older.first?["ongoing"] as? Bool == false)
        #expect(abs((older.first?["duration_seconds"] as? Double ?? -1) - outage) < 0.002, "\(older)")
        // Past the next batch's commit (the writer waits up to 250 ms between small batches).
        let up = try await vitals.waitFor(path + "uptime?window=1h") { s, b in
            guard s == 200, let j = jsonObject(b) else { return false }
            return (j["uptime"] as? Double).map { $0 > 0 && $0 < 1 } ?? false
        }
        let u = try #require(jsonObject(up.body))
        #expect(u["window"] as? String == "1h")
        let coverage = try #require(u["coverage"] as? Double)
        #expect(coverage > 0 && coverage < 0.1, "a few seconds of a 1 h window: \(coverage)")
        if storage == "sqlite" {
            let buckets = try #require(u["buckets"] as? [[String: Any]])
            #expect(!buckets.isEmpty && buckets.allSatisfy { ($0["results"] as? Int ?? 0) > 0 })
        }
        #expect(try await vitals.get(path + "uptime?window=2h").status == 400)
        #expect(try await vitals.get("/api/v1/components/nope/uptime").status == 404)
        #expect(try await vitals.get(path + "nonsense").status == 404)
    }
}

extension StorageTests {
    /// `/api/v1/components` lists every component with uptime by window and coverage;
    /// `/api/v1/components/NAME` is the detailed view plus those windows.
    @Test func componentsListAndOne() async throws {
        let target = try TCPTarget()
        try target.open()
        let dir = ScratchFolder()
        defer { dir.remove() }
        let body = """
            defaults: { interval: 100ms, timeout: 80ms }
            storage: { type: sqlite, path: "\(dir.path)/vitals.db" }
            components:
              - { name: target, type: tcp, groups: [core], address: "127.0.0.1:\(target.port)" }
              - { name: mem, type: memory }

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        let list = try await vitals.waitFor("/api/v1/components") { s, b in s == 200 && b.contains("\"coverage\":") && !b.contains("\"uptime\":null") }
        let json = try #require(jsonObject(list.body))
        let components = try #require(json["components"] as? [[String: Any]])
        #expect(components.map { $0["name"] as? String } == ["target", "mem"])
        let uptime = try #require(components.first?["uptime"] as? [String: [String: Any]])
        #expect(Set(uptime.keys) == ["1h", "24h", "7d", "30d"])
        #expect(uptime["1h"]?["uptime"] as? Double == 1)
        #expect((uptime["30d"]?["coverage"] as? Double ?? 1) < 0.001)
        let one = try await vitals.get("/api/v1/components/target")
        #expect(one.status == 200)
        let detail = try #require(jsonObject(one.body))
        #expect(detail["name"] as? String == "target" && detail["groups"] as? [String] == ["core"])
        #expect((detail["uptime_windows"] as? [String: Any])?.count == 4)
        #expect(detail["history"] != nil && detail["observations"] != nil)
        #expect(try await vitals.get("/api/v1/components/nope").status == 404)
    }
}

extension StorageTests {
    /// Alert state in SQLite across a restart: an alert that fired before it does not fire
    /// again after it, and its resolve is still sent when the component recovers.
    @Test func anAlertFiresOnceAcrossARestartAndStillResolves() async throws {
        let target = try TCPTarget()
        try target.open()
        let receiver = try WebhookReceiver()
        let dir = ScratchFolder()
        defer { dir.remove() }
        let body = """
            defaults: { interval: 200ms, timeout: 150ms, failure_threshold: 1 }
            storage: { type: sqlite, path: "\(dir.path)/vitals.db" }
            components:
              - { name: target, type: tcp, address: "127.0.0.1:\(target.port)" }
            notifiers:
              - { name: hook, type: webhook, url: "http://127.0.0.1:\(receiver.port)/hook" }
            alerts:
              - { name: target-down, on: target, when: unhealthy, for: 0s, notify: [hook] }

            """
        func firing() -> Int { receiver.bodies.filter { $0.contains("\"status\":\"firing\"") }.count }
        let first = try VitalsProcess(configBody: body)
        try await first.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        #expect(await receiver.waitFor { _ in firing() == 1 })
        first.signal(SIGTERM)
        #expect(await first.waitForExit(timeout: .seconds(20)) == 0)

        let second = try VitalsProcess(configBody: body)
        defer { second.stop() }
        // Still down after the restart: judged unhealthy again, and the alert is already firing.
        try await second.waitFor("/alerts") { s, b in s == 200 && b.contains("\"state\":\"firing\"") }
        // Several more failed results later (each one evaluated by the rules), still one firing.
        try await second.waitFor("/metrics") { _, b in
            (MetricSamples(b).value("vitals_probes_total", ["component": "target", "result": "failure"]) ?? 0) >= 5
        }
        #expect(firing() == 1, "the alert fired again after the restart: \(receiver.bodies)")
        try target.open()
        #expect(await receiver.waitFor { $0.contains { $0.contains("\"status\":\"resolved\"") } }, "the resolve was lost")
    }
}

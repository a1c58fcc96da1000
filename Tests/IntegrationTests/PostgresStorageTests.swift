import Foundation
import Testing
import VitalsTestSupport

@testable import VitalsStorage

/// `storage: postgres` against the PostgreSQL that `make test` starts: each test in a database
/// of its own, made and dropped with psql.
@Suite(.serialized, .enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
struct PostgresStorageTests {
    /// A scratch database for one test, and PostgreSQL's own tools for it.
    struct Database {
        let name = "vitals_it_\(UInt32.random(in: 0...UInt32.max))"
        let port: String
        let password: String
        let socketDir: String

        init() throws {
            port = try TestEnvironment.require("VITALS_TEST_PG_PORT")
            password = try TestEnvironment.require("VITALS_TEST_PG_PASSWORD")
            socketDir = try TestEnvironment.require("VITALS_TEST_PG_SOCKET_DIR")
            try psql("CREATE DATABASE \(name)", database: "vitals")
        }

        var storageSection: String {
            "storage: { type: postgres, dsn: \"postgres://vitals@127.0.0.1:\(port)/\(name)?sslmode=disable\", password: \"\(password)\" }\n"
        }

        static var bin: String {
            let dirs = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
            return "/usr/lib/postgresql/\(dirs.sorted { $0.compare($1, options: .numeric) == .orderedAscending }.last ?? "15")/bin"
        }

        /// Runs SQL as the test role; the rows as psql prints them unaligned.
        @discardableResult
        func psql(_ sql: String, database: String? = nil) throws -> String {
            try run(Self.bin + "/psql", ["-qtA", "-h", "127.0.0.1", "-p", port, "-U", "vitals", "-d", database ?? name, "-c", sql], env: ["PGPASSWORD": password])
        }

        /// Restarts the server (as the postgres user, who owns it).
        func restartServer() throws {
            // Through Python's subprocess, which closes inherited descriptors: the new server
            // must not hold Foundation's child-exit socket (the wait would never end).
            try run(
                "/usr/bin/python3",
                ["-c", "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)",
                 "/usr/sbin/runuser", "-u", "postgres", "--", Self.bin + "/pg_ctl", "-D", socketDir + "/data", "-l", socketDir + "/server.log", "-m", "fast", "-w", "-t", "30", "restart"],
                env: [:], capture: false)
        }

        func drop() { _ = try? psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", database: "vitals") }

        @discardableResult
        private func run(_ tool: String, _ args: [String], env: [String: String], capture: Bool = true) throws -> String {
            try Tool.run(tool, args, env: env, capture: capture)
        }
    }

    /// Waits, at most `timeout`, until `done` holds (polled every 100 ms); the caller checks it.
    static func wait(_ timeout: Duration, until done: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
    }

    /// Each replica's stderr so far, kept (reading a process's stderr takes it).
    final class Logs {
        let replicas: [VitalsProcess]
        private(set) var text: [String]
        init(_ replicas: [VitalsProcess]) {
            self.replicas = replicas
            text = replicas.map { _ in "" }
        }
        func read() { for i in replicas.indices { text[i] += replicas[i].stderr } }
        /// The first of `indices` that has logged taking the service lock.
        func holder(among indices: [Int]) -> Int? {
            read()
            return indices.first { text[$0].contains("holding the service lock") }
        }
    }

    static func written(_ metrics: String) -> Int {
        metrics.split(separator: "\n").first { $0.hasPrefix("vitals_storage_writes_total{result=\"written\"}") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// Results, transitions and roll-ups reach PostgreSQL, the schema has its version, and a
    /// restart reads the history and status back: `/health/detailed` looks as before. The
    /// target's windowed threshold asks the restore for more results than its `history`.
    @Test func historyAndStatusSurviveARestart() async throws {
        let db = try Database()
        defer { db.drop() }
        let target = try TCPTarget()
        try target.open()
        let body = """
            defaults: { interval: 200ms, timeout: 150ms, history: 5 }
            \(db.storageSection)components:
              - { name: target, type: tcp, address: "127.0.0.1:\(target.port)", thresholds: { success_rate: { window: 30m, degraded: 99 } } }
              - { name: closed, type: tcp, address: "127.0.0.1:1" }

            """
        let first = try VitalsProcess(configBody: body)
        try await first.waitFor("/api/v1/components/target/history?limit=100") { s, b in
            s == 200 && ((jsonObject(b)?["results"] as? [Any])?.count ?? 0) >= 10
        }
        first.signal(SIGTERM)
        #expect(await first.waitForExit(timeout: .seconds(20)) == 0)
        #expect(try db.psql("SELECT max(version) FROM vitals_schema") == "\(PostgresSchema.version)")
        // Whether each probe succeeded, apart from its judgement (a windowed success_rate is rebuilt from it).
        #expect(try db.psql("SELECT bool_and(success) FROM results WHERE component = 'target'") == "t")
        #expect(try db.psql("SELECT bool_or(success) FROM results WHERE component = 'closed'") == "f")
        let stored = try #require(Int(try db.psql("SELECT count(*) FROM results WHERE component = 'target'")))
        #expect(stored >= 10)
        #expect(try db.psql("SELECT to_status FROM transitions WHERE component = 'closed'") == "unhealthy")
        #expect(try db.psql("SELECT results > 0 FROM rollups WHERE component = 'target' AND period = 'hour'") == "t")

        let second = try VitalsProcess(configBody: body.replacingOccurrences(of: "interval: 200ms", with: "interval: 30s"))
        defer { second.stop() }
        // The restore is read before the first probe runs; the server may answer a moment before.
        let restored = try await second.waitFor("/health/detailed") { _, b in b.contains("\"last_check\":\"") }
        let detailed = try #require(jsonObject(restored.body))
        let components = try #require(detailed["components"] as? [[String: Any]])
        let t = try #require(components.first { $0["name"] as? String == "target" })
        #expect(t["status"] as? String == "healthy")
        #expect((t["history"] as? [Any])?.count ?? 0 == 5)
        // 30m at 30s keeps 61: every result from before the stop, up to that, is in the window.
        let window = try #require((t["thresholds"] as? [String: Any])?["success_rate"] as? [String: Any])
        #expect(window["results"] as? Int == min(stored, 61), "\(window)")
        #expect(window["judged"] as? Bool == true)
        #expect(t["last_check"] as? String != nil)
        let history = try #require(jsonObject(try await second.get("/api/v1/components/target/history?limit=1000").body))
        #expect((history["results"] as? [Any])?.count ?? 0 >= stored)
        let transitions = try #require(jsonObject(try await second.get("/api/v1/components/closed/transitions").body))
        #expect((transitions["transitions"] as? [[String: Any]])?.first?["to"] as? String == "unhealthy")
        let uptime = try #require(jsonObject(try await second.get("/api/v1/components/target/uptime?window=24h").body))
        #expect(uptime["uptime"] as? Double == 1.0, "\(uptime)")
    }

    /// PostgreSQL restarted under a running Vitals: probes and endpoints go on meanwhile, and
    /// writes resume on a new connection once it is back.
    @Test func writesResumeAfterTheDatabaseRestarts() async throws {
        let db = try Database()
        defer { db.drop() }
        let body = """
            defaults: { interval: 100ms, timeout: 80ms }
            \(db.storageSection)components:
              - { name: mem, type: memory }

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/metrics") { _, b in Self.written(b) > 0 }
        try db.restartServer()
        // Endpoints answered throughout; the writer reconnects on its own.
        #expect(try await vitals.get("/health/live").status == 200)
        let before = Self.written(try await vitals.get("/metrics").body)
        try await vitals.waitFor("/metrics", timeout: .seconds(20)) { _, b in Self.written(b) > before + 10 }
        let rows = try #require(Int(try db.psql("SELECT count(*) FROM results")))
        #expect(rows > before)
        // The batch the restart interrupted was tried again, not lost.
        let metrics = try await vitals.get("/metrics").body
        #expect(metrics.contains("vitals_storage_writes_total{result=\"failed\"} 0\n"), "\(metrics.split(separator: "\n").filter { $0.contains("storage") })")
    }

    /// A database of this version, taken up one version by a build with one migration more (the
    /// statement the daemon runs, here through psql): every row kept; then this build refuses
    /// to start on it, before writing anything.
    @Test func anOlderSchemaIsMigratedUpAndANewerOneRefused() async throws {
        let db = try Database()
        defer { db.drop() }
        #expect(try db.psql(PostgresSchema.migrateSQL()) == "\(PostgresSchema.version)")
        try db.psql("INSERT INTO results (component, at, status, latency, message) VALUES ('db', 1, 'healthy', 0.002, 'ok')")
        let next = PostgresSchema.migrations + ["ALTER TABLE results ADD COLUMN region text NOT NULL DEFAULT 'local';"]
        #expect(try db.psql(PostgresSchema.migrateSQL(next)) == "\(next.count)")
        #expect(try db.psql("SELECT component, message, region FROM results") == "db|ok|local")
        // Run again: nothing more to do.
        #expect(try db.psql(PostgresSchema.migrateSQL(next)) == "\(next.count)")
        #expect(try db.psql("SELECT count(*) FROM vitals_schema") == "\(next.count)")

        let vitals = try VitalsProcess(configBody: db.storageSection + "components:\n  - { name: m, type: memory }\n")
        defer { vitals.stop() }
        #expect(await vitals.waitForExit(timeout: .seconds(20)) == 78)
        #expect(vitals.stderrAfterExit.contains("schema version \(next.count), newer than this vitals knows (\(PostgresSchema.version))"))
        #expect(try db.psql("SELECT count(*) FROM results") == "1")
    }

    /// Three `--shard I/3` replicas on one database: each component probed by exactly one,
    /// every replica lists every component, and a stopped replica's components turn stale on
    /// the others.
    @Test func shardsShareOneView() async throws {
        let db = try Database()
        defer { db.drop() }
        let names = (0..<9).map { "c\($0)" }
        let body = "defaults: { interval: 200ms, timeout: 100ms }\n" + db.storageSection + "components:\n"
            + names.map { "  - { name: \($0), type: memory }\n" }.joined()
        let replicas = try (0..<3).map { try VitalsProcess(configBody: body, arguments: ["run", "--shard", "\($0)/3"]) }
        defer { for r in replicas { r.stop() } }
        func listed(_ r: VitalsProcess) async throws -> [String: [String: Any]] {
            let json = try #require(jsonObject(try await r.get("/api/v1/components").body))
            let list = try #require(json["components"] as? [[String: Any]])
            return Dictionary(list.compactMap { c in (c["name"] as? String).map { ($0, c) } }, uniquingKeysWith: { a, _ in a })
        }
        var owner: [String: Int] = [:]
        for (i, r) in replicas.enumerated() {
            let detailed = try await r.waitFor("/health/detailed") { s, _ in s == 200 }
            for c in (jsonObject(detailed.body)?["components"] as? [[String: Any]]) ?? [] {
                let name = try #require(c["name"] as? String)
                #expect(owner[name] == nil, "\(name) probed by replicas \(owner[name] ?? -1) and \(i)")
                owner[name] = i
            }
        }
        #expect(Set(owner.keys) == Set(names))
        // Every replica lists all nine, each healthy once its owner has written it.
        for r in replicas {
            try await r.waitFor("/api/v1/components") { _, b in
                let list = (jsonObject(b)?["components"] as? [[String: Any]]) ?? []
                return list.count == names.count && list.allSatisfy { $0["status"] as? String == "healthy" }
            }
            let all = try #require(jsonObject(try await r.get("/health/detailed?scope=all").body)?["components"] as? [Any])
            #expect(all.count == names.count)
        }
        // Replica 0 stops: its components go stale on the others (2 x 200ms + 100ms).
        replicas[0].signal(SIGTERM)
        _ = await replicas[0].waitForExit(timeout: .seconds(20))
        let gone = owner.filter { $0.value == 0 }.map(\.key)
        try #require(!gone.isEmpty, "the hash gives replica 0 none of nine names")
        for r in replicas.dropFirst() {
            try await r.waitFor("/api/v1/components", timeout: .seconds(10)) { _, b in
                let list = (jsonObject(b)?["components"] as? [[String: Any]]) ?? []
                return gone.allSatisfy { name in list.contains { $0["name"] as? String == name && $0["status"] as? String == "unknown" && $0["stale_since"] != nil } }
            }
            // The replicas still running keep their own components healthy.
            let mine = try await listed(r)
            for (name, i) in owner where i != 0 { #expect(mine[name]?["status"] as? String == "healthy", "\(name)") }
        }
    }

    /// An `on: service` rule over three replicas: the one holding the service lock evaluates it
    /// over every component (the failing one may be another shard's), so the webhook gets the
    /// firing exactly once; the others send nothing.
    @Test func aServiceAlertIsSentOnceByTheReplicaHoldingTheLock() async throws {
        let db = try Database()
        defer { db.drop() }
        let receiver = try WebhookReceiver()
        let names = (0..<8).map { "c\($0)" }
        // Two failing components in two different shards: replicas that each judged their own
        // shard would send two notifications, replicas without the lock three.
        let candidates = (0..<20).map { "closed\($0)" }
        let first = candidates[0]
        let second = try #require(candidates.first { ShardTests.fnv1a($0) % 3 != ShardTests.fnv1a(first) % 3 })
        let closed = [first, second]
        let body = "defaults: { interval: 200ms, timeout: 100ms, failure_threshold: 1 }\n" + db.storageSection + "components:\n"
            + names.map { "  - { name: \($0), type: memory }\n" }.joined()
            + closed.map { "  - { name: \($0), type: tcp, address: \"127.0.0.1:1\" }\n" }.joined()
            + "notifiers:\n  - { name: hook, type: webhook, url: \"http://127.0.0.1:\(receiver.port)/hook\", timeout: 2s }\n"
            + "alerts:\n  - { name: service-down, on: service, when: unhealthy, for: 0s, notify: [hook] }\n"
        let replicas = try (0..<3).map { try VitalsProcess(configBody: body, arguments: ["run", "--shard", "\($0)/3"]) }
        defer { for r in replicas { r.stop() } }
        func sent() async -> Int {
            var total = 0
            for r in replicas {
                let metrics = (try? await r.get("/metrics").body) ?? ""
                for line in metrics.split(separator: "\n") where line.hasPrefix("vitals_alerts_sent_total{") && line.contains("result=\"success\"") {
                    total += Int(Double(line.split(separator: " ").last ?? "") ?? 0)
                }
            }
            return total
        }
        // Every replica sees the failing component, whoever probes it.
        for r in replicas {
            try await r.waitFor("/api/v1/components", timeout: .seconds(15)) { _, b in
                let list = (jsonObject(b)?["components"] as? [[String: Any]]) ?? []
                return closed.allSatisfy { name in list.contains { $0["name"] as? String == name && $0["status"] as? String == "unhealthy" } }
            }
        }
        let deadline = ContinuousClock.now + .seconds(15)
        while receiver.bodies.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(receiver.bodies.count == 1, "\(receiver.bodies)")
        // Three seconds more, each replica looking at the service once a second: still one.
        let watch = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < watch, receiver.bodies.count <= 1 { try await Task.sleep(for: .milliseconds(200)) }
        #expect(receiver.bodies.count == 1, "\(receiver.bodies)")
        #expect(await sent() == 1)
        #expect(receiver.bodies.first?.contains("service-down") == true)
    }

    /// The replica holding the service lock stops while an `on: service` alert is firing:
    /// another takes the lock and continues the alert from the state saved in the shared
    /// store, so the receiver gets no second firing, and when the failure clears the new holder
    /// sends the resolve, once.
    @Test func aServiceAlertOutlivesTheReplicaHoldingTheLock() async throws {
        let db = try Database()
        defer { db.drop() }
        let receiver = try WebhookReceiver()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let broken = scratch.appendingPathComponent("broken")
        try Data().write(to: broken)
        // Two failing components in two shards: whichever replica stops, one stays probed.
        let candidates = (0..<20).map { "failing\($0)" }
        let second = try #require(candidates.first { ShardTests.fnv1a($0) % 3 != ShardTests.fnv1a(candidates[0]) % 3 })
        let plugin = "if [ -e \(broken.path) ]; then echo broken; exit 2; fi; echo ok"
        let body = "defaults: { interval: 300ms, timeout: 250ms, failure_threshold: 1 }\n" + db.storageSection + "components:\n"
            + (0..<6).map { "  - { name: c\($0), type: memory }\n" }.joined()
            + [candidates[0], second].map { "  - { name: \($0), type: exec, command: [\"/bin/sh\", \"-c\", \"\(plugin)\"] }\n" }.joined()
            + "notifiers:\n  - { name: hook, type: webhook, url: \"http://127.0.0.1:\(receiver.port)/hook\", timeout: 2s }\n"
            + "alerts:\n  - { name: service-down, on: service, when: unhealthy, for: 0s, repeat: 0, notify: [hook] }\n"
        let replicas = try (0..<3).map { try VitalsProcess(configBody: body, arguments: ["run", "--shard", "\($0)/3"]) }
        defer { for r in replicas { r.stop() } }
        let logs = Logs(replicas)
        func statuses() -> [String] { receiver.bodies.compactMap { (jsonObject($0)?["status"] as? String) } }

        try await Self.wait(.seconds(20)) { statuses() == ["firing"] }
        try #require(statuses() == ["firing"], "\(receiver.bodies)")
        let first = try #require(logs.holder(among: [0, 1, 2]), "no replica logged holding the service lock")
        replicas[first].signal(SIGTERM)
        #expect(await replicas[first].waitForExit(timeout: .seconds(20)) == 0)
        let others = [0, 1, 2].filter { $0 != first }
        var successor: Int?
        try await Self.wait(.seconds(15)) {
            successor = logs.holder(among: others)
            return successor != nil
        }
        let next = try #require(successor, "no replica took the service lock over: \(others.map { logs.text[$0].suffix(1500) })")
        // The new holder continues the alert (adopted, firing) and sees the failing service
        // (both failing components unhealthy in its view), which it evaluates at once on
        // taking the lock: nothing to send for it.
        try await replicas[next].waitFor("/metrics", timeout: .seconds(15)) { _, b in
            MetricSamples(b).value("vitals_alerts_firing", ["alert": "service-down"]) == 1
        }
        try await replicas[next].waitFor("/api/v1/components", timeout: .seconds(15)) { _, b in
            let list = (jsonObject(b)?["components"] as? [[String: Any]]) ?? []
            return list.filter { ($0["name"] as? String)?.hasPrefix("failing") == true && $0["status"] as? String == "unhealthy" }.count >= 1
        }
        #expect(statuses() == ["firing"], "the new holder fired again: \(receiver.bodies)")
        try FileManager.default.removeItem(at: broken)
        try await Self.wait(.seconds(15)) { statuses().count >= 2 }
        // Nothing more is sent once every replica has stopped (each drains its queue on
        // SIGTERM): the whole sequence is the one firing and its resolve.
        for i in others {
            replicas[i].signal(SIGTERM)
            #expect(await replicas[i].waitForExit(timeout: .seconds(20)) == 0)
        }
        #expect(statuses() == ["firing", "resolved"], "\(receiver.bodies)")
    }

    /// The replica holding the service lock loses its database connection (its backend ended
    /// with `pg_terminate_backend`, as a failover or a cut link does): the server releases the
    /// lock with the session, the holder sees it lost, and the other replica takes it (README:
    /// when its session ends another takes the lock within a second or two).
    @Test func theServiceLockMovesWhenItsHolderLosesItsConnection() async throws {
        let db = try Database()
        defer { db.drop() }
        let body = "defaults: { interval: 300ms, timeout: 200ms }\n" + db.storageSection + "components:\n"
            + (0..<4).map { "  - { name: c\($0), type: memory }\n" }.joined()
        let replicas = try (0..<2).map { try VitalsProcess(configBody: body, arguments: ["run", "--shard", "\($0)/2"]) }
        defer { for r in replicas { r.stop() } }
        let logs = Logs(replicas)
        // The backend holding this database's advisory lock (the service lock is its only one).
        let lockHolder = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        var holder: Int?
        try await Self.wait(.seconds(20)) {
            holder = logs.holder(among: [0, 1])
            return holder != nil
        }
        let first = try #require(holder, "no replica logged holding the service lock: \(logs.text)")
        let pid = try db.psql(lockHolder)
        try #require(Int(pid) != nil, "one backend holds the lock: \(pid)")

        #expect(try db.psql("SELECT pg_terminate_backend(\(pid))") == "t")
        let other = 1 - first
        try await Self.wait(.seconds(15)) { logs.holder(among: [other]) != nil }
        #expect(logs.holder(among: [other]) != nil, "the other replica did not take the lock: \(logs.text.map { $0.suffix(1500) })")
        #expect(logs.text[first].contains("service lock lost"), "\(logs.text[first].suffix(1500))")
        let now = try db.psql(lockHolder)
        #expect(Int(now) != nil && now != pid, "the lock is held by \(now), before by \(pid)")
    }
}

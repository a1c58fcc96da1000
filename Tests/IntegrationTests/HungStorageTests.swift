import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import VitalsTestSupport

@testable import VitalsIO
@testable import VitalsStorage

/// PostgreSQL storage that stops answering (every process of a cluster of the test's own
/// stopped with SIGSTOP: the kernel still accepts connections, nothing replies): every endpoint
/// answers within its deadline, those that read storage with 503 and the reason, `/health/*` as
/// fast as ever, and the status page with its live statuses and a note that history is
/// unavailable. Its own cluster (`PrivateCluster`, which needs root to run as `postgres`): the
/// shared test server must not freeze under the tests running beside this one.
@Suite(.serialized, .enabled(if: TestEnvironment.serversAvailable && getuid() == 0, "needs the test servers' PostgreSQL binaries and root"))
struct HungStorageTests {
    /// The postmaster of the test cluster and every process it started, stopped together.
    struct StoppedCluster {
        let pids: [Int32]

        init(dataDir: String) throws {
            let text = try String(contentsOfFile: dataDir + "/postmaster.pid", encoding: .utf8)
            let postmaster = try #require(Int32(text.split(separator: "\n").first ?? ""))
            // The postmaster first: once it is stopped it forks no new backend.
            kill(postmaster, SIGSTOP)
            var pids = [postmaster]
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { continue }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                if fields.count > 2, Int32(fields[1]) == postmaster {
                    kill(pid, SIGSTOP)
                    pids.append(pid)
                }
            }
            self.pids = pids
        }

        func resume() { for pid in pids { kill(pid, SIGCONT) } }
    }

    @Test(.timeLimit(.minutes(3)))
    func aStoppedDatabaseCostsEachRequestItsDeadlineAtMost() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.remove() }
        let body = """
            defaults: { interval: 200ms, timeout: 150ms }
            storage: { type: postgres, dsn: "\(cluster.dsn)" }
            components:
              - { name: a, type: memory }
              - { name: b, type: memory }

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/api/v1/components/a/history") { s, b in s == 200 && ((jsonObject(b)?["results"] as? [Any])?.count ?? 0) >= 3 }

        let stopped = try StoppedCluster(dataDir: cluster.dir + "/data")
        defer { stopped.resume() }
        #expect(stopped.pids.count >= 3, "postmaster and its backends: \(stopped.pids)")

        // The read deadline is 5 s; a request may add a little of its own.
        let limit: Duration = .seconds(7)
        // A client more patient than the deadline, to see when the answer comes.
        let port = vitals.port
        @Sendable func timed(_ path: String) async throws -> (status: Int, body: String, took: Duration) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.timeoutInterval = 60
            let start = ContinuousClock.now
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return (status, String(decoding: data, as: UTF8.self), start.duration(to: .now))
        }
        for path in [
            "/api/v1/components/a/history", "/api/v1/components/a/transitions", "/api/v1/components/a/uptime?window=24h",
            "/api/v1/components", "/api/v1/components/a",
        ] {
            let r = try await timed(path)
            #expect(r.status == 503, "\(path): \(r.status) \(r.body)")
            #expect(r.took < limit, "\(path) took \(r.took)")
            let json = jsonObject(r.body)
            #expect(json?["error"] as? String == "storage unavailable", "\(path): \(r.body)")
            #expect((json?["reason"] as? String)?.contains("postgres storage") == true, "\(path): \(r.body)")
        }
        // Many at once: each fails fast or at its deadline; none waits behind the others.
        try await withThrowingTaskGroup(of: (Int, Duration).self) { group in
            for i in 0..<20 {
                group.addTask {
                    let r = try await timed("/api/v1/components/\(i % 2 == 0 ? "a" : "b")/history")
                    return (r.status, r.took)
                }
            }
            for try await (status, took) in group {
                #expect(status == 503)
                #expect(took < limit, "took \(took)")
            }
        }
        // The probe endpoints and the live state never read storage.
        for path in ["/health/live", "/health/ready", "/health/startup", "/health/detailed", "/metrics"] {
            let r = try await timed(path)
            #expect(r.status == 200, "\(path): \(r.status)")
            #expect(r.took < .seconds(1), "\(path) took \(r.took)")
        }
        let page = try await timed("/")
        #expect(page.status == 200 && page.took < limit, "status page: \(page.status) after \(page.took)")
        #expect(page.body.contains("History is unavailable"), "\(page.body.prefix(1500))")
        #expect(page.body.contains(">a<") && page.body.contains(">b<"), "the live statuses are still shown")
        let componentPage = try await timed("/components/a")
        #expect(componentPage.status == 200 && componentPage.took < limit)
        #expect(componentPage.body.contains("History is unavailable"))

        // Back: history answers again once the breaker lets a read through.
        stopped.resume()
        try await vitals.waitFor("/api/v1/components/a/history", timeout: .seconds(30)) { s, _ in s == 200 }
    }

    /// The server's notices reach the storage connection's handler (the daemon logs them),
    /// never libpq's default, which writes them raw to stderr.
    @Test func noticesGoToTheHandler() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.remove() }
        let notices = Locked<[String]>([])
        let link = PostgresLink(dsn: cluster.dsn, password: nil, notice: { text in notices.withLock { $0.append(text) } })
        defer { link.close() }
        let result = await link.query("DO $$ BEGIN RAISE WARNING 'vitals notice test'; END $$", timeout: .seconds(10))
        if case .failure(let f) = result { Issue.record("\(f.message)") }
        #expect(notices.withLock { $0 } == ["WARNING: vitals notice test"])
    }

    /// With JSON logs, the server's notices on the storage connections (an immediate shutdown
    /// under the daemon: `WARNING: terminating connection due to immediate shutdown command`)
    /// and on a probe's (a query that raises a warning) never reach stderr raw: every line
    /// stays a JSON object, the storage's notice logged as one.
    @Test func jsonLogsStayJSONWhenTheServerSendsNotices() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.remove() }
        let body = """
            defaults: { interval: 500ms, timeout: 400ms }
            storage: { type: postgres, dsn: "\(cluster.dsn)" }
            components:
              - name: pg
                type: postgres
                dsn: "\(cluster.dsn)"
                query: "DO $$$$ BEGIN RAISE WARNING 'probe notice'; END $$$$"

            """
        let vitals = try VitalsProcess(configBody: body, arguments: ["run", "--log-format", "json"])
        defer { vitals.stop() }
        do {
            try await vitals.waitFor("/metrics") { _, b in (MetricSamples(b).value("vitals_storage_writes_total", ["result": "written"]) ?? 0) >= 5 }
        } catch {
            Issue.record("\(error) \(vitals.stderr)")
            return
        }
        // Reads on their connection too (the reader's), then the server goes down at once.
        try await vitals.waitFor("/api/v1/components/pg/history") { s, _ in s == 200 }
        try cluster.stop(mode: "immediate")
        try await vitals.waitFor("/health/live") { s, _ in s == 200 }
        // The writer's next batch finds its connection gone; give the notices time to be read.
        try await vitals.waitFor("/metrics", timeout: .seconds(20)) { _, b in
            (MetricSamples(b).value("vitals_storage_writes_total", ["result": "failed"]) ?? 0) > 0
        }
        vitals.signal(SIGTERM)
        #expect(await vitals.waitForExit(timeout: .seconds(20)) == 0)
        let err = vitals.stderrAfterExit
        let lines = err.split(separator: "\n")
        #expect(lines.count >= 2)
        for line in lines { #expect(jsonObject(String(line)) != nil, "not JSON: \(line)") }
        #expect(!err.contains("probe notice"), "a probe's notices are dropped")
        #expect(err.contains("terminating connection due to immediate shutdown"), "the storage connections' notice is logged: \(err.suffix(1500))")
    }

    /// PostgreSQL down under a running daemon for longer than a batch's retries (five, a second
    /// apart): the probes and every endpoint that never reads storage keep answering at once
    /// throughout, the batches that could not be written are counted `failed` (README: one that
    /// goes away later costs only writes), and writes resume once it is back.
    @Test(.timeLimit(.minutes(3)))
    func anOutageCostsOnlyWritesAndIsCounted() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.remove() }
        let vitals = try VitalsProcess(configBody: """
            defaults: { interval: 100ms, timeout: 80ms }
            storage: { type: postgres, dsn: "\(cluster.dsn)" }
            components:
              - { name: mem, type: memory }

            """)
        defer { vitals.stop() }
        try await vitals.waitFor("/metrics") { _, b in Self.writes(b, "written") > 0 }
        #expect(Self.writes(try await vitals.get("/metrics").body, "failed") == 0)

        try cluster.stop(mode: "immediate")
        // Until the first batch is counted failed (its five tries take about 5 s), and all the
        // while: kubelet's probes, the detailed view and the scrape answer, and the component
        // keeps being probed (its last check moves on).
        let deadline = ContinuousClock.now + .seconds(30)
        var failed = 0
        var lastChecks: Set<String> = []
        while failed == 0, ContinuousClock.now < deadline {
            for path in ["/health/live", "/health/ready", "/health/startup", "/health"] {
                let started = ContinuousClock.now
                let status = try await vitals.get(path).status
                #expect(status == 200, "\(path) answered \(status) during the outage")
                #expect(started.duration(to: .now) < .seconds(2), "\(path) took \(started.duration(to: .now)) during the outage")
            }
            let detailed = try await vitals.get("/health/detailed")
            #expect(detailed.status == 200)
            let component = (jsonObject(detailed.body)?["components"] as? [[String: Any]])?.first
            #expect(component?["status"] as? String == "healthy", "\(detailed.body.prefix(500))")
            if let last = component?["last_check"] as? String { lastChecks.insert(last) }
            let metrics = try await vitals.get("/metrics")
            #expect(metrics.status == 200)
            failed = Self.writes(metrics.body, "failed")
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(failed > 0, "no batch was counted failed within 30 s of the outage")
        #expect(lastChecks.count >= 5, "the component was not probed on during the outage: \(lastChecks)")

        try cluster.start()
        let written = Self.writes(try await vitals.get("/metrics").body, "written")
        try await vitals.waitFor("/metrics", timeout: .seconds(30)) { _, b in Self.writes(b, "written") > written + 10 }
    }

    /// `vitals_storage_writes_total{result}` from a scrape.
    static func writes(_ metrics: String, _ result: String) -> Int {
        Int(MetricSamples(metrics).value("vitals_storage_writes_total", ["result": result]) ?? 0)
    }
}

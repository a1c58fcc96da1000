import Foundation
import Testing
import VitalsCore
@testable import VitalsServer

struct RenderersTests {
    @Test func healthCountsAndStatusCode() {
        let (snapshot, _) = FakeHealthSource.sample()
        let r = ProbeEndpoints.health(snapshot)
        #expect(r.status == 200)
        #expect(r.body == #"{"status":"degraded","components":{"healthy":1,"degraded":1,"unhealthy":0,"unknown":0}}"#)
        var down = snapshot
        down.status = .unhealthy
        #expect(ProbeEndpoints.health(down).status == 503)
    }

    @Test func readyVerboseFollowsKubeApiserver() {
        let view = ReadinessView(
            ready: false, status: .unhealthy, startupComplete: true, draining: false,
            checks: [CheckLine(name: "db", ok: false, detail: "unhealthy"), CheckLine(name: "cache", ok: true, detail: "ok")])
        let r = ProbeEndpoints.ready(view, verbose: true)
        #expect(r.status == 503)
        #expect(r.body == "[-]db failed: unhealthy\n[+]cache ok\nreadyz check failed\n")
        let j = ProbeEndpoints.ready(view, verbose: false)
        #expect(j.body == #"{"status":"fail","service":"unhealthy","startup_complete":true,"failing":["db"]}"#)
    }

    /// Spec section 4's five lines, from real members through the one readiness rule: a failing
    /// non-critical component is shown as such, never as `ok`, and no probe message appears.
    @Test func verboseShowsEachComponentsRealStatus() {
        typealias M = Aggregation.Member
        let members = [
            M(name: "db", critical: true, status: .healthy), M(name: "api", critical: true, status: .degraded),
            M(name: "web", critical: false, status: .unhealthy), M(name: "cache", critical: true, status: .unhealthy),
        ]
        let r = ProbeEndpoints.ready(Aggregation.readiness(members, startupComplete: true, draining: false), verbose: true)
        #expect(r.status == 503)
        #expect(r.body == """
            [+]db ok
            [+]api degraded
            [+]web unhealthy (non-critical)
            [-]cache failed: unhealthy
            readyz check failed

            """)
        let pending = Aggregation.readiness([M(name: "db", critical: true, status: .unknown)], startupComplete: false, draining: false)
        #expect(ProbeEndpoints.ready(pending, verbose: true, name: "group").body == """
            [-]db failed: pending first result
            [-]startup failed: not complete
            group check failed

            """)
    }

    @Test func startupIsPendingUntilEveryComponentHasAResult() {
        var (snapshot, _) = FakeHealthSource.sample()
        snapshot.startupComplete = false
        snapshot.components[1].lastCheck = nil
        let r = ProbeEndpoints.startup(snapshot)
        #expect(r.status == 503)
        #expect(r.body == #"{"status":"fail","components":2,"pending":1}"#)
    }

    @Test func detailedJSONHasTheSpecShapeAndNoSecrets() throws {
        let (snapshot, _) = FakeHealthSource.sample()
        let r = DetailedReport.json(snapshot, now: FakeHealthSource.t0.addingTimeInterval(3600))
        #expect(!r.body.contains("hunter2"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])
        #expect(json["status"] as? String == "degraded")
        #expect(json["uptime_seconds"] as? Int == 3600)
        #expect(json["started_at"] as? String == "2026-11-18T11:06:40Z")
        let db = try #require((json["components"] as? [[String: Any]])?.first)
        #expect(db["name"] as? String == "orders-db")
        #expect(db["latency_ms"] as? Double == 3.1)
        #expect(db["message"] as? String == "PostgreSQL 15.18 primary, query ok")
        #expect((db["observations"] as? [String: Any])?["server_version"] as? String == "15.18")
        let latency = try #require((db["thresholds"] as? [String: Any])?["latency"] as? [String: Any])
        #expect(latency["degraded_ms"] as? Int == 100)
        #expect(latency["unhealthy_ms"] as? Int == 1000)
        #expect((db["uptime"] as? [String: Any])?["24h"] as? Double == 0.9993)
        #expect((db["history"] as? [[String: Any]])?.count == 1)
    }

    @Test func healthJSONFollowsTheIETFDraft() throws {
        let (snapshot, _) = FakeHealthSource.sample()
        let r = DetailedReport.healthJSON(snapshot)
        #expect(r.contentType == "application/health+json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])
        #expect(json["status"] as? String == "warn")
        let checks = try #require(json["checks"] as? [String: [[String: Any]]])
        let db = try #require(checks["orders-db:responseTime"]?.first)
        #expect(db["observedValue"] as? Double == 3.1)
        #expect(db["observedUnit"] as? String == "ms")
        #expect(db["status"] as? String == "pass")
        #expect(db["output"] == nil)
        #expect(checks["payments-api:responseTime"]?.first?["output"] as? String != nil)
    }

    @Test func metricsCarryTheSpecFamilies() throws {
        let (snapshot, _) = FakeHealthSource.sample()
        var lag = Histogram(buckets: Histogram.lagBuckets)
        lag.observe(0.003)
        let text = MetricsRenderer.render(snapshot, lag: lag, extra: "# HELP x_total x\n# TYPE x_total counter\nx_total 1\n", service: "orders")
        for line in [
            #"vitals_component_status{component="orders-db",type="postgres",status="healthy"} 1"#,
            #"vitals_component_status{component="orders-db",type="postgres",status="unhealthy"} 0"#,
            #"vitals_service_status{status="degraded"} 1"#,
            #"vitals_probe_success{component="orders-db",type="postgres"} 1"#,
            #"vitals_probes_total{component="orders-db",type="postgres",result="success"} 10"#,
            #"vitals_probe_duration_seconds_bucket{component="orders-db",type="postgres",le="0.005"} 1"#,
            #"vitals_probe_duration_seconds_bucket{component="orders-db",type="postgres",le="+Inf"} 1"#,
            #"vitals_probe_phase_duration_seconds{component="payments-api",type="http",phase="dns"} 0.001"#,
            #"vitals_http_status_code{component="payments-api",type="http"} 200"#,
            #"vitals_tls_cert_expiry_timestamp_seconds{component="payments-api",type="http"} 1800000000"#,
            #"vitals_probe_observation{component="payments-api",type="http",name="status_code"} 200"#,
            #"vitals_probe_observation{component="payments-api",type="http",name="cert_expiry_timestamp"} 1800000000"#,
            #"vitals_scheduler_lag_seconds_count 1"#,
            #"vitals_build_info{version="\#(VitalsVersion.current)",revision="\#(VitalsVersion.revision)",service="orders"} 1"#,
            "x_total 1",
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)")
        }
        #expect(text.contains("process_resident_memory_bytes "))
        #expect(!text.contains("hunter2"))
        // Text observations are not gauges.
        #expect(!text.contains(#"name="server_version""#))
        // Every family is declared once.
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(Set(types).count == types.count)
    }

    @Test func labelValuesAreEscaped() {
        var m = PrometheusText()
        m.sample("m", [("l", "a\"b\\c\nd")], 1)
        #expect(m.out == "m{l=\"a\\\"b\\\\c\\nd\"} 1\n")
    }

    @Test(arguments: [
        ("verbose", true, [String]()),
        ("verbose=1&exclude=a&exclude=b%2Dc", true, ["a", "b-c"]),
        ("exclude=x+y", false, ["x y"]),
        ("", false, []),
    ])
    func queryParsing(raw: String, verbose: Bool, excludes: [String]) {
        let q = Query(raw)
        #expect(q.has("verbose") == verbose)
        #expect(q.all("exclude") == excludes)
    }

    @Test(arguments: [
        ("Bearer tok3n", true), ("bearer tok3n", true), ("Bearer tok3n ", true), ("Bearer tok3", false),
        ("Bearer tok3nn", false), ("Basic tok3n", false), ("tok3n", false), ("Bearer ", false),
    ])
    func bearerTokenComparison(header: String, accepted: Bool) {
        #expect(BearerToken(.init("tok3n")).accepts(authorization: header) == accepted)
    }

    @Test func routes() {
        let table = RouteTable.vitals
        #expect(table.match("/health/group/core")?.route.template == "/health/group/{group}")
        #expect(table.match("/health/group/core")?.parameters == ["group": "core"])
        #expect(table.match("/health/group/")?.route.template == nil)
        #expect(table.match("/health/group/a/b")?.route.template == nil)
        #expect(table.match("/health/ready")?.route.template == "/health/ready")
        #expect(table.match("/probe")?.route.template == nil)
        #expect(table.match("/metrics")?.route.access == .token)
        #expect(table.match("/health/ready")?.route.access == .open)
    }
}

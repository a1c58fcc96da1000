import Foundation
import Testing
import VitalsTestSupport

/// `expect.conditions` in the real daemon against the test nginx: a failed condition is named in
/// the message with the value it read, and `/health/detailed` and the component page list every
/// condition with its observed value and whether it held.
@Suite(.serialized)
struct ConditionsTests {
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func aFailedConditionShowsTheObservedValue() async throws {
        let http = try TestEnvironment.require("VITALS_TEST_HTTP")
        let body = """
            defaults: { interval: 300ms, timeout: 250ms, failure_threshold: 1 }
            components:
              - name: catalog
                type: http
                url: "\(http)/items"
                expect:
                  status: 200
                  conditions:
                    - "body.status == 'UP'"
                    - "len(body.items) > 0"
                    - "header.x-vitals-stage == 'canary'"
                    - "latency < 10s"
                  body_not_contains: maintenance
              - name: up
                type: http
                url: "\(http)/items"
                expect: { conditions: ["len(body.items) == 0", "header.Content-Type contains 'json'"] }

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        let detailed = try await vitals.waitFor("/health/detailed") { _, b in b.contains("\"status\":\"unhealthy\"") && b.contains("\"conditions\":[{") }
        let json = try #require(jsonObject(detailed.body))
        let components = try #require(json["components"] as? [[String: Any]])
        let catalog = try #require(components.first { $0["name"] as? String == "catalog" })
        #expect(catalog["status"] as? String == "unhealthy")
        #expect(catalog["message"] as? String == #"condition "len(body.items) > 0" failed: len(body.items) = 0"#)
        let checks = try #require(catalog["conditions"] as? [[String: Any]])
        let rows = checks.map { "\($0["condition"] as? String ?? "?") | \($0["passed"] as? Bool == true ? "pass" : "fail") | \($0["observed"] as? String ?? "?")" }
        #expect(rows.count == 6)
        #expect(Array(rows.prefix(5)) == [
            "status == 200 | pass | status = 200",
            "!(body contains 'maintenance') | pass | body = \"{\\\"status\\\":\\\"UP\\\",\\\"items\\\":[]}\"",
            "body.status == 'UP' | pass | body.status = \"UP\"",
            "len(body.items) > 0 | fail | len(body.items) = 0",
            "header.x-vitals-stage == 'canary' | pass | header.x-vitals-stage = \"canary\"",
        ])
        #expect(rows[5].hasPrefix("latency < 10s | pass | latency = "))

        let up = try #require(components.first { $0["name"] as? String == "up" })
        #expect(up["status"] as? String == "healthy")
        #expect((up["conditions"] as? [[String: Any]])?.allSatisfy { $0["passed"] as? Bool == true } == true)

        let page = try await vitals.get("/components/catalog")
        #expect(page.status == 200)
        #expect(page.body.contains("<h2>Conditions</h2>"))
        #expect(page.body.contains("<code><bdi>len(body.items) &gt; 0</bdi></code><td><strong>failed</strong><td><bdi>len(body.items) = 0</bdi>"))
    }

    /// `vitals check --format json` lists the conditions too.
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func checkPrintsEachCondition() async throws {
        let http = try TestEnvironment.require("VITALS_TEST_HTTP")
        let body = """
            components:
              - { name: catalog, type: http, url: "\(http)/items", expect: { conditions: ["len(body.items) > 0"] } }

            """
        let vitals = try VitalsProcess(configBody: body, arguments: ["check", "--format", "json"])
        defer { vitals.stop() }
        #expect(await vitals.waitForExit(timeout: .seconds(30)) == 2)
        let json = try #require(jsonObject(vitals.stdoutAfterExit))
        let component = try #require((json["components"] as? [[String: Any]])?.first)
        let checks = try #require(component["conditions"] as? [[String: Any]])
        #expect(checks.count == 2)
        #expect(checks.last?["condition"] as? String == "len(body.items) > 0")
        #expect(checks.last?["observed"] as? String == "len(body.items) = 0")
        #expect(checks.last?["passed"] as? Bool == false)
        #expect(component["message"] as? String == #"condition "len(body.items) > 0" failed: len(body.items) = 0"#)
    }

    /// A condition that does not parse is refused at load (`validate` exits 1) with FILE:LINE:COL inside it.
    @Test func aBadConditionIsRefusedAtItsColumn() async throws {
        let body = """
            components:
              - name: catalog
                type: http
                url: "http://127.0.0.1:9/"
                expect: { conditions: ["status == 200 && len(body.items) > > 0"] }

            """
        let vitals = try VitalsProcess(configBody: body, arguments: ["validate"])
        let code = await vitals.waitForExit(timeout: .seconds(30))
        #expect(code == 1)  // validate: invalid
        let stderr = vitals.stderrAfterExit
        #expect(stderr.contains("vitals.yaml:7:64: components[catalog].expect.conditions[0]: expected a value"), "\(stderr)")
    }
}

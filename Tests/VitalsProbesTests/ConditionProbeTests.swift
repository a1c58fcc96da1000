import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

/// `expect.conditions` on each probe type that takes them, against the real targets: nginx
/// (`VITALS_TEST_HTTP`), dnsmasq (`VITALS_TEST_DNS`), and plugins run as processes.
@Suite(.serialized) struct ConditionProbeTests {
    static func conditions(_ texts: [String]) throws -> [Condition] { try texts.map { try Condition(parsing: $0) } }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func httpConditionsReadBodyHeadersAndLatency() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let ok = try await httpProbe(base + "/items") {
            $0.expect.conditions.conditions = try! Self.conditions([
                "body.status == 'UP'", "len(body.items) == 0", "header.X-Vitals-Stage == 'canary'", "header.content-type contains 'json'",
                "latency < 2s", "response_bytes > 10",
            ])
        }.runOnce()
        #expect(ok.success, "\(ok.message)")
        #expect(ok.message == "status 200")
        #expect(ok.conditions.count == 7)
        #expect(ok.conditions.allSatisfy { $0.passed })
        #expect(ok.conditions[0] == ConditionCheck(condition: "status >= 200 && status <= 399", passed: true, observed: "status = 200"))
        #expect(ok.conditions[3] == ConditionCheck(condition: "header.X-Vitals-Stage == 'canary'", passed: true, observed: #"header.X-Vitals-Stage = "canary""#))

        let bad = try await httpProbe(base + "/items") {
            $0.expect.conditions.conditions = try! Self.conditions(["len(body.items) > 0", "body.items[0].id == 1", "header.x-nope == 'a'"])
            $0.expect.conditions.bodyNotContains = "UP"
        }.runOnce()
        #expect(!bad.success)
        #expect(bad.message == [
            #"body contains "UP""#, #"condition "len(body.items) > 0" failed: len(body.items) = 0"#,
            #"condition "body.items[0].id == 1" failed: body.items[0].id not found"#,
            #"condition "header.x-nope == 'a'" failed: no header x-nope in the response"#,
        ].joined(separator: "; "))
        #expect(bad.conditions.map(\.passed) == [true, false, false, false, false])
    }

    /// The older keys and the written conditions fail together, each named.
    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func olderKeysAndConditionsAreOneList() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let r = try await httpProbe(base + "/status/503") {
            $0.expect.bodyContains = "ok"
            $0.expect.conditions.conditions = try! Self.conditions(["latency < 10s"])
        }.runOnce()
        #expect(r.message == #"status 503 not in 200-399; body does not contain "ok""#)
        #expect(r.conditions.map(\.condition) == ["status >= 200 && status <= 399", "body contains 'ok'", "latency < 10s"])
    }

    @Test(.enabled(if: DNSProbeTests.available, DNSProbeTests.skip)) func dnsConditionsSeeTheRcodeAndAnswers() async throws {
        let server = try TestEnvironment.require("VITALS_TEST_DNS")
        var settings = DNSSettings(query: "api.vitals.test")
        settings.server = server
        settings.expect.conditions.conditions = try Self.conditions(["status == 'NOERROR'", "answers contains '10.0.0.5'", "len(answers) == 1", "answer_count == 1"])
        let ok = try await DNSProbe(settings: settings, timeout: .seconds(2)).run(deadline: .now + .seconds(2))
        #expect(ok.success, "\(ok.message)")
        #expect(ok.conditions.count == 4)
        settings.expect.conditions.conditions = try Self.conditions(["answers contains '10.0.0.9'"])
        let bad = try await DNSProbe(settings: settings, timeout: .seconds(2)).run(deadline: .now + .seconds(2))
        #expect(bad.message == #"condition "answers contains '10.0.0.9'" failed: answers = ["10.0.0.5"]"#)
    }

    @Test func execConditionsSeeTheExitCodeOutputAndPerfdata() async throws {
        var settings = ExecSettings(command: ["/bin/echo", "OK: queue fine | depth=7;100;1000"], workingDirectory: "/")
        settings.expect.conditions = try Self.conditions(["status == 0", "depth < 5", "body contains 'fine'"])
        let r = try await ExecProbe(settings: settings, timeout: .seconds(5)).run(deadline: .now + .seconds(5))
        #expect(!r.success)
        #expect(r.message == #"condition "depth < 5" failed: depth = 7"#)
        #expect(r.conditions.map(\.passed) == [true, false, true])
        #expect(r.conditions[0].observed == "status = 0")
    }

    /// What a condition read is redacted like the message: a plugin echoing a secret from `env`.
    @Test func execObservedValuesAreRedacted() async throws {
        var settings = ExecSettings(command: ["./show_env"], workingDirectory: ExecProbeTests.fixtures)
        settings.environment = ["A_TOKEN": Secret("tok-81f2a9")]
        settings.expect.conditions = try Self.conditions(["body contains 'nothing'"])
        let r = try await ExecProbe(settings: settings, timeout: .seconds(5)).run(deadline: .now + .seconds(5))
        #expect(!r.success)
        #expect(r.conditions.count == 1)
        #expect(!r.conditions[0].observed.contains("tok-81f2a9"), "\(r.conditions[0].observed)")
        #expect(!r.message.contains("tok-81f2a9"))
    }

    /// tcp with conditions and no regex reads the first bytes and judges them as `body`.
    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func tcpConditionsJudgeWhatWasRead() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        var settings = TCPSettings(address: String(base.dropFirst("http://".count)))
        settings.send = Array("GET /health HTTP/1.0\r\n\r\n".utf8)
        settings.conditions.conditions = try Self.conditions(["body matches '^HTTP/1\\.1 200'", "!(body contains '503')"])
        let ok = try await TCPProbe(settings: settings, timeout: .seconds(2)).run(deadline: .now + .seconds(2))
        #expect(ok.success, "\(ok.message)")
        #expect(ok.message.hasPrefix("connected, read "))
        #expect(ok.conditions.map(\.condition) == ["body matches '^HTTP/1\\.1 200'", "!(body contains '503')"])
        // With an `expect` regex, it is judged (and listed) first.
        settings.expect = "^HTTP/1\\.1"
        let both = try await TCPProbe(settings: settings, timeout: .seconds(2)).run(deadline: .now + .seconds(2))
        #expect(both.message == #"connected, expect "^HTTP/1\.1" matched"#)
        #expect(both.conditions.map(\.condition) == ["body matches '^HTTP/1\\.1'", "body matches '^HTTP/1\\.1 200'", "!(body contains '503')"])
        #expect(both.conditions.allSatisfy { $0.passed })
        settings.conditions.bodyNotContains = "HTTP/1.1"
        let bad = try await TCPProbe(settings: settings, timeout: .seconds(2)).run(deadline: .now + .seconds(2))
        #expect(bad.message == #"body contains "HTTP/1.1""#)
    }

    /// A condition may name only what the type reports (a typo is a load error): so every
    /// observation a real run reports must be among the names the config accepts.
    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func everyObservationReportedCanBeNamed() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let http = try await httpProbe(https + "/health") { $0.tls.caFile = ca }.runOnce()
        #expect(http.number("cert_expiry") != nil)
        #expect(Set(http.observations.map(\.name)).isSubset(of: HTTPSettings.conditionNames), "\(http.observations.map(\.name))")

        var tls = TCPSettings(address: String(https.dropFirst("https://".count)))
        tls.tls = TLSSettings()
        tls.tls?.caFile = ca
        tls.send = Array("GET /health HTTP/1.0\r\n\r\n".utf8)
        tls.expect = "^HTTP"
        let t = try await TLSTCPProbe(settings: tls, timeout: .seconds(2)).run(deadline: .now + .seconds(2))
        #expect(t.success, "\(t.message)")
        #expect(Set(t.observations.map(\.name)).isSubset(of: TCPSettings.conditionNames), "\(t.observations.map(\.name))")
        var plain = tls
        plain.tls = nil
        plain.address = String(try TestEnvironment.require("VITALS_TEST_HTTP").dropFirst("http://".count))
        let p = try await TCPProbe(settings: plain, timeout: .seconds(2)).run(deadline: .now + .seconds(2))
        #expect(Set(p.observations.map(\.name)).isSubset(of: TCPSettings.conditionNames), "\(p.observations.map(\.name))")
    }

    @Test(.enabled(if: DNSProbeTests.available, DNSProbeTests.skip)) func everyDNSObservationCanBeNamed() async throws {
        var settings = DNSSettings(query: "api.vitals.test")
        settings.server = try TestEnvironment.require("VITALS_TEST_DNS")
        let r = try await DNSProbe(settings: settings, timeout: .seconds(2)).run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        // `serial` (an SOA answer's) is named in DNSProbeTests.soaSerialIsAnObservation.
        #expect(DNSSettings.conditionNames.contains("serial"))
        #expect(Set(r.observations.map(\.name)).isSubset(of: DNSSettings.conditionNames), "\(r.observations.map(\.name))")
    }

    @Test(.enabled(if: GRPCProbeTests.available, GRPCProbeTests.skip)) func everyGRPCObservationCanBeNamed() async throws {
        let r = try await GRPCProbe(settings: GRPCSettings(address: try TestEnvironment.require("VITALS_TEST_GRPC")), timeout: .seconds(2))
            .run(deadline: .now + .seconds(2))
        #expect(r.number("grpc_status") != nil, "\(r.message)")
        #expect(Set(r.observations.map(\.name)).isSubset(of: GRPCSettings.conditionNames), "\(r.observations.map(\.name))")
    }
}

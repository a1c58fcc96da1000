import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import VitalsTestSupport

/// `vitals check --push-gateway URL [--job NAME]`: the results reach a real Prometheus
/// Pushgateway as `vitals_*` series under the job, a later push replaces the group, the text
/// passes `promtool check metrics`, and a push that fails is exit 3 without leaking the URL's
/// password.
@Suite(.serialized)
struct PushGatewayTests {
    /// A healthy TCP target and a degraded exec plugin with perfdata.
    static func config(_ target: TCPTarget) -> String {
        """
        components:
          - { name: web, type: tcp, address: "127.0.0.1:\(target.port)" }
          - { name: queue, type: exec, command: ["\(CheckCommandTests.plugins)/exit_with", "1", "WARNING: queue 50 | depth=50;100;1000"] }

        """
    }

    /// The Pushgateway's own exposition, only the series of `job`.
    static func pushed(_ gateway: String, job: String) async throws -> [MetricSamples.Sample] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: gateway + "/metrics")!)
        return MetricSamples(String(decoding: data, as: UTF8.self)).samples.filter { $0.labels["job"] == job }
    }

    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func theResultsReachTheGatewayUnderTheJob() async throws {
        let gateway = try TestEnvironment.require("VITALS_TEST_PUSHGATEWAY")
        let target = try TCPTarget()
        try target.open()
        let job = "nightly-\(UInt32.random(in: 0...UInt32.max))"
        let (status, out, err) = try await CheckCommandTests.check(Self.config(target), ["--push-gateway", gateway, "--job", job])
        #expect(status == 1, "the Nagios code is the check's, the push succeeded: \(err)")
        #expect(out.contains("queue") && out.hasSuffix("DEGRADED\n"), "\(out)")

        let samples = try await Self.pushed(gateway, job: job)
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }?.value
        }
        #expect(value("vitals_probe_success", ["component": "web", "type": "tcp"]) == 1, "\(samples.map(\.name))")
        #expect(value("vitals_probe_success", ["component": "queue", "type": "exec"]) == 1)
        #expect(value("vitals_component_status", ["component": "web", "status": "healthy"]) == 1)
        #expect(value("vitals_component_status", ["component": "queue", "status": "degraded"]) == 1)
        #expect(value("vitals_component_status", ["component": "queue", "status": "healthy"]) == 0)
        #expect(value("vitals_service_status", ["status": "degraded"]) == 1)
        #expect(value("vitals_probe_observation", ["component": "queue", "name": "depth"]) == 50)
        #expect(value("vitals_probe_observation", ["component": "queue", "name": "exit_code"]) == 1)
        let duration = try #require(value("vitals_probe_duration_seconds", ["component": "web", "type": "tcp"]), "no duration gauge")
        #expect(duration > 0 && duration < 5)
        #expect(value("vitals_build_info", [:]) == 1)
        #expect(value("push_time_seconds", [:]) != nil, "the Pushgateway's own record of the push")
        #expect(!samples.contains { $0.name.hasPrefix("vitals_probes_total") || $0.name.hasPrefix("process_") })

        // A second run with one component replaces the group: no stale series of the first.
        let second = try await CheckCommandTests.check(Self.config(target), ["--push-gateway", gateway, "--job", job, "--component", "web"])
        #expect(second.status == 0, "\(second.stderr)")
        let replaced = try await Self.pushed(gateway, job: job)
        #expect(replaced.contains { $0.name == "vitals_probe_success" && $0.labels["component"] == "web" })
        #expect(!replaced.contains { $0.labels["component"] == "queue" }, "the first push's series stayed")
        #expect(!replaced.contains { $0.name == "vitals_service_status" }, "the status of one component is not the service's")
    }

    /// A job name with a `/` goes base64-encoded, the only form the Pushgateway reads it in.
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func aJobWithASlash() async throws {
        let gateway = try TestEnvironment.require("VITALS_TEST_PUSHGATEWAY")
        let target = try TCPTarget()
        try target.open()
        let job = "team/db-\(UInt32.random(in: 0...UInt32.max))"
        let (status, _, err) = try await CheckCommandTests.check(Self.config(target), ["--push-gateway", gateway + "/", "--job", job, "--component", "web"])
        #expect(status == 0, "\(err)")
        #expect(try await Self.pushed(gateway, job: job).contains { $0.name == "vitals_probe_success" })
    }

    /// What goes over the wire: a PUT of the text format to `/metrics/job/vitals` by default,
    /// that `promtool check metrics` accepts.
    @Test func thePushIsAPUTOfValidMetrics() async throws {
        let target = try TCPTarget()
        try target.open()
        let receiver = try WebhookReceiver()
        let (status, _, err) = try await CheckCommandTests.check(Self.config(target), ["--push-gateway", "http://127.0.0.1:\(receiver.port)"])
        #expect(status == 1, "\(err)")
        #expect(receiver.headers.first == "PUT /metrics/job/vitals HTTP/1.1", "\(receiver.headers)")
        #expect(receiver.headers.contains { $0.lowercased() == "content-type: text/plain; version=0.0.4; charset=utf-8" })
        let text = try #require(receiver.bodies.first)
        #expect(text.contains("# TYPE vitals_probe_duration_seconds gauge\n"))
        try Promtool.checkMetrics(text)
    }

    @Test func aFailedPushIsExitThreeWithoutThePassword() async throws {
        let target = try TCPTarget()
        try target.open()
        let dead = try FreePort.pick()
        let refused = try await CheckCommandTests.check(
            Self.config(target), ["--push-gateway", "http://pusher:pa55-w0rd-x@127.0.0.1:\(dead)", "--component", "web"])
        #expect(refused.status == 3)
        #expect(refused.stdout.hasSuffix("HEALTHY\n"), "the results are printed before the push: \(refused.stdout)")
        #expect(refused.stderr.contains("push to http://127.0.0.1:\(dead) failed"), "\(refused.stderr)")
        #expect(!(refused.stdout + refused.stderr).contains("pa55-w0rd-x"))

        // A Pushgateway that refuses the push (400 and its reason, as for inconsistent metrics).
        let gateway = try WebhookReceiver(accepts: { _ in false })
        let rejected = try await CheckCommandTests.check(Self.config(target), ["--push-gateway", "http://127.0.0.1:\(gateway.port)", "--component", "web"])
        #expect(rejected.status == 3)
        #expect(rejected.stderr.contains("HTTP 400 invalid_payload"), "\(rejected.stderr)")
    }

    @Test func badArgumentsAreExitThreeBeforeAnyProbe() async throws {
        for arguments in [
            ["--push-gateway", "ftp://gateway:21"], ["--push-gateway", "gateway:9091"], ["--push-gateway", "http://gw:9091?x=1"],
            ["--push-gateway", "http://gw:9091", "--job", ""], ["--job", "nightly"],
        ] {
            let (status, out, err) = try await CheckCommandTests.check(CheckCommandTests.degraded, arguments)
            #expect(status == 3, "\(arguments)")
            #expect(out.isEmpty, "probed despite \(arguments)")
            #expect(err.contains("--push-gateway") || err.contains("--job"), "\(arguments): \(err)")
        }
    }
}

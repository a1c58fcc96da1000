import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

/// Each probe type against a real dependency that goes down and comes back, every result fed
/// into a real `HealthStore`: the component turns unhealthy only after `failure_threshold`
/// failures, and healthy again only after `success_threshold` successes.
///
/// "Down" is a `ToggleProxy` in front of the real server (nginx, PostgreSQL, Redis) switched
/// off, so the shared servers keep running for the other tests; for `exec`, a file the plugin
/// reads.
@Suite(.serialized) struct RecoveryTests {
    static let failureThreshold = 2
    static let successThreshold = 3

    static func spec(_ probe: ProbeSettings, thresholds: Thresholds = Thresholds()) -> ComponentSpec {
        ComponentSpec(
            name: "dep", interval: .seconds(10), timeout: .seconds(2), failureThreshold: failureThreshold,
            successThreshold: successThreshold, thresholds: thresholds, probe: probe)
    }

    /// Up, down, back: asserts every result and the status after it.
    static func expectRecovery(
        _ spec: ComponentSpec, probe: any Probe, switchTo setUp: (Bool) throws -> Void,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws {
        let store = HealthStore(components: [spec])
        var statuses: [HealthStatus?] = []
        func step(_ what: String, succeeds: Bool, then expected: HealthStatus) async {
            let r = await probe.run(deadline: .now + spec.timeout)
            let status = store.record(component: spec.name, result: r)
            statuses.append(status)
            #expect(r.success == succeeds, "\(what): \(r.message)", sourceLocation: sourceLocation)
            if !succeeds {
                // Down is a prompt, clear failure, not a timeout.
                #expect(!r.message.isEmpty && !r.message.hasPrefix("timeout"), "\(what): \(r.message)", sourceLocation: sourceLocation)
                #expect(r.latency < .seconds(1), "\(what): took \(r.latency)", sourceLocation: sourceLocation)
            }
            #expect(status == expected, "\(what): status \(status.map(\.rawValue) ?? "nil") after \(r.message)", sourceLocation: sourceLocation)
        }

        try setUp(true)
        await step("up", succeeds: true, then: .healthy)
        try setUp(false)
        for i in 1..<spec.failureThreshold {
            await step("down, failure \(i) of \(spec.failureThreshold)", succeeds: false, then: .healthy)
        }
        await step("down, failure \(spec.failureThreshold)", succeeds: false, then: .unhealthy)
        await step("still down", succeeds: false, then: .unhealthy)
        try setUp(true)
        for i in 1..<spec.successThreshold {
            await step("back, success \(i) of \(spec.successThreshold)", succeeds: true, then: .unhealthy)
        }
        await step("back, success \(spec.successThreshold)", succeeds: true, then: .healthy)
        await step("still back", succeeds: true, then: .healthy)

        // Newest first.
        let transitions = try #require(store.transitions(component: spec.name), sourceLocation: sourceLocation)
        #expect(
            transitions.map { "\($0.from.rawValue)>\($0.to.rawValue)" } == ["unhealthy>healthy", "healthy>unhealthy", "unknown>healthy"],
            "statuses: \(statuses)", sourceLocation: sourceLocation)
    }

    /// A proxy in front of `url`'s port; the same URL through the proxy.
    static func proxied(_ url: String) throws -> (ToggleProxy, String) {
        let address = TestServers.address(of: url)
        let port = try #require(address.split(separator: ":").last.flatMap { Int($0) }, "no port in \(url)")
        let proxy = try ToggleProxy(to: port)
        return (proxy, url.replacingOccurrences(of: address, with: "127.0.0.1:\(proxy.port)"))
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func httpRecoversAfterSuccessThreshold() async throws {
        let http = try TestEnvironment.require("VITALS_TEST_HTTP")
        let (proxy, base) = try Self.proxied(http)
        defer { proxy.stop() }
        var settings = HTTPSettings(url: "\(base)/health")
        settings.expect.json = JSONExpectation(path: "$.status", equals: "UP")
        let spec = Self.spec(.http(settings))
        try await Self.expectRecovery(spec, probe: try ProbeFactory.probe(for: spec)) { proxy.isOn = $0 }
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func httpsRecoversAfterSuccessThreshold() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let (proxy, base) = try Self.proxied(https)
        defer { proxy.stop() }
        var settings = HTTPSettings(url: "\(base)/health")
        settings.tls.caFile = ca
        let spec = Self.spec(.http(settings))
        try await Self.expectRecovery(spec, probe: try ProbeFactory.probe(for: spec)) { proxy.isOn = $0 }
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func tlsTCPRecoversAfterSuccessThreshold() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let (proxy, _) = try Self.proxied(https)
        defer { proxy.stop() }
        var settings = TCPSettings(address: "127.0.0.1:\(proxy.port)")
        var tls = TLSSettings()
        tls.caFile = ca
        settings.tls = tls
        let spec = Self.spec(.tcp(settings))
        try await Self.expectRecovery(spec, probe: try ProbeFactory.probe(for: spec)) { proxy.isOn = $0 }
    }

    @Test(.enabled(if: DBServers.postgresAvailable, DBServers.skipPostgres))
    func postgresRecoversAfterSuccessThreshold() async throws {
        let pg = try DBServers.postgres()
        let proxy = try ToggleProxy(to: pg.port)
        defer { proxy.stop() }
        var settings = PostgresSettings(dsn: Secret(PostgresProbeTests.dsn(port: proxy.port)))
        settings.password = Secret(pg.password)
        settings.expectRole = .primary
        let spec = Self.spec(.postgres(settings))
        try await Self.expectRecovery(spec, probe: try ProbeFactory.probe(for: spec)) { proxy.isOn = $0 }
    }

    @Test(.enabled(if: DBServers.redisAvailable, DBServers.skipRedis))
    func redisRecoversAfterSuccessThreshold() async throws {
        let redis = try DBServers.redis()
        let port = try #require(redis.address.split(separator: ":").last.flatMap { Int($0) })
        let proxy = try ToggleProxy(to: port)
        defer { proxy.stop() }
        var settings = RedisSettings(address: "127.0.0.1:\(proxy.port)")
        settings.password = Secret(redis.password)
        let spec = Self.spec(.redis(settings))
        try await Self.expectRecovery(spec, probe: try ProbeFactory.probe(for: spec)) { proxy.isOn = $0 }
    }

    @Test func execRecoversAfterSuccessThreshold() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-recovery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("state").path
        let spec = Self.spec(.exec(ExecSettings(command: ["./up_if_file", state], workingDirectory: ExecProbeTests.fixtures)))
        try await Self.expectRecovery(spec, probe: try ProbeFactory.probe(for: spec)) { up in
            try (up ? "up\n" : "down\n").write(toFile: state, atomically: true, encoding: .utf8)
        }
    }
}

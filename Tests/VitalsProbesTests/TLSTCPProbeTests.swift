import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

/// `tcp` with `tls:` against nginx's TLS ports (`make test`) and hung loopback servers.
@Suite(.serialized) struct TLSTCPProbeTests {
    func probe(
        _ address: String, timeout: Duration = .seconds(2), _ configure: (inout TCPSettings, inout TLSSettings) -> Void = { _, _ in }
    ) throws -> TLSTCPProbe {
        var settings = TCPSettings(address: address)
        var tls = TLSSettings()
        configure(&settings, &tls)
        settings.tls = tls
        return try TLSTCPProbe(settings: settings, timeout: timeout)
    }

    func run(_ p: TLSTCPProbe) async -> ProbeResult {
        await p.run(deadline: .now.advanced(by: p.timeout))
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func handshakeReportsCertificateExpiry() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let result = await run(try probe(TestServers.address(of: https)) { _, tls in tls.caFile = ca })
        #expect(result.success, "\(result.message)")
        #expect(result.message == "TLS handshake ok")
        #expect((result.number("cert_expiry") ?? 0) > 86_400)
        #expect((result.number("cert_expiry_timestamp") ?? 0) > Date().timeIntervalSince1970)
        #expect(result.latency > .zero)
        #expect(result.phases.map(\.name) == ["dns", "connect", "tls"])
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func serverNameOverride() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        // The test certificate names 127.0.0.1 and localhost: verifying as localhost passes,
        // as another name fails, whatever address is dialled.
        let ok = await run(try probe(TestServers.address(of: https)) { _, tls in
            tls.caFile = ca
            tls.serverName = "localhost"
        })
        #expect(ok.success, "\(ok.message)")
        let wrong = await run(try probe(TestServers.address(of: https)) { _, tls in
            tls.caFile = ca
            tls.serverName = "db.example"
        })
        #expect(!wrong.success)
        #expect(wrong.message.hasPrefix("TLS: "), "\(wrong.message)")
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func sendAndExpectOverTLS() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let address = TestServers.address(of: https)
        let ok = await run(try probe(address) { s, tls in
            tls.caFile = ca
            s.send = Array("GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8)
            s.expect = #"^HTTP/1\.[01] 200"#
        })
        #expect(ok.success, "\(ok.message)")
        #expect(ok.message == #"TLS handshake ok, expect "^HTTP/1\.[01] 200" matched"#)
        let mismatch = await run(try probe(address) { s, tls in
            tls.caFile = ca
            s.send = Array("GET /status/503 HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8)
            s.expect = "^SSH-"
        })
        #expect(!mismatch.success)
        #expect(mismatch.message.hasPrefix(#"expect "^SSH-" did not match "HTTP/1.1 503"#), "\(mismatch.message)")
        #expect(mismatch.message.hasSuffix("(connection closed)"))
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func verificationFailures() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let expired = try TestEnvironment.require("VITALS_TEST_HTTPS_EXPIRED")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let untrusted = await run(try probe(TestServers.address(of: https)))
        #expect(untrusted.message == "TLS: unable to get local issuer certificate")
        let old = await run(try probe(TestServers.address(of: expired)) { _, tls in tls.caFile = ca })
        #expect(old.message == "certificate expired")
        let skipped = await run(try probe(TestServers.address(of: expired)) { _, tls in tls.insecureSkipVerify = true })
        #expect(skipped.success, "\(skipped.message)")
        #expect((skipped.number("cert_expiry") ?? 0) < 0)
    }

    @Test func refused() async throws {
        let result = await run(try probe("127.0.0.1:\(try LoopbackServer.closedPort())"))
        #expect(result.message == "connection refused")
    }

    @Test func handshakeNeverAnsweredEndsAtTheDeadline() async throws {
        let hung = try LoopbackServer(.hang)
        defer { hung.stop() }
        let p = try probe("127.0.0.1:\(hung.port)", timeout: .milliseconds(500))
        let start = ContinuousClock.now
        let result = await run(p)
        let took = start.duration(to: .now)
        #expect(result.message == "timeout after 500ms")
        #expect(took >= .milliseconds(490) && took < .milliseconds(500) + Timing.slack, "took \(took)")
    }
}

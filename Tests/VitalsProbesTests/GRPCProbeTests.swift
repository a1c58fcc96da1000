import Foundation
import Testing
import VitalsConfig
import VitalsCore
import VitalsIO
import VitalsTestSupport
@testable import VitalsProbes

/// `grpc` against a real grpc.health.v1 server (grpcio-health-checking, started by
/// `scripts/test-servers/test-env.sh`, plain and TLS), flipped between statuses through its control port;
/// its misbehaving twin; a server that stalls mid-call; a socket that never answers.
@Suite(.serialized) struct GRPCProbeTests {
    static let available = TestEnvironment.serversAvailable
        || ProcessInfo.processInfo.environment["VITALS_TEST_GRPC"] != nil
    static let skip: Comment = "gRPC test server not configured (run `make test`)"

    func probe(_ address: String, service: String = "", tls: TLSSettings? = nil, timeout: Duration = .seconds(2)) throws -> GRPCProbe {
        try GRPCProbe(settings: GRPCSettings(address: address, service: service, tls: tls), timeout: timeout)
    }

    func run(_ p: GRPCProbe) async -> ProbeResult {
        await p.run(deadline: .now.advanced(by: p.timeout))
    }

    /// Sets `service`'s status on the test server; it answers once the status is in place.
    func set(_ service: String, _ status: String) async throws {
        let control = try TestEnvironment.require("VITALS_TEST_GRPC_CONTROL")
        let response = await CurlEngine.shared.perform(
            CurlRequest(method: "PUT", url: "\(control)/services/\(service)", body: Array(status.utf8), timeout: .seconds(5)))
        #expect(response.statusCode == 204, "control port: \(response.failure?.description ?? "status \(response.statusCode)")")
    }

    /// A name of this test's own, so no other test's flips touch it.
    func service(_ name: String) -> String { "vitals.\(name)-\(UUID().uuidString.prefix(8))" }

    @Test(.enabled(if: available, skip)) func servingFlipsToNotServingAndBack() async throws {
        let address = try TestEnvironment.require("VITALS_TEST_GRPC")
        let name = service("Users")
        let p = try probe(address, service: name)
        try await set(name, "SERVING")
        let up = await run(p)
        #expect(up.success && up.message == "SERVING", "\(up.message)")
        #expect(up.number("serving_status") == 1 && up.number("grpc_status") == 0)
        #expect(up.phases.map(\.name) == ["dns", "connect", "tls", "ttfb", "transfer"])
        #expect(up.latency > .zero && up.latency < .seconds(2))
        #expect(up.number("cert_expiry") == nil, "no certificate in plain text")

        try await set(name, "NOT_SERVING")
        let down = await run(p)
        #expect(!down.success && down.message == "NOT_SERVING", "\(down.message)")
        #expect(down.number("serving_status") == 2 && down.number("grpc_status") == 0)

        try await set(name, "SERVICE_UNKNOWN")
        let unknown = await run(p)
        #expect(!unknown.success && unknown.message == "SERVICE_UNKNOWN", "\(unknown.message)")

        try await set(name, "SERVING")
        #expect(await run(p).success)
    }

    @Test(.enabled(if: available, skip)) func emptyServiceIsTheServersOverallHealth() async throws {
        let address = try TestEnvironment.require("VITALS_TEST_GRPC")
        let result = await run(try probe(address))
        #expect(result.success && result.message == "SERVING", "\(result.message)")
    }

    @Test(.enabled(if: available, skip)) func aServiceTheServerDoesNotKnowIsNotFound() async throws {
        let address = try TestEnvironment.require("VITALS_TEST_GRPC")
        let result = await run(try probe(address, service: "vitals.Nobody"))
        #expect(!result.success)
        #expect(result.message == #"grpc-status 5 NOT_FOUND: service "vitals.Nobody" unknown to the server"#)
        #expect(result.number("grpc_status") == 5 && result.number("serving_status") == nil)
    }

    @Test(.enabled(if: available, skip)) func overTLSWithTheTestCA() async throws {
        let address = try TestEnvironment.require("VITALS_TEST_GRPC_TLS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        var tls = TLSSettings()
        tls.caFile = ca
        let name = service("Secure")
        let p = try probe(address, service: name, tls: tls)
        try await set(name, "SERVING")
        let up = await run(p)
        #expect(up.success && up.message == "SERVING", "\(up.message)")
        #expect((up.number("cert_expiry") ?? 0) > 86_400)
        #expect(up.phases.first { $0.name == "tls" }.map { $0.seconds > 0 } == true)
        try await set(name, "NOT_SERVING")
        let down = await run(p)
        #expect(!down.success && down.message == "NOT_SERVING", "\(down.message)")

        // Verified as another name than the certificate's: refused, whatever address is dialled.
        tls.serverName = "localhost"
        #expect(await run(try probe(address, tls: tls)).success)
        tls.serverName = "users.example"
        #expect(await run(try probe(address, tls: tls)).message.hasPrefix("TLS: "))
        let untrusted = await run(try probe(address, tls: TLSSettings()))
        #expect(untrusted.message == "TLS: unable to get local issuer certificate")
    }

    @Test(.enabled(if: available, skip)) func plainTextAgainstTLSAndTheReverseFail() async throws {
        let plain = try TestEnvironment.require("VITALS_TEST_GRPC")
        let secure = try TestEnvironment.require("VITALS_TEST_GRPC_TLS")
        let h2cToTLS = await run(try probe(secure))
        #expect(!h2cToTLS.success && h2cToTLS.number("serving_status") == nil, "\(h2cToTLS.message)")
        var tls = TLSSettings()
        tls.insecureSkipVerify = true
        let tlsToH2C = await run(try probe(plain, tls: tls))
        #expect(!tlsToH2C.success && tlsToH2C.message.hasPrefix("TLS: "), "\(tlsToH2C.message)")
    }

    @Test(.enabled(if: available, skip)) func aServerThatStallsCostsTheTimeout() async throws {
        let address = try TestEnvironment.require("VITALS_TEST_GRPC")
        let start = ContinuousClock.now
        // The server accepts the call and never answers it (until the client goes away).
        let result = await run(try probe(address, service: "vitals.Stall", timeout: .seconds(1)))
        #expect(result.message == "timeout after 1s")
        #expect(start.duration(to: .now) < .seconds(1) + Timing.slack)
    }

    @Test func aSocketThatNeverAnswersCostsTheTimeout() async throws {
        let server = try LoopbackServer(.hang)
        defer { server.stop() }
        let start = ContinuousClock.now
        let result = await run(try probe("127.0.0.1:\(server.port)", timeout: .milliseconds(500)))
        #expect(result.message == "timeout after 500ms")
        #expect(start.duration(to: .now) < .milliseconds(500) + Timing.slack)
        var tls = TLSSettings()
        tls.insecureSkipVerify = true
        let handshake = await run(try probe("127.0.0.1:\(server.port)", tls: tls, timeout: .milliseconds(500)))
        #expect(handshake.message == "timeout after 500ms")
    }

    @Test func refusedConnection() async throws {
        let result = await run(try probe("127.0.0.1:\(try LoopbackServer.closedPort())"))
        #expect(result.message == "connection refused")
    }

    @Test(.enabled(if: available, skip)) func hostileRepliesAreBounded() async throws {
        let address = try TestEnvironment.require("VITALS_TEST_GRPC_HOSTILE")
        // 1 MiB sent; 16 KiB read, then the transfer is stopped.
        let huge = await run(try probe(address, service: "vitals.Huge"))
        #expect(!huge.success && huge.message == "reply over 16 KiB", "\(huge.message)")
        let garbage = await run(try probe(address, service: "vitals.Garbage"))
        #expect(!garbage.success && garbage.message == "malformed reply: varint cut", "\(garbage.message)")
        // Trailers-only (the status in the headers), the message percent-encoded with a newline.
        let denied = await run(try probe(address, service: "vitals.Denied"))
        #expect(denied.message == "grpc-status 7 PERMISSION_DENIED: token 100% rejected — ask ops second line", "\(denied.message)")
        #expect(denied.number("grpc_status") == 7)
    }

    /// What no well-behaved server sends, judged from a response built by hand: the order of
    /// the checks decides which message a user reads.
    @Test func judgementOrder() throws {
        let p = try probe("127.0.0.1:1")
        var ok = CurlResponse()
        ok.statusCode = 200
        ok.httpVersion = "2"
        ok.body = [0, 0, 0, 0, 2, 0x08, 0x01]  // SERVING
        // A 200 whose trailers never came (a proxy that dropped them): not healthy.
        #expect(p.judge(ok).message == "no grpc-status in the reply")
        ok.headers = [CurlHeader("grpc-status", "OK")]
        #expect(p.judge(ok).message == "grpc-status OK is not a number")
        // A gateway's 503 carrying a gRPC status: the gRPC status is the news.
        var gateway = CurlResponse()
        gateway.statusCode = 503
        gateway.headers = [CurlHeader("grpc-status", "14"), CurlHeader("grpc-message", "upstream connect error")]
        #expect(p.judge(gateway).message == "grpc-status 14 UNAVAILABLE: upstream connect error")
        gateway.headers = []
        gateway.httpVersion = "2"
        #expect(p.judge(gateway).message == "HTTP status 503 (HTTP/2), not a gRPC reply")
        var unknownCode = CurlResponse()
        unknownCode.statusCode = 200
        unknownCode.headers = [CurlHeader("grpc-status", "99")]
        #expect(p.judge(unknownCode).message == "grpc-status 99")
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func anHTTPServerThatIsNotGRPC() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        var tls = TLSSettings()
        tls.caFile = ca
        // nginx answers the POST over HTTP/1.1 (ALPN) with an error page and no grpc-status.
        let result = await run(try probe(TestServers.address(of: https), tls: tls))
        #expect(!result.success)
        #expect(result.message.hasPrefix("HTTP status 4") && result.message.hasSuffix("not a gRPC reply"), "\(result.message)")
    }
}

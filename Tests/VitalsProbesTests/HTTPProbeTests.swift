import Foundation
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore
@testable import VitalsProbes
@testable import VitalsIO

/// The HTTP probe against nginx (`make test`) and loopback servers of our own; traffic only to
/// 127.0.0.1. Serialized: the timing assertions (a hung server ends at its deadline) must not
/// compete with 200 concurrent probes of another test.
@Suite(.serialized) struct HTTPProbeTests {
    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func healthyEndpointReportsStatusVersionBytesAndPhases() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let result = try await httpProbe(base + "/health").runOnce()
        #expect(result.success, "\(result.message)")
        #expect(result.message == "status 200")
        #expect(result.number("status_code") == 200)
        #expect(result.number("http_version") == 1.1)
        #expect(result.number("response_bytes") == Double(#"{"status":"UP"}"#.utf8.count))
        #expect(result.number("redirects") == 0)
        #expect(result.number("cert_expiry") == nil)
        #expect(result.latency > .zero)
        #expect(result.phases.map(\.name) == ["dns", "connect", "tls", "ttfb", "transfer"])
        #expect(result.phases.first { $0.name == "tls" }?.seconds == 0)
        let sum = result.phases.reduce(0) { $0 + $1.seconds }
        #expect(abs(sum - result.latency.seconds) < 0.000_01, "phases \(result.phases) vs \(result.latency)")
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func statusOutsideTheExpectedSetFails() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let result = try await httpProbe(base + "/status/503").runOnce()
        #expect(!result.success)
        #expect(result.message == "status 503 not in 200-399")
        #expect(result.number("status_code") == 503)

        let listed = try await httpProbe(base + "/status/404") { $0.expect.status = StatusCodeSet([200...200, 204...204]) }.runOnce()
        #expect(listed.message == "status 404 not in 200,204")
        let accepted = try await httpProbe(base + "/status/404") { $0.expect.status = StatusCodeSet([404...404]) }.runOnce()
        #expect(accepted.success, "\(accepted.message)")
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func bodyContainsRegexAndJSON() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let url = base + "/health"
        #expect(try await httpProbe(url) { $0.expect.bodyContains = "UP" }.runOnce().success)
        #expect(try await httpProbe(url) { $0.expect.bodyContains = "ok" }.runOnce().message == #"body does not contain "ok""#)
        #expect(try await httpProbe(url) { $0.expect.bodyRegex = #""status":\s*"U."# }.runOnce().success)
        #expect(try await httpProbe(url) { $0.expect.bodyRegex = "DOWN|FAIL" }.runOnce().message == "body does not match /DOWN|FAIL/")
        #expect(try await httpProbe(url) { $0.expect.json = JSONExpectation(path: "$.status", equals: "UP") }.runOnce().success)
        let wrong = try await httpProbe(url) { $0.expect.json = JSONExpectation(path: "$.status", equals: "DOWN") }.runOnce()
        #expect(!wrong.success)
        #expect(wrong.message == #"json $.status is "UP", expected "DOWN""#)
        let missing = try await httpProbe(url) { $0.expect.json = JSONExpectation(path: "$.checks[0].name", equals: "db") }.runOnce()
        #expect(missing.message == "json $.checks[0].name not found")
        let html = try await httpProbe(base + "/") { $0.expect.json = JSONExpectation(path: "$.status", equals: "UP") }.runOnce()
        #expect(html.message == "body is not JSON")
        let page = try await httpProbe(base + "/") { $0.expect.bodyContains = "<title>" }.runOnce()
        #expect(page.success, "\(page.message)")
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func redirectsFollowedOrNot() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let followed = try await httpProbe(base + "/redirect") { $0.expect.json = JSONExpectation(path: "$.status", equals: "UP") }.runOnce()
        #expect(followed.success, "\(followed.message)")
        #expect(followed.number("status_code") == 200)
        #expect(followed.number("redirects") == 1)

        let notFollowed = try await httpProbe(base + "/redirect") { $0.followRedirects = false }.runOnce()
        #expect(notFollowed.success, "302 is in the default 200-399")
        #expect(notFollowed.number("status_code") == 302)
        #expect(notFollowed.number("redirects") == 0)
        let strict = try await httpProbe(base + "/redirect") {
            $0.followRedirects = false
            $0.expect.status = StatusCodeSet([200...200])
        }.runOnce()
        #expect(strict.message == "status 302 not in 200")
    }

    /// A TLS peer that announces a 16 MiB ServerHello and then sends without end: OpenSSL's
    /// own bound on each handshake message (20,000 bytes for a ServerHello, 100 KiB for a
    /// certificate chain) ends the handshake at once, long before the deadline.
    @Test func endlessHandshakeEndsAtOpenSSLsBound() async throws {
        let record: [UInt8] = [0x16, 0x03, 0x03, 0x40, 0x00]  // handshake record, 16 KiB
        let serverHello: [UInt8] = [0x02, 0xFF, 0xFF, 0xFF]  // ServerHello of 16 MiB
        let peer = try LoopbackServer(.stream(record + serverHello, unit: Array(repeating: 0x78, count: 4096)))
        defer { peer.stop() }
        let start = ContinuousClock.now
        let result = try await httpProbe("https://127.0.0.1:\(peer.port)/", timeout: .seconds(10)).runOnce()
        #expect(!result.success)
        #expect(!result.message.hasPrefix("timeout"), "\(result.message)")
        #expect(start.duration(to: .now) < .seconds(5))
        // What the peer wrote includes what loopback's socket buffers took (a few MiB).
        #expect(peer.sent < 16 << 20, "the handshake let the peer send \(peer.sent) bytes")
        #expect(result.message.contains("TLS") || result.message.contains("SSL"), "\(result.message)")
    }

    @Test func refusedConnection() async throws {
        let port = try LoopbackServer.closedPort()
        let result = try await httpProbe("http://127.0.0.1:\(port)/health").runOnce()
        #expect(!result.success)
        #expect(result.message == "connection refused")
    }

    /// A server that echoes what it was sent (as httpbin's /headers does) puts the probe's own
    /// secrets into the body; the message quotes the body's value, and must not quote them.
    @Test func secretsStayOutOfMessages() async throws {
        let echo = try LoopbackServer(.reply(httpReply(#"{"auth":"Bearer s3cr3t-token","user":"admin:hunter2-secret"}"#), after: .zero))
        defer { echo.stop() }
        for (path, expected) in [("$.auth", #"json $.auth is "<redacted>", expected "nope""#), ("$.user", #"json $.user is "admin:<redacted>", expected "nope""#)] {
            let result = try await httpProbe("http://admin:hunter2-secret@127.0.0.1:\(echo.port)/") {
                $0.headers = [(name: "Authorization", value: Secret("Bearer s3cr3t-token"))]
                $0.expect.json = JSONExpectation(path: path, equals: "nope")
            }.runOnce()
            #expect(!result.success)
            #expect(result.message == expected)
        }
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func hungServerEndsAtTheDeadlineWithoutDelayingOthers() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let hung = try LoopbackServer(.hang)
        defer { hung.stop() }
        let hungProbe = try httpProbe("http://127.0.0.1:\(hung.port)/health", timeout: .milliseconds(800))
        let healthy = try httpProbe(base + "/health")
        let clock = ContinuousClock()
        let start = clock.now
        async let stuck = hungProbe.run(deadline: start.advanced(by: .milliseconds(800)))
        // While the hung transfer sits on the engine, another probe goes through at once.
        try await Task.sleep(for: .milliseconds(100))
        let otherStart = clock.now
        let other = await healthy.runOnce()
        let otherTook = otherStart.duration(to: clock.now)
        #expect(other.success, "\(other.message)")
        // Done before the hung one's deadline: it did not wait behind it (the bound a loaded
        // machine still meets; the fidelity benchmark measures how fast).
        #expect(otherTook < .milliseconds(700), "a healthy probe waited \(otherTook) behind a hung one")
        let result = await stuck
        let took = start.duration(to: clock.now)
        #expect(!result.success)
        #expect(result.message == "timeout after 800ms")
        #expect(took >= .milliseconds(790))
        #expect(took < .milliseconds(800) + Timing.slack, "the hung probe ended \(took) after its start, deadline 800ms")
    }

    /// nginx echoes what arrived (`/echo` proxies to a location that prints the method, a
    /// header, the content type and the body): the probe sends the configured ones.
    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func methodHeadersAndBodyReachTheServer() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let post = try await httpProbe(base + "/echo") {
            $0.method = "POST"
            $0.headers = [(name: "X-Vitals-Test", value: Secret("probe-42")), (name: "Content-Type", value: Secret("application/json"))]
            $0.body = #"{"ping":1}"#
            $0.expect.bodyContains = #"method=POST header=probe-42 type=application/json body={"ping":1}"#
        }.runOnce()
        #expect(post.success, "\(post.message)")
        let put = try await httpProbe(base + "/echo") {
            $0.method = "PUT"
            $0.body = "state=on"
            $0.expect.bodyRegex = "^method=PUT header= type=[^ ]* body=state=on$"
        }.runOnce()
        #expect(put.success, "\(put.message)")
        let plain = try await httpProbe(base + "/echo") { $0.expect.bodyContains = "method=GET header= type= body=\n" }.runOnce()
        #expect(plain.success, "\(plain.message)")
    }

    /// `cert_expiry` is judged like any observation, lower is worse: the test certificate ends
    /// in 30 days, so `{ degraded: 60d, unhealthy: 3d }` is degraded, `{ degraded: 14d, ... }` healthy.
    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func certExpiryIsJudged() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let result = try await httpProbe(https + "/health") { $0.tls.caFile = ca }.runOnce()
        #expect(result.success, "\(result.message)")
        let day = 86_400.0
        let soon = Thresholds(["cert_expiry": Threshold(degraded: 60 * day, unhealthy: 3 * day, direction: .lowerIsWorse, unit: .seconds)])
        let judged = Judge.judge(result, thresholds: soon)
        #expect(judged.status == .degraded)
        #expect(judged.reason?.contains("cert_expiry") == true, "\(String(describing: judged.reason))")
        let later = Thresholds(["cert_expiry": Threshold(degraded: 14 * day, unhealthy: 3 * day, direction: .lowerIsWorse, unit: .seconds)])
        #expect(Judge.judge(result, thresholds: later).status == .healthy)
        let gone = Thresholds(["cert_expiry": Threshold(degraded: 90 * day, unhealthy: 45 * day, direction: .lowerIsWorse, unit: .seconds)])
        #expect(Judge.judge(result, thresholds: gone).status == .unhealthy)
    }

    @Test func slowAnswerIsMeasuredAndJudgedDegraded() async throws {
        let slow = try LoopbackServer(.reply(httpReply(), after: .milliseconds(150)))
        defer { slow.stop() }
        let probe = try httpProbe("http://127.0.0.1:\(slow.port)/") { $0.expect.bodyContains = "ok" }
        let result = await probe.runOnce()
        #expect(result.success, "\(result.message)")
        #expect(result.latency >= .milliseconds(150))
        #expect(result.latency < .milliseconds(400))
        let ttfb = try #require(result.phases.first { $0.name == "ttfb" })
        #expect(ttfb.seconds >= 0.15)
        // `latency: { degraded: 100ms, unhealthy: 1s }` judges this run degraded.
        let thresholds = Thresholds(["latency": Threshold(degraded: 0.1, unhealthy: 1, unit: .seconds)])
        #expect(Judge.judge(result, thresholds: thresholds).status == .degraded)
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func httpsWithTheTestCA() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let result = try await httpProbe(https + "/health") { $0.tls.caFile = ca }.runOnce()
        #expect(result.success, "\(result.message)")
        let expiry = try #require(result.number("cert_expiry"))
        let stamp = try #require(result.number("cert_expiry_timestamp"))
        #expect(expiry > 86_400)
        #expect(abs(stamp - Date().timeIntervalSince1970 - expiry) < 5)
        #expect((result.phases.first { $0.name == "tls" }?.seconds ?? 0) > 0)
        let sum = result.phases.reduce(0) { $0 + $1.seconds }
        #expect(abs(sum - result.latency.seconds) < 0.000_01)
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func serverNameVerifiesAndConnectsToTheURLsHost() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        // The test certificate names 127.0.0.1 and localhost: checked as `localhost`, it passes...
        let named = try await httpProbe(https + "/health") {
            $0.tls.caFile = ca
            $0.tls.serverName = "localhost"
        }.runOnce()
        #expect(named.success, "\(named.message)")
        #expect((named.number("cert_expiry") ?? 0) > 86_400)
        // ...as a name it does not hold, verification fails, though the connection is the same.
        let wrong = try await httpProbe(https + "/health") {
            $0.tls.caFile = ca
            $0.tls.serverName = "orders.internal"
        }.runOnce()
        #expect(!wrong.success)
        #expect(wrong.message.hasPrefix("TLS:"), "\(wrong.message)")
        #expect(wrong.message.contains("orders.internal"), "\(wrong.message)")
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func httpsResetDuringTheHandshakeSaysSo() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let port = try #require(Int(TestServers.address(of: https).split(separator: ":").last ?? ""))
        let proxy = try ToggleProxy(to: port, on: false)  // accepts, then resets
        defer { proxy.stop() }
        let result = try await httpProbe("https://127.0.0.1:\(proxy.port)/health") { $0.tls.insecureSkipVerify = true }.runOnce()
        #expect(!result.success)
        #expect(result.message == "TLS: connection reset by peer" || result.message == "connection reset by peer", "\(result.message)")
    }

    @Test func serverNameRewritesOnlyTheHost() throws {
        let r = try #require(URLParts.serverName("api.internal", for: "https://u:p@10.0.0.5:8443/v1/health?x=1"))
        #expect(r.url == "https://u:p@api.internal:8443/v1/health?x=1")
        #expect(r.connectTo == "api.internal:8443:10.0.0.5:8443")
        let v6 = try #require(URLParts.serverName("api.internal", for: "https://[::1]/health"))
        #expect(v6.url == "https://api.internal/health")
        #expect(v6.connectTo == "api.internal:443:[::1]:443")
        #expect(URLParts.serverName("API.internal", for: "https://api.internal/") == nil)
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func httpsWithoutTheCAFailsVerification() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let result = try await httpProbe(https + "/health") { $0.tls.caFile = nil }.runOnce()
        #expect(!result.success)
        #expect(result.message == "TLS: unable to get local issuer certificate")
        #expect(result.number("cert_expiry") == nil)
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func insecureSkipVerifyStillReportsExpiry() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let result = try await httpProbe(https + "/health") { $0.tls.insecureSkipVerify = true }.runOnce()
        #expect(result.success, "\(result.message)")
        #expect((result.number("cert_expiry") ?? 0) > 0)
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func expiredCertificate() async throws {
        let expired = try TestEnvironment.require("VITALS_TEST_HTTPS_EXPIRED")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let result = try await httpProbe(expired + "/") { $0.tls.caFile = ca }.runOnce()
        #expect(!result.success)
        #expect(result.message == "certificate expired")
        // Skipping verification, the probe succeeds and reports how long ago it expired.
        let insecure = try await httpProbe(expired + "/") { $0.tls.insecureSkipVerify = true }.runOnce()
        #expect(insecure.success, "\(insecure.message)")
        #expect((insecure.number("cert_expiry") ?? 0) < 0)
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func clientCertificate() async throws {
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let cert = try TestEnvironment.require("VITALS_TEST_CLIENT_CERT")
        let key = try TestEnvironment.require("VITALS_TEST_CLIENT_KEY")
        // nginx with `ssl_verify_client on`: it answers 400 without a certificate from the test
        // CA, and names the certificate it was given.
        let url = try TestEnvironment.require("VITALS_TEST_HTTPS_MTLS")
        let result = try await httpProbe(url + "/health") {
            $0.tls.caFile = ca
            $0.tls.clientCertFile = cert
            $0.tls.clientKeyFile = key
            $0.expect.bodyContains = "CN=client"
        }.runOnce()
        #expect(result.success, "\(result.message)")
        let without = try await httpProbe(url + "/health") { $0.tls.caFile = ca }.runOnce()
        #expect(without.number("status_code") == 400, "nginx answers 400 without a required client certificate")
        #expect(!without.success)
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func bodyCapStopsReadingAndIsNotAnError() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let result = try await httpProbe(base + "/big").runOnce()
        #expect(result.success, "\(result.message)")
        #expect(result.number("response_bytes") == Double(1 << 20))
        #expect(result.message == "status 200, body cut at 1 MiB")
        let small = try await httpProbe(base + "/big") {
            $0.maxBodyBytes = 1000
            $0.expect.bodyContains = "never-in-random-bytes-\(UUID())"
        }.runOnce()
        #expect(small.number("response_bytes") == 1000)
        #expect(small.message.hasSuffix("(first 1000 bytes read)"))
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func manyConcurrentProbes() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let probe = try httpProbe(base + "/health", timeout: .seconds(10)) { $0.expect.json = JSONExpectation(path: "$.status", equals: "UP") }
        let results = await withTaskGroup(of: ProbeResult.self) { group in
            for _ in 0..<200 { group.addTask { await probe.runOnce() } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 200)
        let failures = results.filter { !$0.success }.map(\.message)
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test func cancellationAbortsTheTransfer() async throws {
        let hung = try LoopbackServer(.hang)
        defer { hung.stop() }
        let probe = try httpProbe("http://127.0.0.1:\(hung.port)/", timeout: .seconds(20))
        let clock = ContinuousClock()
        let start = clock.now
        let task = Task { await probe.runOnce() }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let result = await task.value
        #expect(start.duration(to: clock.now) < .seconds(1))
        #expect(!result.success)
        #expect(result.message == "cancelled")
    }

    @Test(.enabled(if: TestServers.nginxAvailable, TestServers.skipNginx)) func enginePerformsAGeneralPOST() async throws {
        let base = try TestEnvironment.require("VITALS_TEST_HTTP")
        let response = await CurlEngine.shared.perform(CurlRequest(
            method: "POST", url: base + "/health", headers: [CurlHeader("Content-Type", "application/json")],
            body: Array(#"{"alert":"x"}"#.utf8), timeout: .seconds(5)))
        #expect(response.succeeded)
        #expect(response.statusCode == 200)
        #expect(response.httpVersion == "1.1")
        #expect(response.header("content-type") == "application/json")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"status":"UP"}"#)
        #expect(response.timings.total > .zero)
        #expect(response.failure == nil)
    }

    @Test func deadlineAlreadyPassed() async throws {
        let response = await CurlEngine.shared.perform(CurlRequest(url: "http://127.0.0.1:9/", deadline: .now - .seconds(1)))
        #expect(response.failure == .timeout)
    }

    // MARK: - Pure parts

    @Test func certificateDates() {
        let date = CertificateDate.parse("Jan  1 00:00:00 2030 GMT")
        #expect(date?.timeIntervalSince1970 == 1_893_456_000)
        #expect(CertificateDate.parse("Feb 25 02:42:46 2029 GMT")?.timeIntervalSince1970 == 1_866_681_766)
        #expect(CertificateDate.parse("garbage") == nil)
    }

    @Test func jsonPaths() throws {
        let doc = try #require(JSONValue.parse(Array(#"{"a":{"b":[{"c":1.50},{"c":true}]},"s":"x\"y","n":null,"k.d":[1, 2]}"#.utf8)))
        func at(_ p: String) -> String? { JSONPath(p)?.lookup(in: doc)?.stringForm }
        #expect(at("$.a.b[0].c") == "1.50")
        #expect(at("$.a.b[1].c") == "true")
        #expect(at("$.s") == #"x"y"#)
        #expect(at("$.n") == "null")
        #expect(at(#"$["k.d"]"#) == "[1,2]")
        // A path must start at the root, as the config check requires (one parser serves both).
        #expect(JSONPath("a.b[0].c") == nil)
        #expect(at("$.a.b[2]") == nil)
        #expect(at("$.missing") == nil)
        #expect(JSONPath("$.a[") == nil)
        #expect(JSONValue.parse(Array("{\"a\":1,}".utf8)) == nil)
        #expect(JSONValue.parse(Array(#""\ud83d\ude00""#.utf8))?.stringForm == "😀")
    }

    @Test func errorClassification() {
        #expect(CurlErrors.classify(code: 7, osErrno: ECONNREFUSED, message: "Failed to connect") == .connectionRefused)
        #expect(CurlErrors.classify(code: 6, osErrno: 0, message: "Could not resolve host: nowhere").description == "could not resolve host")
        #expect(CurlErrors.classify(code: 28, osErrno: 0, message: "Operation timed out") == .timeout)
        #expect(CurlErrors.classify(code: 60, osErrno: 0, message: "SSL certificate problem: certificate has expired") == .certificateExpired)
        #expect(CurlErrors.classify(code: 35, osErrno: 0, message: "OpenSSL/3.0.2: error:0A000412:SSL routines::sslv3 alert bad certificate")
            .description == "TLS: sslv3 alert bad certificate")
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Push monitors through the real daemon (spec section 12): a push component does not hold
/// startup, pushes with their own token are results (401, 404, 429, 413 otherwise), silence
/// past `interval + grace` turns it unhealthy, `vitals push -- COMMAND` reports a command's
/// exit code and last line and exits with its code, and the token appears nowhere.
@Suite(.serialized)
struct PushMonitorTests {
    static let token = "push-T0ken-8c1f2a9e77"

    static func tokenFile() throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-push-token-\(UUID().uuidString)")
        try "\(token)\n".write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static func config(tokenFile: URL, interval: String = "2s", grace: String = "1s") -> String {
        """
        components:
          - { name: job, type: push, interval: \(interval), grace: \(grace), token_file: "\(tokenFile.path)", thresholds: { latency: { degraded: 5s } } }
          - { name: mem, type: memory, interval: 1s, timeout: 500ms }
        notifiers:
          - { name: audit, type: log }
        alerts:
          - { name: job-silent, on: job, when: unhealthy, for: 0s, notify: [audit] }

        """
    }

    static func component(_ body: String, _ name: String) -> [String: Any]? {
        (jsonObject(body)?["components"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    @Test func pushesAreResultsAndSilenceIsAFailure() async throws {
        let file = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let vitals = try VitalsProcess(configBody: Self.config(tokenFile: file))
        defer { vitals.stop() }
        // Startup and readiness do not wait for the first push.
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        #expect(try await vitals.get("/health/startup").status == 200)
        let before = try await vitals.get("/health/detailed")
        #expect(Self.component(before.body, "job")?["status"] as? String == "unknown")

        let bearer = ["Authorization": "Bearer \(Self.token)"]
        let form = "application/x-www-form-urlencoded"
        #expect(try await vitals.send("POST", "/api/v1/push/job", "msg=backup%20done&duration=6s", headers: bearer, type: form).status == 200)
        let pushed = try await vitals.waitFor("/health/detailed") { _, b in Self.component(b, "job")?["status"] as? String == "degraded" }
        #expect((Self.component(pushed.body, "job")?["message"] as? String ?? "").hasPrefix("backup done"))
        // Too soon after the last: 429 with when to come back; nothing recorded.
        let limited = try await vitals.send("GET", "/api/v1/push/job?token=\(Self.token)", headers: [:])
        #expect(limited.status == 429)
        #expect(Int(limited.retryAfter ?? "") ?? 0 >= 1)
        // The component's token only: a wrong one, the API's rules, another name.
        #expect(try await vitals.send("POST", "/api/v1/push/job", "", headers: ["Authorization": "Bearer nope"]).status == 401)
        #expect(try await vitals.send("GET", "/api/v1/push/job?token=\(Self.token.dropLast())", headers: [:]).status == 401)
        #expect(try await vitals.send("POST", "/api/v1/push/mem", "", headers: bearer).status == 404)
        #expect(try await vitals.send("POST", "/api/v1/push/nothing", "", headers: bearer).status == 404)
        let big = "msg=" + String(repeating: "x", count: 8 * 1024)
        #expect(try await vitals.send("POST", "/api/v1/push/job", big, headers: bearer, type: form).status == 413)

        // Silence: unhealthy once interval + grace (3 s) pass without a push.
        let silent = try await vitals.waitFor("/health/detailed", timeout: .seconds(15)) { _, b in
            Self.component(b, "job")?["status"] as? String == "unhealthy"
        }
        #expect((Self.component(silent.body, "job")?["message"] as? String ?? "").hasPrefix("no push since "))
        let metrics = try await vitals.get("/metrics")
        #expect(metrics.body.contains(#"vitals_component_status{component="job",type="push",status="unhealthy"} 1"#))
        let history = try await vitals.get("/api/v1/components/job/history")
        #expect(history.status == 200 && history.body.contains("backup done") && history.body.contains("no push since"))
        let views = [
            silent.body, metrics.body, history.body, try await vitals.get("/api/v1/components/job").body, try await vitals.get("/").body,
            try await vitals.get("/components/job").body,
        ]
        vitals.signal(SIGTERM)
        #expect(await vitals.waitForExit(timeout: .seconds(20)) == 0)
        let log = vitals.stderrAfterExit
        // Like any result: on the component's page, and alerted on.
        #expect(views[5].contains("no push since"))
        let alerted = log.split(separator: "\n").contains { $0.contains(#"msg="alert notification""#) && $0.contains("alert=job-silent") && $0.contains("status=firing") }
        #expect(alerted, "\(log)")
        for text in views + [log] { #expect(!text.contains(Self.token), "the token leaked: \(text.prefix(300))") }
    }

    @Test func vitalsPushWrapsACommandAndExitsWithItsCode() async throws {
        let file = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let vitals = try VitalsProcess(configBody: Self.config(tokenFile: file, interval: "1h", grace: "1m"))
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        let url = "http://127.0.0.1:\(vitals.port)"
        let wrapped = try Self.vitalsPush(["job", "--url", url, "--token-file", file.path, "--", "sh", "-c", "echo starting; echo hi; exit 3"])
        #expect(wrapped.code == 3)
        #expect(wrapped.output.contains("starting\nhi\n"), "the command's output is passed through")
        let down = try await vitals.waitFor("/health/detailed") { _, b in Self.component(b, "job")?["status"] as? String == "unhealthy" }
        #expect(Self.component(down.body, "job")?["message"] as? String == "hi")
        // A plain push, as soon as the rate lets it in (bounded: the limit is one a second).
        let deadline = ContinuousClock.now + .seconds(10)
        var plain = try Self.vitalsPush(["job", "--url", url, "--token-file", file.path, "--msg", "all good"])
        while plain.code != 0, ContinuousClock.now < deadline {
            #expect(plain.output.contains("429"), "\(plain.output)")
            plain = try Self.vitalsPush(["job", "--url", url, "--token-file", file.path, "--msg", "all good"])
        }
        #expect(plain.code == 0)
        _ = try await vitals.waitFor("/health/detailed") { _, b in Self.component(b, "job")?["message"] as? String == "all good" }
        // A wrong token: the push fails, the wrapped command's code still wins.
        let wrong = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-push-wrong-\(UUID().uuidString)")
        try "not-the-token-at-all\n".write(to: wrong, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: wrong) }
        let refused = try Self.vitalsPush(["job", "--url", url, "--token-file", wrong.path, "--", "true"])
        #expect(refused.code == 0)
        #expect(refused.output.contains("401"))
        #expect(try Self.vitalsPush(["job", "--url", url, "--token-file", wrong.path]).code == 1)
    }

    /// `vitals push ARGS`, its exit code and its stdout and stderr together.
    static func vitalsPush(_ arguments: [String]) throws -> (code: Int32, output: String) {
        let (code, output) = try DefaultConfigTests.run(VitalsProcess.binary, ["push"] + arguments, in: FileManager.default.temporaryDirectory)
        return (code, output)
    }
}

extension VitalsProcess {
    /// A request as curl sends it: any method, a body with its type, headers; the status, body
    /// and `Retry-After`.
    func send(_ method: String, _ path: String, _ body: String = "", headers: [String: String], type: String? = nil) async throws
        -> (status: Int, body: String, retryAfter: String?)
    {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 5
        if !body.isEmpty { request.httpBody = Data(body.utf8) }
        if let type { request.setValue(type, forHTTPHeaderField: "Content-Type") }
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Retry-After"))
    }
}

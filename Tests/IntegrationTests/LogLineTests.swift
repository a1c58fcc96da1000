import Foundation
import Testing

/// The daemon's log lines (spec section 2): start with listen address and storage, each
/// status change with its message, each alert firing and resolving, each notification
/// outcome, each reload; logfmt by default, JSON with `--log-format json`; no secret in any.
struct LogLineTests {
    static func config(target: Int, receiver: Int) -> String {
        """
        defaults:
          interval: 200ms
          timeout: 150ms
          failure_threshold: 1
        components:
          - name: target
            type: tcp
            address: "127.0.0.1:\(target)"
        notifiers:
          - name: hook
            type: webhook
            url: "http://127.0.0.1:\(receiver)/hook?key=s3cret-query"
            timeout: 2s
            headers: { X-Token: "s3cret-header" }
        alerts:
          - name: target-down
            on: target
            when: unhealthy
            for: 0s
            notify: [hook]

        """
    }

    /// Runs a down-and-up cycle with a reload, then stops the daemon and returns its log.
    static func cycle(format: [String]) async throws -> String {
        let target = try TCPTarget()
        try target.open()
        let receiver = try WebhookReceiver()
        let vitals = try VitalsProcess(configBody: config(target: target.port, receiver: receiver.port), arguments: ["run"] + format)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        #expect(await receiver.waitFor { $0.contains { $0.contains("\"status\":\"firing\"") } })
        try target.open()
        #expect(await receiver.waitFor { $0.contains { $0.contains("\"status\":\"resolved\"") } })
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        vitals.signal(SIGHUP)
        try await vitals.waitFor("/metrics") { _, body in body.contains("vitals_config_last_reload_successful 1") }
        vitals.signal(SIGTERM)
        #expect(await vitals.waitForExit(timeout: .seconds(20)) == 0)
        return vitals.stderrAfterExit
    }

    @Test func logfmtLinesForEveryEventAPersonNeeds() async throws {
        let log = try await Self.cycle(format: [])
        let lines = log.split(separator: "\n").map(String.init)
        func line(_ message: String, _ fields: String...) -> String? {
            lines.first { l in l.contains("msg=\(message)") && fields.allSatisfy { l.contains($0) } }
        }
        let started = try #require(line("\"vitals started\"", "listen=127.0.0.1:", "storage=memory"), "\(log)")
        #expect(started.hasPrefix("ts=20") && started.contains(" level=info "))
        let down = try #require(line("\"component status changed\"", "component=target", "from=healthy", "to=unhealthy"), "\(log)")
        #expect(down.contains("level=error"))
        #expect(down.contains("message=\"connection refused"), "\(down)")
        #expect(line("\"component status changed\"", "component=target", "from=unhealthy", "to=healthy") != nil)
        #expect(line("\"service status changed\"", "to=unhealthy") != nil)
        #expect(line("\"alert firing\"", "alert=target-down", "subject=target") != nil, "\(log)")
        #expect(line("\"alert resolved\"", "alert=target-down") != nil)
        #expect(line("\"notification delivered\"", "notifier=hook", "kind=firing", "status=200") != nil, "\(log)")
        #expect(line("\"notification delivered\"", "notifier=hook", "kind=resolved") != nil)
        #expect(line("\"config reloaded\"") != nil)
        #expect(line("\"vitals stopped\"") != nil)
        // A healthy first result is not news: no line for unknown → healthy at info.
        #expect(line("\"component status changed\"", "from=unknown", "to=healthy") == nil)
        #expect(!log.contains("s3cret"))
    }

    @Test func jsonLinesParseAndCarryTheSameFields() async throws {
        let log = try await Self.cycle(format: ["--log-format", "json"])
        var objects: [[String: Any]] = []
        for line in log.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            objects.append(try #require(object, "not a JSON object: \(line)"))
        }
        let text = { (o: [String: Any], key: String) in o[key] as? String }
        #expect(objects.allSatisfy { text($0, "ts") != nil && text($0, "level") != nil && text($0, "msg") != nil })
        #expect(objects.contains { text($0, "msg") == "component status changed" && text($0, "component") == "target" && text($0, "to") == "unhealthy" })
        #expect(objects.contains { text($0, "msg") == "alert firing" && text($0, "alert") == "target-down" })
        #expect(objects.contains { text($0, "msg") == "notification delivered" && text($0, "notifier") == "hook" })
        // Counts are JSON numbers, not strings: "components":2, "attempt":1, "status":200.
        let started = try #require(objects.first { text($0, "msg") == "vitals started" }, "\(log)")
        #expect(started["components"] as? Int != nil && !(started["components"] is String), "\(started)")
        #expect(log.contains(#""components":"#) && !log.contains(#""components":""#), "\(log)")
        let delivered = try #require(objects.first { text($0, "msg") == "notification delivered" }, "\(log)")
        #expect(delivered["attempt"] as? Int == 1, "\(delivered)")
        #expect(delivered["status"] as? Int == 200, "\(delivered)")
        #expect(!log.contains("s3cret"))
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Acknowledging an alert through the running daemon: `POST /api/v1/alerts/ID/ack` behind the
/// token, the acknowledged alert's repeats stop while an unacknowledged twin keeps repeating
/// (the clock that shows time has passed), the resolve still arrives, `/alerts` shows who took
/// it, and with SQLite the acknowledgement outlives a restart.
@Suite(.serialized)
struct AlertAckDaemonTests {
    static let token = "ack-t0ken-5ecret"

    /// Two rules on one TCP target, the same in all but name: `taken-down` gets acknowledged,
    /// `control-down` never does. The engine ticks every 5 s, so `repeat: 1s` repeats at each tick.
    static func config(_ target: TCPTarget, _ receiver: WebhookReceiver, storage: String = "") -> String {
        """
        defaults: { interval: 200ms, timeout: 150ms, failure_threshold: 1 }
        \(storage)components:
          - { name: target, type: tcp, address: "127.0.0.1:\(target.port)" }
        notifiers:
          - { name: hook, type: webhook, url: "http://127.0.0.1:\(receiver.port)/hook" }
        alerts:
          - { name: taken-down, on: target, when: unhealthy, for: 0s, repeat: 1s, notify: [hook] }
          - { name: control-down, on: target, when: unhealthy, for: 0s, repeat: 1s, notify: [hook] }

        """
    }

    static func notifications(_ receiver: WebhookReceiver, _ alert: String, _ kind: String) -> Int {
        receiver.bodies.filter { body in
            guard let json = jsonObject(body), json["alert"] as? String == alert else { return false }
            switch kind {
            case "repeat": return json["status"] as? String == "firing" && json["repeat"] as? Bool == true
            case "firing": return json["status"] as? String == "firing" && json["repeat"] as? Bool == false
            default: return json["status"] as? String == kind
            }
        }.count
    }

    /// While `control-down` repeats `times` more, `taken-down` must not repeat at all. The
    /// notifier's queue is in order, so once a control repeat made after the acknowledgement has
    /// arrived, every earlier `taken-down` notification has too.
    static func expectNoRepeats(of receiver: WebhookReceiver, whileTheControlRepeats times: Int) async {
        let start = notifications(receiver, "control-down", "repeat")
        #expect(await receiver.waitFor(timeout: .seconds(20)) { _ in notifications(receiver, "control-down", "repeat") > start })
        let baseline = notifications(receiver, "taken-down", "repeat")
        let settled = notifications(receiver, "control-down", "repeat")
        #expect(await receiver.waitFor(timeout: .seconds(30)) { _ in notifications(receiver, "control-down", "repeat") >= settled + times })
        #expect(notifications(receiver, "taken-down", "repeat") == baseline, "the acknowledged alert repeated: \(receiver.bodies)")
    }

    static func alert(_ id: String, in body: String) -> [String: Any]? {
        (jsonObject(body)?["alerts"] as? [[String: Any]])?.first { $0["id"] as? String == id }
    }

    @Test func acknowledgedThroughTheAPIWithTheToken() async throws {
        let target = try TCPTarget()
        try target.open()
        let receiver = try WebhookReceiver()
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-ack-token-\(UUID().uuidString)")
        try "\(Self.token)\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let vitals = try VitalsProcess(
            configBody: Self.config(target, receiver), extraServer: "  detailed_token_file: \"\(tokenFile.path)\"\n")
        defer { vitals.stop() }
        let auth = ["Authorization": "Bearer \(Self.token)"]
        let ack = #"{"by":"alice@example.com","comment":"on it, \"INC-42\""}"#
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        // Firing, and repeating before anyone takes it.
        #expect(await receiver.waitFor(timeout: .seconds(20)) { _ in Self.notifications(receiver, "taken-down", "repeat") >= 1 })

        #expect(try await vitals.post("/api/v1/alerts/taken-down:target/ack", ack).status == 401)
        #expect(try await vitals.post("/api/v1/alerts/taken-down:target/ack", ack, headers: ["Authorization": "Bearer wrong"]).status == 401)
        #expect(try await vitals.post("/api/v1/alerts/taken-down:nothing/ack", ack).status == 401, "401 comes before 404")
        #expect(try await vitals.post("/api/v1/alerts/taken-down:nothing/ack", ack, headers: auth).status == 404)
        #expect(try await vitals.post("/api/v1/alerts/taken-down:target/ack", #"{"who":"x"}"#, headers: auth).status == 400)
        #expect(try await vitals.post("/api/v1/alerts/taken-down:target/ack", ack, headers: auth, type: "text/plain").status == 415)
        #expect(try await vitals.get("/api/v1/alerts/taken-down:target/ack", headers: auth).status == 405)
        let before = try await vitals.get("/alerts", headers: auth)
        #expect(Self.alert("taken-down:target", in: before.body)?["acknowledged"] is NSNull, "acknowledged by a refused request")

        let taken = try await vitals.post("/api/v1/alerts/taken-down:target/ack", ack, headers: auth)
        #expect(taken.status == 200, "\(taken.body)")
        #expect((jsonObject(taken.body)?["acknowledged"] as? [String: Any])?["by"] as? String == "alice@example.com")

        await Self.expectNoRepeats(of: receiver, whileTheControlRepeats: 2)
        let listed = try await vitals.get("/alerts", headers: auth)
        let entry = try #require(Self.alert("taken-down:target", in: listed.body), "\(listed.body)")
        #expect(entry["state"] as? String == "firing")
        let acknowledged = try #require(entry["acknowledged"] as? [String: Any])
        #expect(acknowledged["by"] as? String == "alice@example.com")
        #expect(acknowledged["comment"] as? String == #"on it, "INC-42""#)
        #expect((acknowledged["at"] as? String).flatMap(AlertingTests.date) != nil)
        #expect(Self.alert("control-down:target", in: listed.body)?["acknowledged"] is NSNull)
        #expect(vitals.stderr.contains("alert acknowledged"))

        // Back up: the resolve of the acknowledged alert still goes out.
        try target.open()
        #expect(await receiver.waitFor { _ in Self.notifications(receiver, "taken-down", "resolved") == 1 }, "no resolve after the ack")
        try await vitals.waitFor("/alerts", headers: auth) { _, b in Self.alert("taken-down:target", in: b)?["state"] as? String == "resolved" }
        #expect(try await vitals.post("/api/v1/alerts/taken-down:target/ack", ack, headers: auth).status == 404, "a resolved alert")
        #expect(Self.notifications(receiver, "taken-down", "firing") == 1)
    }

    @Test func theAcknowledgementSurvivesARestartWithSQLite() async throws {
        let target = try TCPTarget()
        try target.open()
        let receiver = try WebhookReceiver()
        let dir = ScratchFolder()
        defer { dir.remove() }
        let body = Self.config(target, receiver, storage: "storage: { type: sqlite, path: \"\(dir.path)/vitals.db\" }\n")
        let first = try VitalsProcess(configBody: body)
        try await first.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        #expect(await receiver.waitFor { _ in Self.notifications(receiver, "taken-down", "firing") == 1 })
        let taken = try await first.post("/api/v1/alerts/taken-down:target/ack", #"{"by":"bob"}"#)
        #expect(taken.status == 200, "\(taken.body)")
        first.signal(SIGTERM)
        #expect(await first.waitForExit(timeout: .seconds(20)) == 0)

        let second = try VitalsProcess(configBody: body)
        defer { second.stop() }
        let alerts = try await second.waitFor("/alerts") { _, b in Self.alert("taken-down:target", in: b)?["state"] as? String == "firing" }
        let acknowledged = try #require(Self.alert("taken-down:target", in: alerts.body)?["acknowledged"] as? [String: Any], "\(alerts.body)")
        #expect(acknowledged["by"] as? String == "bob")
        #expect(acknowledged["comment"] as? String == "")
        await Self.expectNoRepeats(of: receiver, whileTheControlRepeats: 2)
        try target.open()
        #expect(await receiver.waitFor { _ in Self.notifications(receiver, "taken-down", "resolved") == 1 }, "no resolve after the restart")
        #expect(Self.notifications(receiver, "taken-down", "firing") == 1, "fired again after the restart")
    }
}

extension VitalsProcess {
    /// A POST with a body, as `curl -X POST -H 'Content-Type: ...' -d BODY` sends it.
    func post(_ path: String, _ body: String, headers: [String: String] = [:], type: String = "application/json") async throws
        -> (status: Int, body: String)
    {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.timeoutInterval = 5
        request.httpBody = Data(body.utf8)
        request.setValue(type, forHTTPHeaderField: "Content-Type")
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }
}

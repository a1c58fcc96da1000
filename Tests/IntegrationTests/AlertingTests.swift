import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import VitalsTestSupport

/// Alerting through the real daemon: a component goes down, a webhook receives `firing`; it
/// comes back, the webhook receives `resolved`; `/alerts` and the metrics show it.
struct AlertingTests {
    @Test func webhookFiresAndResolves() async throws {
        let target = try TCPTarget()
        try target.open()
        let receiver = try WebhookReceiver()
        let body = """
            defaults:
              interval: 200ms
              timeout: 150ms
              failure_threshold: 1
            components:
              - name: target
                type: tcp
                address: "127.0.0.1:\(target.port)"
            notifiers:
              - name: hook
                type: webhook
                url: "http://127.0.0.1:\(receiver.port)/hook"
                timeout: 2s
                headers: { X-Token: "s3cret-header" }
            alerts:
              - name: target-down
                on: target
                when: unhealthy
                for: 0s
                notify: [hook]

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        #expect(await receiver.waitFor { $0.contains { $0.contains("\"status\":\"firing\"") } })
        let firing = try #require(receiver.bodies.first { $0.contains("\"status\":\"firing\"") })
        #expect(firing.contains("\"alert\":\"target-down\""))
        #expect(receiver.headers.contains { $0.lowercased().contains("x-token: s3cret-header") })
        let alerts = try await vitals.get("/alerts")
        #expect(alerts.status == 200)
        #expect(alerts.body.contains("target-down"))
        #expect(!alerts.body.contains("s3cret-header"))
        try target.open()
        #expect(await receiver.waitFor { $0.contains { $0.contains("\"status\":\"resolved\"") } })
        let metrics = try await vitals.get("/metrics")
        #expect(metrics.body.contains(#"vitals_alerts_sent_total{notifier="hook",result="success"}"#))
        #expect(receiver.bodies.filter { $0.contains("\"status\":\"firing\"") }.count == 1)
    }

    /// Every notifier type through the daemon's own curl transport to a real peer: a real
    /// Alertmanager, a receiver that checks Slack's incoming-webhook schema and answers as Slack
    /// does, and a webhook that is down for its first request (the retry delivers it).
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func alertmanagerSlackAndARetriedWebhookThroughTheDaemon() async throws {
        let alertmanager = try TestEnvironment.require("VITALS_TEST_ALERTMANAGER")
        let target = try TCPTarget()
        try target.open()
        let slack = try WebhookReceiver(accepts: SlackSchema.accepts)
        let flaky = try WebhookReceiver(failFirst: 1)
        let name = "target-down-\(UInt32.random(in: 0...UInt32.max))"
        let body = """
            defaults: { interval: 200ms, timeout: 150ms, failure_threshold: 1 }
            components:
              - { name: target, type: tcp, address: "127.0.0.1:\(target.port)" }
            notifiers:
              - { name: am, type: alertmanager, url: "\(alertmanager)/" }
              - { name: chat, type: slack, url: "http://127.0.0.1:\(slack.port)/services/T000/B000/XXXX" }
              - { name: flaky, type: webhook, url: "http://127.0.0.1:\(flaky.port)/hook", timeout: 2s }
            alerts:
              - { name: \(name), on: target, when: unhealthy, for: 0s, notify: [am, chat, flaky] }

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()

        func ours() async throws -> [[String: Any]] {
            let (data, _) = try await URLSession.shared.data(from: URL(string: alertmanager + "/api/v2/alerts")!)
            let all = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
            return all.filter { ($0["labels"] as? [String: String])?["alertname"] == name }
        }
        var active: [[String: Any]] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            active = try await ours()
            if !active.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let labels = try #require(active.first?["labels"] as? [String: String], "Alertmanager never received \(name)")
        #expect(labels["component"] == "target")
        #expect(labels["severity"] == "critical")
        #expect((active.first?["status"] as? [String: Any])?["state"] as? String == "active")
        #expect(await slack.waitFor { $0.contains { $0.contains("[FIRING]") } }, "Slack accepted no firing message")
        #expect(slack.requests == slack.bodies.count, "Slack refused a payload as invalid")
        #expect(await flaky.waitFor { $0.contains { $0.contains("\"status\":\"firing\"") } }, "the retry never delivered")
        #expect(flaky.requests >= 2)
        let firing = try await vitals.waitFor("/metrics") { _, b in b.contains(#"vitals_alerts_sent_total{notifier="flaky",result="success"} 1"#) }
        for n in ["am", "chat"] { #expect(firing.body.contains("vitals_alerts_sent_total{notifier=\"\(n)\",result=\"success\"} 1")) }
        #expect(firing.body.contains(#"vitals_alerts_sent_total{notifier="flaky",result="failure"} 1"#))

        // Back up: the resolve reaches all three; Alertmanager's alert ends.
        try target.open()
        #expect(await slack.waitFor { $0.contains { $0.contains("[RESOLVED]") } })
        #expect(await flaky.waitFor { $0.contains { $0.contains("\"status\":\"resolved\"") } })
        let resolvedBy = ContinuousClock.now + .seconds(15)
        var ended = false
        while !ended, ContinuousClock.now < resolvedBy {
            ended = try await ours().allSatisfy { alert in
                (alert["endsAt"] as? String).flatMap(Self.date).map { $0 <= Date() } ?? false
            }
            if !ended { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ended, "Alertmanager's alert did not end after the resolve")
    }

    static func date(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}

/// What Slack's incoming webhooks accept (api.slack.com/messaging/webhooks and the Block Kit
/// reference): a JSON object with a `text` fallback; `blocks` of known types, at most 50;
/// section text up to 3,000 characters, at most 10 fields of up to 2,000; context elements at
/// most 10. Anything else Slack answers `400 invalid_payload`.
enum SlackSchema {
    static let topLevel: Set = ["text", "blocks", "attachments", "username", "icon_emoji", "icon_url", "channel", "mrkdwn", "unfurl_links", "unfurl_media", "thread_ts"]

    @Sendable static func accepts(_ body: String) -> Bool {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            Set(json.keys).isSubset(of: topLevel),
            let text = json["text"] as? String, !text.isEmpty
        else { return false }
        guard let blocks = json["blocks"] else { return true }
        guard let list = blocks as? [[String: Any]], list.count <= 50 else { return false }
        return list.allSatisfy(block)
    }

    static func textObject(_ value: Any?, max: Int) -> Bool {
        guard let t = value as? [String: Any], let type = t["type"] as? String, ["mrkdwn", "plain_text"].contains(type),
            let text = t["text"] as? String
        else { return false }
        return !text.isEmpty && text.count <= max
    }

    static func block(_ b: [String: Any]) -> Bool {
        switch b["type"] as? String {
        case "section":
            if b["text"] == nil && b["fields"] == nil { return false }
            if let t = b["text"], !textObject(t, max: 3000) { return false }
            if let f = b["fields"] {
                guard let fields = f as? [Any], fields.count <= 10, fields.allSatisfy({ textObject($0, max: 2000) }) else { return false }
            }
            return true
        case "context":
            guard let e = b["elements"] as? [Any], !e.isEmpty, e.count <= 10 else { return false }
            return e.allSatisfy { textObject($0, max: 3000) }
        case "divider": return true
        case "header": return textObject(b["text"], max: 150)
        default: return false
        }
    }
}

/// An HTTP receiver on loopback that answers 200 and records what it was sent.
final class WebhookReceiver: Sendable {
    let port: Int
    private let fd: Int32
    private let received = Mutex<(bodies: [String], headers: [String], requests: Int, arrivals: [Date])>(([], [], 0, []))
    /// Requests answered 500 before the receiver starts accepting (a receiver that is down).
    private let failFirst: Int
    /// The receiver's own check of a body; a body it refuses gets 400 and is not recorded.
    private let accepts: @Sendable (String) -> Bool
    /// When set, the whole answer to a body (status and JSON text), as a service with its own
    /// API answers (PagerDuty's 202 and 400); only bodies answered 2xx are recorded.
    private let respond: (@Sendable (String) -> (status: Int, body: String))?
    /// A service's whole answer (status, extra header lines, JSON body) to request number N
    /// (from 1) with this body: rate limits (429 with Retry-After) and error answers. Like
    /// `respond`, only bodies answered 2xx are recorded.
    struct Reply: Sendable {
        var status: Int
        var headers: [String] = []
        var body: String = ""
    }
    private let reply: (@Sendable (Int, String) -> Reply)?
    /// Like `reply`, for a service whose answer depends on the request line and headers too
    /// (an API with several endpoints and an auth header): request number, head, body.
    private let exchange: (@Sendable (Int, String, String) -> Reply)?

    /// Bodies accepted, in order.
    var bodies: [String] { received.withLock { $0.bodies } }
    var headers: [String] { received.withLock { $0.headers } }
    /// When each accepted body had arrived in full, in order.
    var arrivals: [Date] { received.withLock { $0.arrivals } }
    /// Every request, refused ones included.
    var requests: Int { received.withLock { $0.requests } }

    init(
        failFirst: Int = 0, accepts: @escaping @Sendable (String) -> Bool = { _ in true },
        respond: (@Sendable (String) -> (status: Int, body: String))? = nil, reply: (@Sendable (Int, String) -> Reply)? = nil,
        exchange: (@Sendable (Int, String, String) -> Reply)? = nil
    ) throws {
        self.failFirst = failFirst
        self.accepts = accepts
        self.respond = respond
        self.reply = reply
        self.exchange = exchange
        port = try FreePort.pick()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        guard withUnsafePointer(to: &addr, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }) == 0,
            listen(fd, 16) == 0
        else { throw POSIXError(.EADDRINUSE) }
        Thread.detachNewThread { [self] in serve() }
    }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            var data = [UInt8]()
            var buf = [UInt8](repeating: 0, count: 65536)
            var reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            // Read the head, then Content-Length bytes of body.
            while true {
                let n = recv(c, &buf, buf.count, 0)
                if n <= 0 { break }
                data += buf[0..<n]
                let text = String(decoding: data, as: UTF8.self)
                if let split = text.range(of: "\r\n\r\n") {
                    let head = String(text[..<split.lowerBound])
                    let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                    let body = text[split.upperBound...]
                    if body.utf8.count >= length {
                        let n = received.withLock { r in
                            r.requests += 1
                            return r.requests
                        }
                        let answer = n <= failFirst ? nil : self.exchange?(n, head, String(body)) ?? self.reply?(n, String(body)) ?? respond.map { r in
                            let a = r(String(body))
                            return Reply(status: a.status, body: a.body)
                        }
                        if let answer {
                            reply = "HTTP/1.1 \(answer.status) X\r\nContent-Type: application/json\r\nContent-Length: \(answer.body.utf8.count)"
                                + answer.headers.map { "\r\n" + $0 }.joined() + "\r\nConnection: close\r\n\r\n\(answer.body)"
                        }
                        if n <= failFirst {
                            reply = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        } else if let answer, !(200..<300).contains(answer.status) {
                            // Refused by the service's own rules: not recorded.
                        } else if !accepts(String(body)) {
                            reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 15\r\nConnection: close\r\n\r\ninvalid_payload"
                        } else {
                            let arrived = Date()
                            received.withLock {
                                $0.arrivals.append(arrived)
                                $0.bodies.append(String(body))
                                $0.headers += head.split(separator: "\r\n").map(String.init)
                            }
                        }
                        break
                    }
                }
            }
            _ = reply.withCString { send(c, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            Glibc.close(c)
        }
    }

    func waitFor(timeout: Duration = .seconds(15), _ predicate: ([String]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if predicate(bodies) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return predicate(bodies)
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }
}

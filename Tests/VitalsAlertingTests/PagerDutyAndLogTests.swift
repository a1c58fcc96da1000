import Foundation
import Logging
import Synchronization
import Testing
import VitalsTestSupport
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

/// PagerDuty's Events API v2 body and the `log` notifier's line; how the queue treats each
/// kind's answers (what is retried, what is refused for good, what is scrubbed).
@Suite(.serialized) struct PagerDutyAndLogTests {
    let context = payloadContext
    /// Made five seconds after the component failed, to tell the event's time from the start.
    var firing: AlertNotification {
        var n = ordersDBFiring
        n.createdAt = at(5)
        return n
    }
    let policy = RetryPolicy(initialDelay: .seconds(1), multiplier: 2, maxDelay: .seconds(60), maxElapsed: .seconds(300), jitter: 0)

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func triggerAndResolveShareOneDedupKey() throws {
        let trigger = try json(PagerDutyEvent(firing, routingKey: "R0UT1NG", context: context).body())
        #expect(trigger["routing_key"] as? String == "R0UT1NG")
        #expect(trigger["event_action"] as? String == "trigger")
        #expect(trigger["dedup_key"] as? String == "vitals/checkout/db-down/orders-db")
        let payload = try #require(trigger["payload"] as? [String: Any])
        #expect(payload["summary"] as? String == "orders-db unhealthy: timeout after 2s")
        #expect(payload["source"] as? String == "orders-db")
        #expect(payload["severity"] as? String == "critical")
        #expect(payload["timestamp"] as? String == RFC3339.string(at(5)))
        #expect(payload["component"] as? String == "orders-db" && payload["group"] as? String == "checkout" && payload["class"] as? String == "db-down")
        let details = try #require(payload["custom_details"] as? [String: Any])
        #expect(details["current_status"] as? String == "unhealthy" && details["starts_at"] as? String == RFC3339.string(at(0)))
        #expect((details["failing"] as? [[String: Any]])?.first?["component"] as? String == "orders-db")
        #expect((trigger["links"] as? [[String: String]]) == [["href": "https://vitals.example/health/detailed", "text": "Vitals: health details"]])

        var resolved = firing
        resolved.status = .resolved
        resolved.endsAt = at(60)
        let resolve = try json(PagerDutyEvent(resolved, routingKey: "R0UT1NG", context: context).body())
        #expect(Set(resolve.keys) == ["routing_key", "event_action", "dedup_key"])
        #expect(resolve["event_action"] as? String == "resolve" && resolve["dedup_key"] as? String == trigger["dedup_key"] as? String)

        // Long names: still at most 255 characters, still one key per alert and subject.
        let long = PagerDutyEvent.dedupKey(service: "s", alert: String(repeating: "a", count: 200), subject: String(repeating: "b", count: 200))
        #expect(long.count == 255 && long == PagerDutyEvent.dedupKey(service: "s", alert: String(repeating: "a", count: 200), subject: String(repeating: "b", count: 200)))
        #expect(long != PagerDutyEvent.dedupKey(service: "s", alert: String(repeating: "a", count: 200), subject: String(repeating: "b", count: 199) + "c"))
    }

    @Test(arguments: [
        ("critical", HealthStatus.unhealthy, "critical"), ("page", .degraded, "critical"), ("ERROR", .unhealthy, "error"),
        ("warning", .unhealthy, "warning"), ("info", .unhealthy, "info"), ("whatever", .unhealthy, "critical"), ("whatever", .degraded, "warning"),
    ])
    func severityOnPagerDutysFourLevels(text: String, status: HealthStatus, expected: String) {
        #expect(PagerDutyEvent.severity(text, status: status) == expected)
    }

    @Test func pagerDutyRefusalIsFinalThrottlingIsRetried() async throws {
        let receiver = try HTTPReceiver(script: [.status(429), .status(202), .status(400)])
        defer { receiver.close() }
        let clock = ManualClock()
        let spec = NotifierSpec(name: "pd", kind: .pagerduty, url: Secret(receiver.url + "/v2/enqueue"), routingKey: Secret("R0UT1NG"))
        let queue = NotifierQueue(spec: spec, capacity: 8)
        let reports = Reports()
        let worker = Task { await queue.run(transport: LoopbackTransport(), clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: reports.add) }
        defer { worker.cancel() }
        let body = PagerDutyEvent(firing, routingKey: "R0UT1NG", context: context).body()
        _ = queue.enqueue(Delivery(instanceKey: "db-down/orders-db", eventID: 1, kind: .firing, body: body, createdAt: at(0)))
        clock.advance(to: await clock.nextSleep())
        _ = queue.enqueue(Delivery(instanceKey: "db-down/orders-db", eventID: 2, kind: .firing, body: body, createdAt: at(0)))
        await queue.drained()
        #expect(reports.all.map(\.result) == [.failed(status: 429, error: "HTTP 429"), .delivered(status: 202), .rejected(status: 400, error: "HTTP 400")])
        #expect(receiver.requests.map(\.path) == ["/v2/enqueue", "/v2/enqueue", "/v2/enqueue"])
    }

    @Test func mailRefusalsAreFinalTransientRepliesRetriedAndNoPasswordIsRecorded() async throws {
        let clock = ManualClock()
        let spec = NotifierSpec(
            name: "mail", kind: .email, url: Secret("smtp://127.0.0.1:9"),
            email: EmailSettings(from: "v@example.com", to: ["o@example.com"], username: "vitals", password: Secret("smtp-Pa55word")))
        let queue = NotifierQueue(spec: spec, capacity: 8)
        let reports = Reports()
        // LeakyTransport echoes the login in its refusal, as a careless server might.
        let worker = Task { await queue.run(transport: LeakyTransport(), clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: reports.add) }
        defer { worker.cancel() }
        _ = queue.enqueue(Delivery(instanceKey: "k", eventID: 1, kind: .firing, body: Array("x".utf8), createdAt: at(0)))
        await queue.drained()
        #expect(reports.all.map(\.result) == [.rejected(status: 535, error: "SMTP 535 5.7.8 login vitals with <redacted> refused")])
        #expect(DeliveryVerdict(.smtpReply(451, "451 4.7.1 greylisted")) == .retry)
        #expect(DeliveryVerdict(.smtpReply(550, "550 5.1.1 no such user")) == .rejected)
        #expect(DeliveryVerdict(.smtpReply(250, "250 OK")) == .delivered)
        #expect(DeliveryVerdict(.failed("TLS: the server does not offer STARTTLS")) == .retry)
    }

    @Test func theMailGoesToTheTransportWithItsEnvelope() async throws {
        let transport = RecordingTransport()
        let clock = ManualClock()
        let settings = EmailSettings(from: "v@example.com", to: ["o@example.com", "p@example.com"], username: "vitals", password: Secret("pw-1234"))
        let spec = NotifierSpec(name: "mail", kind: .email, url: Secret("smtps://mail.example"), email: settings)
        let queue = NotifierQueue(spec: spec, capacity: 8)
        let worker = Task { await queue.run(transport: transport, clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: { _ in }) }
        defer { worker.cancel() }
        let body = PayloadEncoder.body(for: firing, spec: spec, context: context, now: at(5))
        _ = queue.enqueue(Delivery(instanceKey: "k", eventID: 1, kind: .firing, body: body, createdAt: at(0)))
        await queue.drained()
        let mail = try #require(transport.sentMail.first)
        #expect(mail.url == "smtps://mail.example" && mail.from == "v@example.com" && mail.to == ["o@example.com", "p@example.com"])
        #expect(mail.username == "vitals" && mail.password == "pw-1234" && mail.requiresTLS)
        #expect(String(decoding: mail.message, as: UTF8.self).contains("Subject: [FIRING] orders-db unhealthy: timeout after 2s\r\n"))
        #expect(transport.recorded.isEmpty)
    }

    @Test func theLogNotifierWritesOneLinePerNotification() async throws {
        let lines = CapturedLines()
        let logger = Logger(label: "test") { _ in CapturingHandler(lines: lines) }
        let clock = ManualClock()
        let spec = NotifierSpec(name: "audit", kind: .log, url: Secret(""))
        let queue = NotifierQueue(spec: spec, capacity: 8)
        let reports = Reports()
        let worker = Task {
            await queue.run(transport: RecordingTransport(), logger: logger, clock: clock, policy: policy, random: { 0.5 }, now: { clock.wallNow }, report: reports.add)
        }
        defer { worker.cancel() }
        var resolved = firing
        resolved.status = .resolved
        resolved.endsAt = at(60)
        for (i, n) in [firing, resolved].enumerated() {
            let body = PayloadEncoder.body(for: n, spec: spec, context: context, now: at(5))
            _ = queue.enqueue(Delivery(instanceKey: "db-down/orders-db", eventID: i + 1, kind: n.status == .firing ? .firing : .resolved, body: body, createdAt: at(0)))
        }
        await queue.drained()
        let all = lines.all
        #expect(all.count == 2)
        #expect(all.map(\.message) == ["alert notification", "alert notification"])
        #expect(all.map(\.level) == [.warning, .notice])
        #expect(all[0].fields["notifier"] == "audit" && all[0].fields["alert"] == "db-down" && all[0].fields["subject"] == "orders-db")
        #expect(all[0].fields["status"] == "firing" && all[0].fields["to"] == "unhealthy" && all[0].fields["message"] == "timeout after 2s")
        #expect(all[0].fields["failing"] == "orders-db unhealthy: timeout after 2s" && all[0].fields["url"] == "https://vitals.example/health/detailed")
        #expect(all[1].fields["status"] == "resolved" && all[1].fields["ended"] == RFC3339.string(at(60)))
        #expect(reports.all.map(\.result) == [.delivered(status: nil), .delivered(status: nil)])
    }
}

/// Log events a test's logger received.
final class CapturedLines: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var fields: [String: String]
    }
    private let list = Mutex<[Line]>([])
    func add(_ line: Line) { list.withLock { $0.append(line) } }
    var all: [Line] { list.withLock { $0 } }
}

struct CapturingHandler: LogHandler {
    let lines: CapturedLines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).mapValues { "\($0)" }
        lines.add(CapturedLines.Line(level: event.level, message: "\(event.message)", fields: fields))
    }
}

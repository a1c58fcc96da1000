import Foundation
import Testing
import VitalsTestSupport

/// The `email`, `pagerduty` and `log` notifiers through the running daemon and its libcurl
/// transport: real SMTP servers (aiosmtpd, started by `scripts/test-servers/test-env.sh`: plain, STARTTLS
/// with AUTH, SMTPS with AUTH), a loopback receiver that checks PagerDuty's Events API v2
/// schema and answers as PagerDuty does, and the daemon's own log in JSON.
@Suite(.serialized) struct NotifierTests {
    /// A daemon, ready, watching one tcp component (up) named PREFIX-RANDOM under the rule
    /// `COMPONENT-down` (unhealthy, `for: 0s`): closing the target fires it, opening resolves it.
    struct Watched {
        let target: TCPTarget
        let component: String
        let vitals: VitalsProcess
        var alert: String { "\(component)-down" }

        init(_ prefix: String, notifiers: String, notify: [String], rule: String = "", arguments: [String] = ["run"]) async throws {
            target = try TCPTarget()
            try target.open()
            component = "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
            let body = """
                defaults: { interval: 200ms, timeout: 150ms, failure_threshold: 1 }
                components:
                  - { name: \(component), type: tcp, address: "127.0.0.1:\(target.port)" }
                notifiers:
                \(notifiers)
                alerts:
                  - { name: \(component)-down, on: \(component), when: unhealthy, for: 0s, notify: [\(notify.joined(separator: ", "))]\(rule) }

                """
            vitals = try VitalsProcess(configBody: body, arguments: arguments)
            try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        }
    }

    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func mailArrivesThroughEveryKindOfSMTPServer() async throws {
        let plain = try TestEnvironment.require("VITALS_TEST_SMTP")
        let starttls = try TestEnvironment.require("VITALS_TEST_SMTP_STARTTLS")
        let smtps = try TestEnvironment.require("VITALS_TEST_SMTPS")
        let user = try TestEnvironment.require("VITALS_TEST_SMTP_USER")
        let password = try TestEnvironment.require("VITALS_TEST_SMTP_PASSWORD")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let folder = try TestEnvironment.require("VITALS_TEST_SMTP_MAIL")
        let mail = MailFolder(path: folder)
        let scratch = ScratchFolder()
        defer { scratch.remove() }
        let passwordFile = scratch.url.appendingPathComponent("smtp")
        try "\(password)\n".write(to: passwordFile, atomically: true, encoding: .utf8)
        let wrong = "wrong-Passw0rd-\(UInt32.random(in: 0...UInt32.max))"
        let login = "username: \(user), password_file: \(passwordFile.path), tls: { ca_file: \(ca) }"
        // A peer that takes the connection and says nothing (within its first 2 s): no greeting.
        let silent = try WebhookReceiver()
        let watched = try await Watched(
            "mailed",
            notifiers: """
                  - { name: plain, type: email, url: "\(plain)", from: vitals@example.com, to: [oncall@example.com, dba@example.com] }
                  - { name: starttls, type: email, url: "\(starttls)", from: vitals@example.com, to: [oncall@example.com], \(login) }
                  - { name: smtps, type: email, url: "\(smtps)", from: vitals@example.com, to: [oncall@example.com], \(login) }
                  - { name: badlogin, type: email, url: "\(starttls)", from: vitals@example.com, to: [oncall@example.com], username: \(user), password: \(wrong), tls: { ca_file: \(ca) } }
                  - { name: cleartext, type: email, url: "\(plain)", from: vitals@example.com, to: [oncall@example.com], username: \(user), password: \(wrong) }
                  - { name: silent, type: email, url: "smtp://127.0.0.1:\(silent.port)", from: vitals@example.com, to: [oncall@example.com], timeout: 500ms }
                """,
            notify: ["plain", "starttls", "smtps", "badlogin", "cleartext", "silent"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        target.close()

        // The firing reaches each server, as a mail client reads it.
        let subject = "[FIRING] \(component) unhealthy: "
        for flavour in ["plain", "starttls", "smtps"] {
            let got = await mail.waitFor(flavour) { $0.header("X-Vitals-Subject") == component && $0.subject.hasPrefix(subject) }
            let m = try #require(got, "no firing mail through the \(flavour) server; log:\n\(vitals.stderr.suffix(2000))")
            #expect(m.mailFrom == "vitals@example.com")
            #expect(m.recipients == (flavour == "plain" ? ["oncall@example.com", "dba@example.com"] : ["oncall@example.com"]))
            #expect(m.subject.contains("connection refused"), "\(m.subject)")
            #expect(m.tls == (flavour != "plain"), "\(flavour): TLS \(m.tls)")
            #expect(m.login == (flavour == "plain" ? nil : user))
            #expect(m.defects.isEmpty, "\(flavour): \(m.defects)")
            #expect(m.contentType == "multipart/alternative")
            #expect(m.part("text/plain")?.contains("Alert:    \(component)-down") == true)
            #expect(m.part("text/html")?.contains("<a href=") == true)
            #expect(!m.raw.contains(password) && !m.raw.contains(wrong), "a password is in the message")
        }

        // A refused login is final (535, one attempt); a login the server could only get in
        // clear is not sent (the plain server offers no STARTTLS).
        let alerts = try await vitals.waitFor("/alerts") { _, b in
            b.contains(#""notifier":"badlogin""#) && b.contains(#""notifier":"cleartext""#) && b.contains(#""notifier":"silent""#)
        }
        let attempts = try Self.attempts(alerts.body)
        let bad = attempts.filter { $0["notifier"] as? String == "badlogin" }
        #expect(bad.count == 1 && bad.first?["outcome"] as? String == "rejected" && bad.first?["status_code"] as? Int == 535, "\(bad)")
        let clear = try #require(attempts.first { $0["notifier"] as? String == "cleartext" })
        #expect(clear["outcome"] as? String == "failure")
        #expect((clear["error"] as? String)?.contains("STARTTLS") == true, "\(clear)")
        #expect(!mail.all("plain").contains { $0.login != nil }, "a login went over the plain server")
        // The silent server costs its own notifier its timeout, then a retry; the others delivered meanwhile.
        let quiet = try #require(attempts.first { $0["notifier"] as? String == "silent" })
        #expect(quiet["outcome"] as? String == "failure" && quiet["error"] as? String == "timeout", "\(quiet)")

        // Back up: the resolve, threaded under the firing.
        try target.open()
        for flavour in ["plain", "starttls", "smtps"] {
            let got = await mail.waitFor(flavour) { $0.header("X-Vitals-Subject") == component && $0.subject == "[RESOLVED] \(component) recovered: healthy" }
            let resolved = try #require(got, "no resolve through the \(flavour) server")
            let firing = try #require(mail.all(flavour).first { $0.header("X-Vitals-Subject") == component && $0.subject.hasPrefix(subject) })
            #expect(resolved.header("In-Reply-To") == firing.header("Message-ID"))
        }
        let metrics = try await vitals.waitFor("/metrics") { _, b in b.contains(#"vitals_alerts_sent_total{notifier="smtps",result="success"} 2"#) }
        for n in ["plain", "starttls"] { #expect(metrics.body.contains("vitals_alerts_sent_total{notifier=\"\(n)\",result=\"success\"} 2")) }
        let views = [try await vitals.get("/alerts").body, metrics.body, vitals.stderr]
        for view in views { #expect(!view.contains(password) && !view.contains(wrong), "a password leaked: \(view.prefix(500))") }
    }

    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func pagerDutyTriggerAndResolveAndOneLogLinePerNotification() async throws {
        let pagerduty = try WebhookReceiver(respond: PagerDutySchema.answer)
        let key = "r0ut1ngk3y" + String(UInt64.random(in: 0...UInt64.max), radix: 36).padding(toLength: 22, withPad: "0", startingAt: 0)
        let scratch = ScratchFolder()
        defer { scratch.remove() }
        let keyFile = scratch.url.appendingPathComponent("pd")
        try "\(key)\n".write(to: keyFile, atomically: true, encoding: .utf8)
        let watched = try await Watched(
            "paged",
            notifiers: """
                  - { name: pd, type: pagerduty, routing_key_file: \(keyFile.path), url: "http://127.0.0.1:\(pagerduty.port)/v2/enqueue" }
                  - { name: audit, type: log }
                """,
            notify: ["pd", "audit"], rule: ", severity: error", arguments: ["run", "--log-format", "json"])
        let (target, component, vitals) = (watched.target, watched.component, watched.vitals)
        defer { vitals.stop() }
        target.close()
        #expect(await pagerduty.waitFor { $0.contains { $0.contains(#""event_action":"trigger""#) } }, "PagerDuty accepted no trigger")
        try target.open()
        #expect(await pagerduty.waitFor { $0.contains { $0.contains(#""event_action":"resolve""#) } }, "PagerDuty accepted no resolve")
        #expect(pagerduty.requests == pagerduty.bodies.count, "PagerDuty refused an event as invalid")
        let events = pagerduty.bodies.compactMap(jsonObject)
        let trigger = try #require(events.first { $0["event_action"] as? String == "trigger" })
        let resolve = try #require(events.first { $0["event_action"] as? String == "resolve" })
        #expect(trigger["routing_key"] as? String == key && resolve["routing_key"] as? String == key)
        #expect(trigger["dedup_key"] as? String == "vitals/vitals/\(component)-down/\(component)")
        #expect(resolve["dedup_key"] as? String == trigger["dedup_key"] as? String)
        let payload = try #require(trigger["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "error" && payload["source"] as? String == component)
        #expect((payload["summary"] as? String)?.hasPrefix("\(component) unhealthy: ") == true)
        _ = try await vitals.waitFor("/metrics") { _, b in b.contains(#"vitals_alerts_sent_total{notifier="pd",result="success"} 2"#) }
        _ = try await vitals.waitFor("/metrics") { _, b in b.contains(#"vitals_alerts_sent_total{notifier="audit",result="success"} 2"#) }
        let alerts = try await vitals.get("/alerts").body

        vitals.signal(SIGTERM)
        #expect(await vitals.waitForExit(timeout: .seconds(20)) == 0)
        let log = vitals.stderrAfterExit
        let lines = log.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { jsonObject($0) != nil }, "--log-format json: every line is JSON")
        let notifications = lines.compactMap(jsonObject).filter { $0["msg"] as? String == "alert notification" }
        #expect(notifications.count == 2, "one line per notification: \(notifications)")
        #expect(notifications.map { $0["status"] as? String } == ["firing", "resolved"])
        #expect(notifications.map { $0["level"] as? String } == ["warning", "notice"])
        let first = try #require(notifications.first)
        #expect(first["notifier"] as? String == "audit" && first["alert"] as? String == "\(component)-down" && first["subject"] as? String == component)
        #expect(first["to"] as? String == "unhealthy" && first["severity"] as? String == "error")
        #expect(!log.contains(key) && !alerts.contains(key), "the routing key leaked")
    }

    /// max_per_hour through the daemon: a component that flaps four times under
    /// `max_per_hour: 2` reaches the receiver twice (firing and resolve each time); the two
    /// firings held back, and their resolves, are counted and listed.
    @Test func maxPerHourHoldsBackAFlappingComponent() async throws {
        let receiver = try WebhookReceiver()
        let watched = try await Watched(
            "flappy", notifiers: "  - { name: hook, type: webhook, url: \"http://127.0.0.1:\(receiver.port)/hook\" }", notify: ["hook"],
            rule: ", max_per_hour: 2")
        let (target, alert, vitals) = (watched.target, watched.alert, watched.vitals)
        defer { vitals.stop() }
        func count(_ status: String) -> Int { receiver.bodies.filter { $0.contains("\"status\":\"\(status)\"") }.count }
        func suppressed(_ reason: String, _ n: Int) -> String { "vitals_alerts_suppressed_total{alert=\"\(alert)\",reason=\"\(reason)\"} \(n)" }
        for flap in 1...2 {
            target.close()
            #expect(await receiver.waitFor { _ in count("firing") == flap }, "firing \(flap) did not arrive")
            try target.open()
            #expect(await receiver.waitFor { _ in count("resolved") == flap }, "resolve \(flap) did not arrive")
        }
        for held in 1...2 {
            target.close()
            try await vitals.waitFor("/metrics") { _, b in b.contains(suppressed("rate_limit", held)) }
            try target.open()
            try await vitals.waitFor("/metrics") { _, b in b.contains(suppressed("unsent_firing", held)) }
        }
        let metrics = try await vitals.get("/metrics").body
        #expect(metrics.contains(#"vitals_alerts_sent_total{notifier="hook",result="success"} 4"#))
        #expect(count("firing") == 2 && count("resolved") == 2, "\(receiver.bodies)")
        let alerts = try #require(jsonObject(try await vitals.get("/alerts").body))
        let muted = try #require(alerts["muted"] as? [[String: Any]]).filter { $0["alert"] as? String == alert }
        #expect(muted.filter { $0["kind"] as? String == "firing" }.count == 2, "\(muted)")
        #expect(muted.contains { ($0["reason"] as? String)?.contains("max_per_hour 2") == true }, "\(muted)")
    }

    static func attempts(_ alertsBody: String) throws -> [[String: Any]] {
        let json = try #require(jsonObject(alertsBody))
        let alerts = try #require(json["alerts"] as? [[String: Any]])
        return alerts.flatMap { ($0["notifications"] as? [[String: Any]]) ?? [] }
    }
}

/// PagerDuty's Events API v2 as documented (developer.pagerduty.com, "Send an Alert Event"):
/// `202 {"status":"success","message":"Event processed","dedup_key":...}` for a valid event,
/// `400 {"status":"invalid event","message":"Event object is invalid","errors":[...]}` otherwise.
enum PagerDutySchema {
    static let topLevel: Set = ["routing_key", "event_action", "dedup_key", "payload", "images", "links", "client", "client_url"]
    static let payloadKeys: Set = ["summary", "source", "severity", "timestamp", "component", "group", "class", "custom_details"]

    @Sendable static func answer(_ body: String) -> (status: Int, body: String) {
        let errors = problems(body)
        guard errors.isEmpty, let event = jsonObject(body) else {
            let list = errors.map { "\"\($0)\"" }.joined(separator: ",")
            return (400, #"{"status":"invalid event","message":"Event object is invalid","errors":["# + list + "]}")
        }
        let key = event["dedup_key"] as? String ?? UUID().uuidString
        return (202, #"{"status":"success","message":"Event processed","dedup_key":""# + key + #""}"#)
    }

    static func problems(_ body: String) -> [String] {
        guard let e = jsonObject(body) else { return ["not a JSON object"] }
        var out: [String] = []
        if !Set(e.keys).isSubset(of: topLevel) { out.append("unknown keys \(Set(e.keys).subtracting(topLevel).sorted())") }
        guard let key = e["routing_key"] as? String, key.count == 32, key.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            return out + ["routing_key must be a 32-character integration key"]
        }
        let action = e["event_action"] as? String
        guard let action, ["trigger", "acknowledge", "resolve"].contains(action) else { return out + ["event_action is invalid"] }
        if let dedup = e["dedup_key"] {
            if (dedup as? String).map({ $0.isEmpty || $0.count > 255 }) ?? true { out.append("dedup_key must be 1 to 255 characters") }
        } else if action != "trigger" {
            out.append("dedup_key is required for \(action)")
        }
        if action == "trigger" {
            guard let p = e["payload"] as? [String: Any] else { return out + ["payload is required"] }
            if !Set(p.keys).isSubset(of: payloadKeys) { out.append("unknown payload keys") }
            if (p["summary"] as? String).map({ $0.isEmpty || $0.count > 1024 }) ?? true { out.append("payload.summary must be 1 to 1024 characters") }
            if (p["source"] as? String)?.isEmpty ?? true { out.append("payload.source is required") }
            if !["critical", "error", "warning", "info"].contains(p["severity"] as? String ?? "") { out.append("payload.severity is invalid") }
            if let t = p["timestamp"], (t as? String).flatMap(AlertingTests.date) == nil { out.append("payload.timestamp is not ISO 8601") }
            for k in ["component", "group", "class"] where p[k] != nil && !(p[k] is String) { out.append("payload.\(k) must be a string") }
            if let d = p["custom_details"], !(d is [String: Any]) { out.append("payload.custom_details must be an object") }
        }
        if let links = e["links"] {
            guard let list = links as? [[String: Any]], list.allSatisfy({ $0["href"] is String }) else { return out + ["links must have href"] }
        }
        return out
    }
}

/// What the test SMTP servers saved (`scripts/test-servers/test-smtp.py`): one JSON file per message with
/// the envelope, the session (TLS, login) and Python's reading of the message.
struct MailFolder {
    let path: String

    struct Message {
        var json: [String: Any]
        var parsed: [String: Any] { json["parsed"] as? [String: Any] ?? [:] }
        var mailFrom: String? { json["mail_from"] as? String }
        var recipients: [String] { json["rcpt_tos"] as? [String] ?? [] }
        var tls: Bool { json["tls"] as? Bool ?? false }
        var login: String? { json["auth_login"] as? String }
        var raw: String { json["raw"] as? String ?? "" }
        var subject: String { parsed["subject"] as? String ?? "" }
        var contentType: String { parsed["content_type"] as? String ?? "" }
        var defects: [String] { parsed["defects"] as? [String] ?? [] }
        func header(_ name: String) -> String? {
            (parsed["headers"] as? [[String]])?.first { $0.first?.lowercased() == name.lowercased() }?.last
        }
        func part(_ type: String) -> String? {
            (parsed["parts"] as? [[String: Any]])?.first { $0["content_type"] as? String == type }?["text"] as? String
        }
    }

    /// Every message the `flavour` server accepted, oldest first.
    func all(_ flavour: String) -> [Message] {
        let dir = (path as NSString).appendingPathComponent(flavour)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: (dir as NSString).appendingPathComponent(name)),
                let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            else { return nil }
            return Message(json: json)
        }
    }

    /// The first message matching, waiting at most `timeout`.
    func waitFor(_ flavour: String, timeout: Duration = .seconds(15), _ matches: (Message) -> Bool) async -> Message? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let m = all(flavour).first(where: matches) { return m }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension NotifierTests {
    /// An email `template` through a real SMTP server: the subject and the text part have the
    /// values as they are, the HTML part has them HTML-escaped (a service title full of markup
    /// shows as text), while the template's own tags stay HTML.
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func aTemplatedMailIsEscapedOnlyInItsHTMLPart() async throws {
        let plain = try TestEnvironment.require("VITALS_TEST_SMTP")
        let folder = try TestEnvironment.require("VITALS_TEST_SMTP_MAIL")
        let mail = MailFolder(path: folder)
        let target = try TCPTarget()
        try target.open()
        let component = "mailtmpl-\(UInt32.random(in: 0...UInt32.max))"
        let title = #"Ops <b>&</b> "Co""#
        let vitals = try VitalsProcess(
            configBody: """
                service: { name: ops, title: '\(title)' }
                defaults: { interval: 200ms, timeout: 150ms, failure_threshold: 1 }
                components:
                  - { name: \(component), type: tcp, address: "127.0.0.1:\(target.port)" }
                notifiers:
                  - name: mail
                    type: email
                    url: "\(plain)"
                    from: vitals@example.com
                    to: [oncall@example.com]
                    template:
                      title: "{{tag}} {{alert}} for {{service_title}}"
                      body: "<i>{{subject}}</i> is {{status}} at {{service_title}}"
                alerts:
                  - { name: \(component)-down, on: \(component), when: unhealthy, for: 0s, notify: [mail] }

                """)
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        target.close()
        let got = await mail.waitFor("plain") { $0.header("X-Vitals-Subject") == component }
        let m = try #require(got, "no templated mail; log:\n\(vitals.stderr.suffix(2000))")
        #expect(m.subject == "FIRING \(component)-down for \(title)", "\(m.subject)")
        #expect(m.defects.isEmpty, "\(m.defects)")
        #expect(m.part("text/plain")?.trimmingCharacters(in: .newlines) == "<i>\(component)</i> is unhealthy at \(title)")
        let html = try #require(m.part("text/html"))
        #expect(html.contains("<i>\(component)</i> is unhealthy at Ops &lt;b&gt;&amp;&lt;/b&gt; &quot;Co&quot;"), "\(html)")
    }
}

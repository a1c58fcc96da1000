import Foundation
import Testing
import VitalsTestSupport

/// Parts of the contract that only a running daemon can show: who may read which endpoint
/// (spec section 9), every metric family of spec section 6 on a live scrape, and no secret in
/// the log or on any endpoint.
@Suite(.serialized)
struct ContractTests {
    static let plugins = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VitalsProbesTests/Fixtures/plugins").path

    /// With `detailed_token_file` set, every path of spec section 9 that needs the token answers
    /// 401 without it or with a wrong one, and the probe endpoints answer without it and never
    /// show a probe message.
    @Test func theTokenGuardsEveryEndpointOfSection9AndNoProbeEndpoint() async throws {
        let target = try TCPTarget()
        try target.open()
        let closed = try FreePort.pick()
        let receiver = try WebhookReceiver()
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-token-\(UUID().uuidString)")
        try "s3cret-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let body = """
            defaults: { interval: 200ms, timeout: 150ms, failure_threshold: 1 }
            components:
              - { name: target, type: tcp, groups: [core], address: "127.0.0.1:\(target.port)" }
              - { name: optional, type: tcp, critical: false, groups: [core], address: "127.0.0.1:\(closed)" }
            notifiers:
              - { name: hook, type: webhook, url: "http://127.0.0.1:\(receiver.port)/hook" }
            alerts:
              - { name: optional-down, on: optional, when: unhealthy, for: 0s, notify: [hook] }

            """
        let vitals = try VitalsProcess(configBody: body, extraServer: "  detailed_token_file: \"\(tokenFile.path)\"\n")
        defer { vitals.stop() }
        try await vitals.waitFor("/health/ready") { s, _ in s == 200 }
        try await vitals.waitFor("/health") { _, b in b.contains("\"unhealthy\":1") }

        let guarded = [
            "/health/detailed", "/metrics", "/alerts", "/", "/api/v1/components", "/api/v1/components/target/history",
            "/components/target", "/badge/target/status.svg",
        ]
        for path in guarded {
            let bare = try await vitals.get(path)
            #expect(bare.status == 401, "\(path) without the token")
            #expect(!bare.body.contains("target") && !bare.body.contains("refused"), "\(path) leaks to a client without the token")
            #expect(try await vitals.get(path, headers: ["Authorization": "Bearer wrong"]).status == 401, "\(path) with a wrong token")
            #expect(try await vitals.get(path, headers: ["Authorization": "s3cret-token"]).status == 401, "\(path) without the Bearer scheme")
            let ok = try await vitals.get(path, headers: ["Authorization": "Bearer s3cret-token"])
            #expect(ok.status != 401, "\(path) with the token")
            #expect(!ok.body.contains("s3cret-token"))
        }
        for path in ["/health/detailed", "/metrics", "/alerts"] {
            #expect(try await vitals.get(path, headers: ["Authorization": "Bearer s3cret-token"]).status == 200, "\(path)")
        }
        let open = [
            "/health/live", "/livez", "/health/ready", "/readyz", "/health/startup", "/health", "/health/group/core",
            "/health/ready?verbose", "/health/live?verbose", "/health/group/core?verbose",
        ]
        for path in open {
            let answer = try await vitals.get(path)
            #expect(answer.status != 401, "\(path) must never need the token")
            #expect(!answer.body.contains("refused") && !answer.body.contains("127.0.0.1"), "\(path) reveals a probe message: \(answer.body)")
        }
        // Like readiness over its members: the unhealthy non-critical member does not fail it.
        #expect(try await vitals.get("/health/group/core").status == 200)
        #expect(try await vitals.get("/health/ready").status == 200)
    }

    /// One scrape of a daemon running an HTTPS, a disk, a memory, an exec (with perfdata) and a
    /// failing TCP probe, with an alert delivered: every family of spec section 6 is there with
    /// its labels, the text passes `promtool check metrics`, and it answers 200 while the service
    /// is unhealthy. (`vitals_storage_*` come with the storage issue.)
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func everyMetricFamilyOfSection6IsOnALiveScrape() async throws {
        let https = try TestEnvironment.require("VITALS_TEST_HTTPS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        let closed = try FreePort.pick()
        let receiver = try WebhookReceiver()
        let body = """
            defaults: { interval: 500ms, timeout: 400ms, failure_threshold: 1 }
            components:
              - { name: web, type: http, url: "\(https)/health", tls: { ca_file: "\(ca)" } }
              - { name: root-disk, type: disk, path: / }
              - { name: memory, type: memory }
              - { name: queue, type: exec, command: ["\(Self.plugins)/perf"] }
              - { name: db, type: tcp, address: "127.0.0.1:\(closed)" }
            notifiers:
              - { name: hook, type: webhook, url: "http://127.0.0.1:\(receiver.port)/hook" }
            alerts:
              - { name: db-down, on: db, when: unhealthy, for: 0s, notify: [hook] }

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        #expect(await receiver.waitFor { $0.contains { $0.contains("\"status\":\"firing\"") } })
        let scrape = try await vitals.waitFor("/metrics") { _, b in
            b.contains(#"vitals_alerts_sent_total{notifier="hook",result="success"}"#)
                && ["web", "root-disk", "memory", "queue", "db"].allSatisfy { b.contains("vitals_probe_success{component=\"\($0)\"") }
        }
        #expect(scrape.status == 200, "a scrape never answers 503, even with the service unhealthy")
        try Promtool.checkMetrics(scrape.body)
        let samples = MetricSamples(scrape.body)

        func has(_ name: String, _ labels: [String: String] = [:]) {
            let found = samples.contains(name, labels)
            #expect(found, "\(name)\(labels) is missing from the scrape")
        }
        for c in [("web", "http"), ("root-disk", "disk"), ("memory", "memory"), ("queue", "exec"), ("db", "tcp")] {
            let l = ["component": c.0, "type": c.1]
            has("vitals_probe_success", l)
            has("vitals_probe_duration_seconds_bucket", l.merging(["le": "+Inf"]) { a, _ in a })
            has("vitals_probe_duration_seconds_sum", l)
            has("vitals_probe_duration_seconds_count", l)
            for status in ["healthy", "degraded", "unhealthy", "unknown"] {
                has("vitals_component_status", l.merging(["status": status]) { a, _ in a })
            }
            has("vitals_component_consecutive_failures", l)
        }
        // The state set: exactly one status is 1 per component.
        for name in ["web", "db"] {
            let ones = samples.all("vitals_component_status").filter { $0.labels["component"] == name && $0.value == 1 }
            #expect(ones.count == 1)
        }
        #expect(samples.value("vitals_component_status", ["component": "db", "status": "unhealthy"]) == 1)
        #expect(samples.value("vitals_probe_success", ["component": "db", "type": "tcp"]) == 0)
        #expect((samples.value("vitals_component_consecutive_failures", ["component": "db", "type": "tcp"]) ?? 0) >= 1)
        has("vitals_probes_total", ["component": "web", "type": "http", "result": "success"])
        has("vitals_probes_total", ["component": "db", "type": "tcp", "result": "failure"])
        for phase in ["dns", "connect", "tls", "ttfb", "transfer"] {
            has("vitals_probe_phase_duration_seconds", ["component": "web", "type": "http", "phase": phase])
        }
        #expect((samples.value("vitals_probe_phase_duration_seconds", ["component": "web", "phase": "tls"]) ?? 0) > 0)
        #expect(samples.value("vitals_http_status_code", ["component": "web", "type": "http"]) == 200)
        let expiry = try #require(samples.value("vitals_tls_cert_expiry_timestamp_seconds", ["component": "web", "type": "http"]))
        #expect(expiry > Date().timeIntervalSince1970 && expiry < Date().timeIntervalSince1970 + 31 * 86400, "the test certificate ends in 30 days")
        let used = try #require(samples.value("vitals_disk_used_ratio", ["component": "root-disk", "type": "disk"]))
        #expect(used > 0 && used < 1)
        let available = try #require(samples.value("vitals_memory_available_ratio", ["component": "memory", "type": "memory"]))
        #expect(available > 0 && available < 1)
        has("vitals_component_last_success_timestamp_seconds", ["component": "web", "type": "http"])
        // Every numeric observation, exec perfdata included.
        #expect(samples.value("vitals_probe_observation", ["component": "queue", "type": "exec", "name": "queue depth"]) == 42)
        has("vitals_probe_observation", ["component": "web", "type": "http", "name": "status_code"])
        for s in ["healthy", "degraded", "unhealthy", "unknown"] { has("vitals_service_status", ["status": s]) }
        #expect(samples.value("vitals_service_status", ["status": "unhealthy"]) == 1)
        has("vitals_scheduler_lag_seconds_bucket", ["le": "+Inf"])
        has("vitals_scheduler_lag_seconds_count")
        has("vitals_alerts_sent_total", ["notifier": "hook", "result": "success"])
        #expect(samples.value("vitals_config_last_reload_successful") == 1)
        #expect(samples.all("vitals_build_info").first?.labels["version"]?.isEmpty == false)
        for p in ["process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds"] {
            #expect((samples.value(p) ?? 0) > 0, "\(p)")
        }
    }

    /// Secrets of every kind, a long and a short (three characters) one each, where a probe or a
    /// notifier could echo them: nginx returns the probe's Authorization in JSON that the probe
    /// quotes, a plugin prints its env, a mail server refuses a password, a routing key rides in
    /// PagerDuty events; none reaches the log, `/health/detailed`, `/metrics`, `/alerts` or an
    /// alert payload (the `log` notifier's lines included).
    @Test(.enabled(if: TestEnvironment.serversAvailable, TestEnvironment.skipReason))
    func noSecretReachesTheLogOrAnyEndpoint() async throws {
        let http = try TestEnvironment.require("VITALS_TEST_HTTP")
        let smtp = try TestEnvironment.require("VITALS_TEST_SMTP_STARTTLS")
        let ca = try TestEnvironment.require("VITALS_TEST_CA_FILE")
        // The real MariaDB, which refuses the wrong password (and its message names the user).
        let mysqlAt = try TestEnvironment.require("VITALS_TEST_MYSQL_DSN").replacingOccurrences(of: "mysql://vitals@", with: "")
        let closed = try FreePort.pick()
        let receiver = try WebhookReceiver()
        struct Kind {
            var long: String
            var short: String
        }
        let dsn = Kind(long: "pg-Password-81x", short: "p3q")
        let redis = Kind(long: "redis-Password-27q", short: "r5t")
        let mysql = Kind(long: "mysql-Password-64d", short: "y7k")
        let mysqlDSN = Kind(long: "mysql-DSN-Password-12e", short: "z3f")
        let userinfo = Kind(long: "url-Userinfo-55k", short: "u8w")
        let header = Kind(long: "header-Value-19z", short: "h2j")
        let env = Kind(long: "plugin-Env-73m", short: "e6v")
        let hookHeader = Kind(long: "webhook-Header-44p", short: "w4n")
        let hookQuery = Kind(long: "webhook-Query-62r", short: "q9d")
        // Refused by the mail server (535): the error must not quote the password.
        let smtpPassword = Kind(long: "smtp-Password-38v", short: "s7x")
        let routingKey = Kind(long: "pd-RoutingKey-57c", short: "k2b")
        // Chat webhooks carry their token in the URL's path.
        let discordToken = Kind(long: "discord-Token-83h", short: "d3g")
        let teamsSig = Kind(long: "teams-Sig-61f", short: "t5m")
        let botToken = Kind(long: "123:telegram-Bot-47s", short: "b8k")
        let ntfyToken = Kind(long: "tk_ntfy-Token-92w", short: "n4c")
        let hookKey = Kind(long: "mattermost-Key-15y", short: "m6z")
        let chatKey = Kind(long: "gchat-Token-73u", short: "g2x")
        // A push token is at least 16 characters (a shorter one is refused at load): no short kind.
        let pushToken = "push-Token-31b7e0c2a9"
        let probeKinds = [dsn, redis, mysql, mysqlDSN, userinfo, header, env]
        var components = ""
        for (i, k) in [("long", \Kind.long), ("short", \Kind.short)].enumerated() {
            let (tag, secret) = k
            components += """
                  - { name: db-\(tag), type: postgres, dsn: "postgres://vitals:\(dsn[keyPath: secret])@127.0.0.1:\(closed)/vitals?sslmode=disable" }
                  - { name: cache-\(tag), type: redis, address: "127.0.0.1:\(closed)", password: "\(redis[keyPath: secret])" }
                  - { name: legacy-\(tag), type: mysql, dsn: "mysql://vitals@\(mysqlAt)", password: "\(mysql[keyPath: secret])" }
                  - { name: legacy-dsn-\(tag), type: mysql, dsn: "mysql://vitals:\(mysqlDSN[keyPath: secret])@\(mysqlAt)" }
                  - name: api-\(tag)
                    type: http
                    url: "\(http.replacingOccurrences(of: "://", with: "://vitals:\(userinfo[keyPath: secret])@"))/echo-auth"
                    headers: { Authorization: "Bearer \(header[keyPath: secret])" }
                    expect: { json: { path: "$.auth", equals: "nope" } }
                  - name: plugin-\(tag)
                    type: exec
                    command: ["/bin/sh", "-c", "echo CRITICAL: token is $API_TOKEN; exit 2"]
                    env: { API_TOKEN: "\(env[keyPath: secret])" }

                """
            _ = i
        }
        components += "  - { name: pushed, type: push, interval: 1h, token: \"\(pushToken)\" }\n"
        let body = """
            defaults: { interval: 200ms, timeout: 150ms, failure_threshold: 1 }
            components:
            \(components)notifiers:
              - name: hook
                type: webhook
                url: "http://127.0.0.1:\(receiver.port)/hook?key=\(hookQuery.long)&k=\(hookQuery.short)"
                headers: { X-Token: "\(hookHeader.long)", X-Short: "\(hookHeader.short)" }
              - { name: mail-long, type: email, url: "\(smtp)", from: v@example.com, to: [o@example.com], username: vitals, password: "\(smtpPassword.long)", tls: { ca_file: "\(ca)" } }
              - { name: mail-short, type: email, url: "\(smtp)", from: v@example.com, to: [o@example.com], username: vitals, password: "\(smtpPassword.short)", tls: { ca_file: "\(ca)" } }
              - { name: pd-long, type: pagerduty, url: "http://127.0.0.1:\(receiver.port)/v2/enqueue", routing_key: "\(routingKey.long)" }
              - { name: pd-short, type: pagerduty, url: "http://127.0.0.1:\(receiver.port)/v2/enqueue", routing_key: "\(routingKey.short)" }
              - { name: audit, type: log }
              - { name: discord-long, type: discord, url: "http://127.0.0.1:\(receiver.port)/api/webhooks/1/\(discordToken.long)" }
              - { name: discord-short, type: discord, url: "http://127.0.0.1:\(receiver.port)/api/webhooks/2/\(discordToken.short)" }
              - { name: teams-long, type: teams, url: "http://127.0.0.1:\(receiver.port)/workflows/1/invoke?api-version=1&sig=\(teamsSig.long)" }
              - { name: teams-short, type: teams, url: "http://127.0.0.1:\(receiver.port)/workflows/2/invoke?sig=\(teamsSig.short)" }
              - { name: tg-long, type: telegram, url: "http://127.0.0.1:\(receiver.port)", bot_token: "\(botToken.long)", chat_id: 42 }
              - { name: ntfy-long, type: ntfy, url: "http://127.0.0.1:\(receiver.port)/ops", token: "\(ntfyToken.long)" }
              - { name: ntfy-short, type: ntfy, url: "http://127.0.0.1:\(receiver.port)/ops", token: "\(ntfyToken.short)" }
              - { name: mm-long, type: mattermost, url: "http://127.0.0.1:\(receiver.port)/hooks/\(hookKey.long)" }
              - { name: mm-short, type: mattermost, url: "http://127.0.0.1:\(receiver.port)/hooks/\(hookKey.short)" }
              - { name: gchat-long, type: google_chat, url: "http://127.0.0.1:\(receiver.port)/v1/spaces/A/messages?key=k&token=\(chatKey.long)" }
              - { name: gchat-short, type: google_chat, url: "http://127.0.0.1:\(receiver.port)/v1/spaces/A/messages?token=\(chatKey.short)" }
              - { name: tg-short, type: telegram, url: "http://127.0.0.1:\(receiver.port)", bot_token: "\(botToken.short)", chat_id: "@ops" }
            alerts:
              - { name: any-down, on: any-component, when: unhealthy, for: 0s, notify: [hook, mail-long, mail-short, pd-long, pd-short, audit, discord-long, discord-short, teams-long, teams-short, tg-long, tg-short, ntfy-long, ntfy-short, mm-long, mm-short, gchat-long, gchat-short] }

            """
        let vitals = try VitalsProcess(configBody: body)
        defer { vitals.stop() }
        let names = ["db", "cache", "legacy", "legacy-dsn", "api", "plugin"].flatMap { ["\($0)-long", "\($0)-short"] }
        let detailed = try await vitals.waitFor("/health/detailed") { _, b in
            b.components(separatedBy: "\"status\":\"unhealthy\"").count > names.count && b.contains("CRITICAL: token is")
                && b.contains(#"json $.auth is \"<redacted>\""#)
        }
        #expect(await receiver.waitFor { bodies in names.allSatisfy { n in bodies.contains { $0.contains("\"\(n)\"") } } })
        _ = try await vitals.waitFor("/alerts") { _, b in b.contains(#""notifier":"mail-long""#) && b.contains(#""notifier":"mail-short""#) }
        // A push with its token in the query string (which must not reach a log line), and a wrong one.
        #expect(try await vitals.get("/api/v1/push/pushed?token=\(pushToken)&msg=from%20cron").status == 200)
        #expect(try await vitals.get("/api/v1/push/pushed?token=\(pushToken.dropLast())x").status == 401)
        _ = try await vitals.waitFor("/health/detailed") { _, b in b.contains("from cron") }
        let views = [
            try await vitals.get("/health/detailed").body, try await vitals.get("/api/v1/components").body,
            try await vitals.get("/api/v1/components/pushed/history").body,
            detailed.body, try await vitals.get("/metrics").body, try await vitals.get("/alerts").body,
            try await vitals.get("/health/detailed", headers: ["Accept": "application/health+json"]).body,
        ]
        vitals.signal(SIGTERM)
        #expect(await vitals.waitForExit(timeout: .seconds(20)) == 0)
        let log = vitals.stderrAfterExit
        #expect(log.contains("component=plugin-short"), "the log shows the plugins' status changes")
        #expect(log.contains(#"msg="alert notification""#), "the log notifier wrote its lines")
        for kind in probeKinds + [hookHeader, hookQuery, smtpPassword, routingKey, discordToken, teamsSig, botToken, ntfyToken, hookKey, chatKey] {
            for secret in [kind.long, kind.short] {
                #expect(!leaks(log, secret), "\(secret) is in the log")
                for view in views { #expect(!leaks(view, secret), "\(secret) is in an endpoint: \(view.prefix(300))") }
            }
        }
        #expect(!leaks(log, pushToken), "the push token is in the log")
        for view in views { #expect(!leaks(view, pushToken), "the push token is in an endpoint: \(view.prefix(300))") }
        // The receiver is the notifier's destination: it sees its own header, never a probe's secret.
        for kind in probeKinds {
            for secret in [kind.long, kind.short] { #expect(!leaks(receiver.bodies.joined(), secret), "\(secret) reached the webhook") }
        }
    }

    /// Validation errors about secret-carrying keys name the key, never its value.
    @Test func validationErrorsCarryNoSecret() async throws {
        let secrets = ["long-Secret-91", "q7z", "pg-Secret-33", "k9w", "hook-Secret-55", "discord-Secret-29", "bot/Secret-17", "pushover-Secret-4", "po-User-Secret-6", "genie Secret-8"]
        let urls = """
            components:
              - { name: a, type: http, url: "ftp://u:\(secrets[0])@h/" }
              - { name: b, type: http, url: "ftp://u:\(secrets[1])@h/" }
            notifiers:
              - { name: n, type: webhook, url: "gopher://x:\(secrets[4])@h/" }
              - { name: d, type: discord, url: "discord.com/api/webhooks/1/\(secrets[5])" }
              - { name: t, type: telegram, bot_token: "\(secrets[6])", chat_id: 1 }
              - { name: p, type: pushover, token: "\(secrets[7])", user: "\(secrets[8])" }
              - { name: o, type: opsgenie, api_key: "\(secrets[9])", priority: P9 }

            """
        // DSNs are checked by building the probes, once the config itself is valid.
        let dsns = """
            components:
              - { name: c, type: postgres, dsn: "postgres://u:\(secrets[2])@h/db?bogus=1" }
              - { name: d, type: postgres, dsn: "host=h password=\(secrets[3]) dbname='x" }

            """
        for (body, problems) in [(urls, 9), (dsns, 2)] {
            let vitals = try VitalsProcess(configBody: body, arguments: ["validate"])
            #expect(await vitals.waitForExit(timeout: .seconds(10)) == 1)
            let err = vitals.stderrAfterExit
            #expect(err.contains("\(problems) problems found"), "\(err)")
            for secret in secrets { #expect(!leaks(err, secret), "\(secret) is in: \(err)") }
        }
    }
}

/// Whether `secret` shows in `text`: anywhere for a long one, standing alone for one under four
/// characters (the redaction rule, written out here so that the test does not use the code it tests).
func leaks(_ text: String, _ secret: String) -> Bool {
    if secret.count >= 4 { return text.contains(secret) }
    let pattern = "(?<![A-Za-z0-9])" + NSRegularExpression.escapedPattern(for: secret) + "(?![A-Za-z0-9])"
    return text.range(of: pattern, options: .regularExpression) != nil
}

/// The samples of a Prometheus text exposition, by name and labels.
struct MetricSamples {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }
    let samples: [Sample]

    init(_ text: String) {
        var out: [Sample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let value = Double(line[line.index(after: space)...]) ?? .nan
            var labels: [String: String] = [:]
            var name = Substring(series)
            if let brace = series.firstIndex(of: "{") {
                name = series[..<brace]
                var rest = series[series.index(after: brace)...].dropLast()
                while let eq = rest.firstIndex(of: "=") {
                    let key = rest[..<eq].trimmingCharacters(in: CharacterSet(charactersIn: ", "))
                    var i = rest.index(eq, offsetBy: 2)
                    var v = ""
                    while i < rest.endIndex, rest[i] != "\"" {
                        if rest[i] == "\\" { i = rest.index(after: i) }
                        v.append(rest[i])
                        i = rest.index(after: i)
                    }
                    labels[key] = v
                    rest = i < rest.endIndex ? rest[rest.index(after: i)...] : ""
                }
            }
            out.append(Sample(name: String(name), labels: labels, value: value))
        }
        samples = out
    }

    func all(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    func matching(_ name: String, _ labels: [String: String]) -> Sample? {
        samples.first { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }
    }

    func contains(_ name: String, _ labels: [String: String] = [:]) -> Bool { matching(name, labels) != nil }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { matching(name, labels)?.value }
}

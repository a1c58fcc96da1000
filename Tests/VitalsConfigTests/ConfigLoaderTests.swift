import Foundation
import Testing
@testable import VitalsConfig

/// A temporary folder with config files in it.
final class ConfigFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

func errors(_ yaml: String, env: [String: String] = [:], file: String = "c.yaml") -> [String] {
    do {
        _ = try ConfigLoader.parse(yaml: yaml, file: file, environment: env)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

struct ConfigLoaderTests {
    @Test func fullConfigParsesToTypedValues() throws {
        let dir = try ConfigFolder()
        let secret = try dir.write("secrets/pg", "hunter2\n")
        let token = try dir.write("secrets/token", "t0k3n\n")
        try dir.write("probes/system.yaml", "components:\n  - name: memory\n    type: memory\n")
        let file = try dir.write(
            "config/vitals.yaml",
            """
            server:
              listen: "0.0.0.0:9090"
              detailed_token_file: \(token)
              max_concurrent_probes: 64
            defaults:
              interval: 30s
              timeout: 1500ms
              failure_threshold: 4
              success_threshold: 2
              history: 50
            include: ["../probes/*.yaml"]
            components:
              - name: orders-db
                type: postgres
                groups: [ready]
                dsn: "postgres://app@db:5432/orders?sslmode=prefer"
                password_file: \(secret)
                thresholds:
                  latency: { degraded: 100ms, unhealthy: 1s }
              - name: sessions-cache
                type: redis
                critical: false
                address: "redis:6379"
                password: "${REDIS_PASSWORD}"
                db: 2
                thresholds:
                  used_memory_percent: { degraded: 80, unhealthy: 95 }
              - name: payments-api
                type: http
                url: "https://payments.internal/healthz"
                method: POST
                headers: { Authorization: "Bearer ${TOKEN:-fallback}" }
                body: "{}"
                expect:
                  status: [200, "300-304"]
                  body_contains: ok
                  json: { path: "$.status", equals: UP }
                follow_redirects: false
                max_body: 64KiB
                interval: 1m
                thresholds:
                  cert_expiry: { degraded: 14d, unhealthy: 3d }
              - name: broker-port
                type: tcp
                address: "mq:5672"
                send: "PING\\r\\n\\x00"
                expect: "^AMQP"
                tls: true
              - name: queue-depth
                type: exec
                command: ["plugins/check_queue", "--warn", "100"]
                env: { QUEUE: orders }
                thresholds:
                  depth: { degraded: 100, unhealthy: 1000 }
                  free: { degraded: 20, unhealthy: 5 }
              - name: data-volume
                type: disk
                path: /var/lib/data
            storage: { type: sqlite, path: .vitals/state.db, retention: 7d }
            notifiers:
              - name: ops
                type: webhook
                url: "https://hooks.example/ops"
                timeout: 5s
            alerts:
              - name: service-degraded
                on: service
                when: degraded
                for: 30s
                repeat: 0
                notify: [ops]
            maintenance:
              - components: [orders-db]
                start: "Sun 02:00"
                duration: 2h
                timezone: Europe/Berlin
            """)
        let c = try ConfigLoader.load(file: file, environment: ["REDIS_PASSWORD": "r3dis"])
        #expect(c.server.listen == ListenAddress(host: "0.0.0.0", port: 9090))
        #expect(c.server.detailedToken?.value == "t0k3n")
        #expect(c.server.maxConcurrentProbes == 64)
        #expect(c.components.map(\.name) == ["orders-db", "sessions-cache", "payments-api", "broker-port", "queue-depth", "data-volume", "memory"])
        let db = c.components[0]
        #expect(db.interval == .seconds(30) && db.timeout == .milliseconds(1500))
        #expect(db.failureThreshold == 4 && db.successThreshold == 2 && db.history == 50)
        #expect(db.groups == ["ready"])
        guard case .postgres(let pg) = db.probe else { Issue.record("not postgres"); return }
        #expect(pg.password?.value == "hunter2")
        #expect(pg.query == "SELECT 1")
        #expect(db.thresholds["latency"] == Threshold(degraded: 0.1, unhealthy: 1, unit: .seconds))
        guard case .redis(let redis) = c.components[1].probe else { Issue.record("not redis"); return }
        #expect(redis.password?.value == "r3dis" && redis.db == 2)
        #expect(c.components[1].critical == false)
        guard case .http(let http) = c.components[2].probe else { Issue.record("not http"); return }
        #expect(http.method == "POST" && http.followRedirects == false && http.maxBodyBytes == 65536)
        #expect(http.headers.first?.value.value == "Bearer fallback")
        #expect(http.expect.status == StatusCodeSet([200...200, 300...304]))
        #expect(http.expect.json == JSONExpectation(path: "$.status", equals: "UP"))
        #expect(c.components[2].interval == .seconds(60))
        #expect(c.components[2].thresholds["cert_expiry"] == Threshold(degraded: 14 * 86_400, unhealthy: 3 * 86_400, direction: .lowerIsWorse, unit: .seconds))
        guard case .tcp(let tcp) = c.components[3].probe else { Issue.record("not tcp"); return }
        #expect(tcp.send == Array("PING\r\n\0".utf8))
        #expect(tcp.tls != nil)
        guard case .exec(let exec) = c.components[4].probe else { Issue.record("not exec"); return }
        #expect(exec.workingDirectory == dir.url.appendingPathComponent("config").standardized.path)
        #expect(exec.environment["QUEUE"]?.value == "orders")
        #expect(c.components[4].thresholds["free"]?.direction == .lowerIsWorse)
        #expect(c.components[4].thresholds["depth"]?.direction == .higherIsWorse)
        #expect(c.storage.kind == .sqlite && c.storage.retention == .seconds(7 * 86_400))
        #expect(c.alerts.first?.repeatInterval == .zero && c.alerts.first?.forDuration == .seconds(30))
        #expect(c.alerts.first?.severity == "warning")
        #expect(c.maintenance.first?.weekday == 1 && c.maintenance.first?.hour == 2)
        #expect(c.components.last?.location.file.hasSuffix("probes/system.yaml") == true)
    }

    @Test func defaultsApply() throws {
        let c = try ConfigLoader.parse(yaml: "components:\n  - name: m\n    type: memory\n", file: "c.yaml", environment: [:])
        #expect(c.server.listen == ListenAddress(host: "127.0.0.1", port: 8080))
        let m = c.components[0]
        #expect(m.interval == .seconds(10) && m.timeout == .seconds(2) && m.failureThreshold == 3 && m.successThreshold == 1)
        #expect(m.critical && m.history == 120)
    }

    @Test(arguments: [
        // Unknown keys, with a suggestion.
        ("components:\n  - name: a\n    type: tcp\n    adress: x:1\n", "c.yaml:4:5: components[a].adress: unknown key (did you mean address?)"),
        ("sever:\n  listen: x\n", "c.yaml:1:1: sever: unknown key (did you mean server?)"),
        // Missing required keys name the mapping that lacks them.
        ("components:\n  - name: a\n    type: http\n", "c.yaml:2:5: components[a]: missing required key url"),
        ("components:\n  - type: memory\n", "c.yaml:2:5: components[0]: missing required key name"),
        // Bad names, types and values.
        ("components:\n  - name: Bad\n    type: memory\n", #"c.yaml:2:11: components[0].name: "Bad" is not a valid name: use [a-z0-9][a-z0-9_.-]*"#),
        ("components:\n  - name: a\n    type: ftp\n", #"c.yaml:3:11: components[a].type: unknown type "ftp" (expected one of disk, exec, http, memory, postgres, redis, tcp)"#),
        ("defaults:\n  interval: 10\n", #"c.yaml:2:13: defaults.interval: "10" is not a duration (write 250ms, 2s, 5m, 1h or 7d)"#),
        ("defaults:\n  failure_threshold: three\n", #"c.yaml:2:22: defaults.failure_threshold: expected a whole number, got "three""#),
        ("defaults:\n  timeout: 10s\n", "c.yaml:2:12: defaults.timeout: timeout (10s) must be shorter than interval (10s)"),
        ("components:\n  - name: a\n    type: memory\n    interval: 1s\n    timeout: 2s\n", "c.yaml:5:14: components[a].timeout: timeout (2s) must be shorter than interval (1s)"),
        ("components:\n  - name: a\n    type: memory\n    critical: maybe\n", "c.yaml:4:15: components[a].critical: expected true or false"),
        // Thresholds in the wrong order, or not for this type.
        ("components:\n  - name: a\n    type: tcp\n    address: h:1\n    thresholds:\n      latency: { degraded: 2s, unhealthy: 1s }\n",
         "c.yaml:6:28: components[a].thresholds.latency.degraded: degraded must be below unhealthy (for latency, higher is worse)"),
        ("components:\n  - name: m\n    type: memory\n    thresholds:\n      available_percent: { degraded: 5, unhealthy: 15 }\n",
         "c.yaml:5:38: components[m].thresholds.available_percent.degraded: degraded must be above unhealthy (for available_percent, lower is worse)"),
        ("components:\n  - name: m\n    type: memory\n    thresholds:\n      latncy: { degraded: 1s }\n",
         "c.yaml:5:7: components[m].thresholds.latncy: memory has no measurement latncy (it has available_percent)"),
        ("components:\n  - name: d\n    type: disk\n    path: /\n    thresholds:\n      used_percent: { degraded: 180 }\n",
         #"c.yaml:6:33: components[d].thresholds.used_percent.degraded: expected a percentage from 0 to 100, got "180""#),
        // Regexes, status codes, addresses.
        ("components:\n  - name: a\n    type: tcp\n    address: h:1\n    expect: \"(\"\n", "c.yaml:5:13: components[a].expect: not a valid regular expression: ("),
        ("components:\n  - name: a\n    type: http\n    url: http://x\n    expect: { status: [700] }\n",
         #"c.yaml:5:24: components[a].expect.status[0]: expected a status code or a range like 200-299 (100 to 599), got "700""#),
        ("components:\n  - name: a\n    type: redis\n    address: nope\n", #"c.yaml:4:14: components[a].address: expected host:port or unix:///path, got "nope""#),
        ("components:\n  - name: a\n    type: exec\n    command: \"ls -l\"\n", "c.yaml:4:14: components[a].command: expected a list: the program and its arguments (no shell)"),
        // Environment.
        ("server:\n  listen: \"${NOPE}\"\n", "c.yaml:2:11: server.listen: environment variable NOPE is not set (use ${NOPE:-default} for a default)"),
        // Alerts referring to what does not exist.
        ("alerts:\n  - name: x\n    on: db\n    notify: [ops]\n", #"c.yaml:3:9: alerts[0].on: expected service, any-component or a component name; no component is named "db""#),
        // YAML syntax.
        ("components: [\n", "c.yaml:2:1: YAML syntax error: while parsing a flow node: did not find expected node content"),
    ])
    func badConfigsNameFileLineColumnAndPath(yaml: String, expected: String) {
        let found = errors(yaml)
        #expect(found.contains(expected), "got: \(found)")
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        let found = errors("components:\n  - name: A\n    type: tcp\n  - name: b\n    type: disk\n  - name: c\n    type: memory\n    colour: red\n")
        #expect(found.count == 4, "\(found)")  // bad name + missing address, missing path, unknown key
    }

    @Test func duplicateNamesAcrossIncludes() throws {
        let dir = try ConfigFolder()
        try dir.write("inc.yaml", "components:\n  - name: a\n    type: memory\n")
        let main = try dir.write("main.yaml", "include: [inc.yaml]\ncomponents:\n  - name: a\n    type: memory\n")
        #expect(throws: ConfigErrors.self) { try ConfigLoader.load(file: main, environment: [:]) }
        do {
            _ = try ConfigLoader.load(file: main, environment: [:])
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.errors[0].message.hasPrefix("duplicate component name (first declared at \(main):3:5"))
        }
    }

    @Test func includeThatMatchesNothingAndErrorsInsideIncludes() throws {
        let dir = try ConfigFolder()
        try dir.write("probes/bad.yaml", "components:\n  - name: x\n    type: disk\n")
        let main = try dir.write("main.yaml", "include: [\"probes/*.yaml\", \"none/*.yaml\"]\n")
        do {
            _ = try ConfigLoader.load(file: main, environment: [:])
            Issue.record("expected errors")
        } catch {
            let texts = error.errors.map(\.description)
            #expect(texts.contains("\(main):1:28: include[1]: no file matches none/*.yaml"), "\(texts)")
            #expect(texts.contains { $0.hasSuffix("probes/bad.yaml:2:5: components[x]: missing required key path") }, "\(texts)")
        }
    }

    @Test func secretFilesAndValuesNeverAppearInErrors() throws {
        let dir = try ConfigFolder()
        let secretFile = try dir.write("pw", "sup3rs3cret\n")
        let yaml = """
            components:
              - name: a
                type: postgres
                dsn: "postgres://u:sup3rs3cret@h/db"
                password_file: \(secretFile)
                password: sup3rs3cret
              - name: b
                type: http
                url: "not a url sup3rs3cret"
                headers: { Authorization: { nested: sup3rs3cret } }
            """
        let found = errors(yaml)
        #expect(!found.isEmpty)
        #expect(found.allSatisfy { !$0.contains("sup3rs3cret") }, "\(found)")
        let missing = errors("components:\n  - name: a\n    type: postgres\n    dsn: x\n    password_file: /nonexistent/pw\n")
        #expect(missing == ["c.yaml:5:20: components[a].password_file: cannot read /nonexistent/pw"])
    }

    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("2s", .seconds(2)), ("5m", .seconds(300)), ("1h30m", .seconds(5400)), ("7d", .seconds(604_800)),
        ("0", .zero),
    ])
    func durations(text: String, expected: Duration) {
        #expect(Units.duration(text) == expected)
    }

    @Test(arguments: ["10", "2 s", "s", "1x", "", "-1s"])
    func badDurations(text: String) {
        #expect(Units.duration(text) == nil)
    }

    @Test(arguments: [("512MiB", 536_870_912), ("10GB", 10_000_000_000), ("1KiB", 1024), ("300", 300)])
    func sizes(text: String, expected: Int) {
        #expect(Units.size(text) == expected)
    }

    @Test func environmentSubstitution() throws {
        let c = try ConfigLoader.parse(
            yaml: "server:\n  listen: \"${HOST:-127.0.0.1}:${PORT}\"\ncomponents:\n  - name: a\n    type: tcp\n    address: \"h:1\"\n    send: \"$$5\"\n",
            file: "c.yaml", environment: ["PORT": "9999"])
        #expect(c.server.listen == ListenAddress(host: "127.0.0.1", port: 9999))
        guard case .tcp(let t) = c.components[0].probe else { return }
        #expect(t.send == Array("$5".utf8))
    }

    @Test func settingBothAValueAndItsFileIsAnError() throws {
        let dir = try ConfigFolder()
        let f = try dir.write("pw", "x")
        let found = errors("components:\n  - name: a\n    type: redis\n    address: h:1\n    password: y\n    password_file: \(f)\n")
        #expect(found == ["c.yaml:6:5: components[a].password_file: set either password or password_file, not both"])
    }
}

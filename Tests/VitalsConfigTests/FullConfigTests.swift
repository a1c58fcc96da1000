import Foundation
import Testing
@testable import VitalsConfig

/// A config using every key parses to exactly the typed values the rest of Vitals reads.
struct FullConfigTests {
    let dir: ConfigFolder
    let config: Config

    init() throws {
        dir = try ConfigFolder()
        try dir.write("secrets/pg", "hunter2\n")
        try dir.write("secrets/token", "t0k3n\n")
        try dir.write("secrets/hook", "https://hooks.example/T000/B000/XXXX\n")
        try dir.write("tls/ca.pem", "ca")
        try dir.write("tls/client.pem", "cert")
        try dir.write("tls/client.key", "key")
        try dir.write("probes/system.yaml", "components:\n  - name: memory\n    type: memory\n")
        let file = try dir.write(
            "config/vitals.yaml",
            #"""
            server:
              listen: "0.0.0.0:9090"
              detailed_token_file: ../secrets/token
              max_concurrent_probes: 64
              external_url: https://vitals.example
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
                groups: [ready, db]
                dsn: "postgres://app@db:5432/orders?sslmode=prefer"
                password_file: ../secrets/pg
                query: "SELECT 2"
                expect: { role: replica }
                thresholds:
                  latency: { degraded: 100ms, unhealthy: 1s }
                  replication_lag: { degraded: 5s, unhealthy: 1m }
                  connections_percent: { degraded: 80, unhealthy: 95 }
              - name: sessions-cache
                type: redis
                critical: false
                address: "unix:///run/redis.sock"
                username: app
                password: "${REDIS_PASSWORD}"
                db: 2
                thresholds:
                  used_memory_percent: { degraded: 80, unhealthy: 95 }
                  connected_clients: { degraded: 500 }
              - name: payments-api
                type: http
                url: "https://payments.internal/healthz"
                method: POST
                headers: { Authorization: "Bearer ${TOKEN:-fallback}", X-Trace: "1" }
                body: "{}"
                expect:
                  status: [200, "300-304"]
                  body_contains: ok
                  body_regex: "^o+k$"
                  json: { path: "$.items[0].status", equals: UP }
                follow_redirects: false
                tls: { ca_file: ../tls/ca.pem, insecure_skip_verify: true, client_cert_file: ../tls/client.pem, client_key_file: ../tls/client.key, server_name: payments }
                max_body: 64KiB
                interval: 1m
                timeout: 5s
                failure_threshold: 1
                success_threshold: 3
                history: 10
                thresholds:
                  latency: { degraded: 300ms, unhealthy: 2s }
                  cert_expiry: { degraded: 14d, unhealthy: 3d }
              - name: broker-port
                type: tcp
                address: "mq:5672"
                send: 'PING\r\n\x00\t\\'
                expect: "^AMQP"
                tls: true
              - name: broker-tls
                type: tcp
                address: "[::1]:5671"
                tls: { server_name: mq.internal }
              - name: queue-depth
                type: exec
                command: ["plugins/check_queue", "--warn", "100"]
                env: { QUEUE: orders, API_KEY: "${QUEUE_KEY:-k}" }
                thresholds:
                  latency: { degraded: 1s }
                  depth: { degraded: 100, unhealthy: 1000 }
                  free: { degraded: 20, unhealthy: 5 }
                  age: { degraded: 5m, unhealthy: 1h }
              - name: data-volume
                type: disk
                path: /var/lib/data
                thresholds:
                  used_percent: { degraded: 80, unhealthy: 95 }
                  inodes_used_percent: { unhealthy: 99.5 }
            storage: { type: sqlite, path: .vitals/state.db, retention: 14d }
            notifiers:
              - name: ops
                type: webhook
                url: "https://hooks.example/ops"
                timeout: 3s
                headers: { Authorization: "Bearer abc" }
              - name: chat
                type: slack
                url_file: ../secrets/hook
              - name: am
                type: alertmanager
                url: "http://alertmanager:9093"
            alerts:
              - name: service-degraded
                on: service
                when: degraded
                for: 30s
                repeat: 0
                notify: [ops, chat]
              - name: db-down
                on: orders-db
                when: unhealthy
                notify: [am]
                severity: page
              - name: anything
                on: any-component
                notify: [ops]
            maintenance:
              - components: [orders-db]
                start: "Sun 02:00"
                duration: 2h
                timezone: Europe/Berlin
              - start: "23:30"
                duration: 45m
            """#)
        config = try ConfigLoader.load(file: file, environment: ["REDIS_PASSWORD": "r3dis"])
    }

    func component(_ name: String) throws -> ComponentSpec { try #require(config.components.first { $0.name == name }) }

    @Test func serverAndDefaults() {
        #expect(config.server.listen == ListenAddress(host: "0.0.0.0", port: 9090))
        #expect(config.server.detailedToken?.value == "t0k3n")
        #expect(config.server.maxConcurrentProbes == 64)
        #expect(config.server.externalURL == "https://vitals.example")
        #expect(config.defaults.interval == .seconds(30) && config.defaults.timeout == .milliseconds(1500))
        #expect(config.defaults.failureThreshold == 4 && config.defaults.successThreshold == 2 && config.defaults.history == 50)
    }

    @Test func componentsInOrderWithIncludesLast() {
        #expect(
            config.components.map(\.name) == [
                "orders-db", "sessions-cache", "payments-api", "broker-port", "broker-tls", "queue-depth", "data-volume", "memory",
            ])
        #expect(config.components.last?.location.file.hasSuffix("probes/system.yaml") == true)
        #expect(config.components.last?.interval == .seconds(30))
    }

    @Test func postgres() throws {
        let db = try component("orders-db")
        #expect(db.interval == .seconds(30) && db.timeout == .milliseconds(1500))
        #expect(db.failureThreshold == 4 && db.successThreshold == 2 && db.history == 50)
        #expect(db.groups == ["ready", "db"] && db.critical)
        #expect(db.location.line == 14 && db.location.column == 5)
        guard case .postgres(let pg) = db.probe else { Issue.record("not postgres"); return }
        #expect(pg.dsn.value == "postgres://app@db:5432/orders?sslmode=prefer")
        #expect(pg.password?.value == "hunter2")
        #expect(pg.query == "SELECT 2" && pg.expectRole == .replica)
        #expect(db.thresholds["latency"] == Threshold(degraded: 0.1, unhealthy: 1, unit: .seconds))
        #expect(db.thresholds["replication_lag"] == Threshold(degraded: 5, unhealthy: 60, unit: .seconds))
        #expect(db.thresholds["connections_percent"] == Threshold(degraded: 80, unhealthy: 95, unit: .percent))
    }

    @Test func redis() throws {
        let c = try component("sessions-cache")
        #expect(!c.critical)
        guard case .redis(let r) = c.probe else { Issue.record("not redis"); return }
        #expect(r.address == "unix:///run/redis.sock" && r.username == "app" && r.password?.value == "r3dis" && r.db == 2)
        #expect(c.thresholds["used_memory_percent"] == Threshold(degraded: 80, unhealthy: 95, unit: .percent))
        #expect(c.thresholds["connected_clients"] == Threshold(degraded: 500, unit: .count))
    }

    @Test func http() throws {
        let c = try component("payments-api")
        #expect(c.interval == .seconds(60) && c.timeout == .seconds(5))
        #expect(c.failureThreshold == 1 && c.successThreshold == 3 && c.history == 10)
        guard case .http(let h) = c.probe else { Issue.record("not http"); return }
        #expect(h.url == "https://payments.internal/healthz" && h.method == "POST" && h.body == "{}")
        #expect(h.headers.map(\.name) == ["Authorization", "X-Trace"])
        #expect(h.headers.map(\.value.value) == ["Bearer fallback", "1"])
        #expect(h.expect.status == StatusCodeSet([200...200, 300...304]))
        #expect(h.expect.bodyContains == "ok" && h.expect.bodyRegex == "^o+k$")
        #expect(h.expect.json == JSONExpectation(path: "$.items[0].status", equals: "UP"))
        #expect(!h.followRedirects && h.maxBodyBytes == 65536)
        let tlsDir = dir.url.appendingPathComponent("tls").path
        #expect(h.tls.caFile.map(ConfigParser.canonical) == tlsDir + "/ca.pem")
        #expect(h.tls.clientCertFile.map(ConfigParser.canonical) == tlsDir + "/client.pem")
        #expect(h.tls.clientKeyFile.map(ConfigParser.canonical) == tlsDir + "/client.key")
        #expect(h.tls.insecureSkipVerify && h.tls.serverName == "payments")
        #expect(c.thresholds["cert_expiry"] == Threshold(degraded: 14 * 86_400, unhealthy: 3 * 86_400, direction: .lowerIsWorse, unit: .seconds))
    }

    @Test func tcp() throws {
        guard case .tcp(let t) = try component("broker-port").probe else { Issue.record("not tcp"); return }
        #expect(t.address == "mq:5672" && t.expect == "^AMQP")
        #expect(t.send == Array("PING\r\n\0\t\\".utf8))
        #expect(t.tls == TLSSettings())
        guard case .tcp(let t2) = try component("broker-tls").probe else { Issue.record("not tcp"); return }
        #expect(t2.tls?.serverName == "mq.internal" && t2.send.isEmpty && t2.expect == nil)
    }

    @Test func exec() throws {
        let c = try component("queue-depth")
        guard case .exec(let e) = c.probe else { Issue.record("not exec"); return }
        #expect(e.command == ["plugins/check_queue", "--warn", "100"])
        #expect(e.workingDirectory == dir.url.appendingPathComponent("config").standardized.path)
        #expect(e.environment.mapValues(\.value) == ["QUEUE": "orders", "API_KEY": "k"])
        #expect(c.thresholds["latency"]?.unit == .seconds)
        #expect(c.thresholds["depth"] == Threshold(degraded: 100, unhealthy: 1000, direction: .higherIsWorse, unit: .count))
        #expect(c.thresholds["free"] == Threshold(degraded: 20, unhealthy: 5, direction: .lowerIsWorse, unit: .count))
        #expect(c.thresholds["age"] == Threshold(degraded: 300, unhealthy: 3600, direction: .higherIsWorse, unit: .seconds))
    }

    @Test func disk() throws {
        let c = try component("data-volume")
        #expect(c.probe == .disk(DiskSettings(path: "/var/lib/data")))
        #expect(c.thresholds["inodes_used_percent"] == Threshold(unhealthy: 99.5, unit: .percent))
    }

    @Test func storageNotifiersAlertsMaintenance() {
        #expect(config.storage.kind == .sqlite && config.storage.retention == .seconds(14 * 86_400))
        // Spec section 3: a relative storage path is taken from the working directory (so
        // `make run` and a bare `vitals run` both keep `.vitals/` where they were started).
        #expect(config.storage.path == ".vitals/state.db")
        #expect(config.notifiers.map(\.name) == ["ops", "chat", "am"])
        #expect(config.notifiers.map(\.kind) == [.webhook, .slack, .alertmanager])
        #expect(config.notifiers[0].timeout == .seconds(3) && config.notifiers[0].headers.mapValues(\.value) == ["Authorization": "Bearer abc"])
        #expect(config.notifiers[1].url.value == "https://hooks.example/T000/B000/XXXX" && config.notifiers[1].timeout == .seconds(5))
        #expect(config.alerts.map(\.name) == ["service-degraded", "db-down", "anything"])
        #expect(config.alerts.map(\.on) == [.service, .component("orders-db"), .anyComponent])
        #expect(config.alerts[0].repeatInterval == .zero && config.alerts[0].forDuration == .seconds(30) && config.alerts[0].severity == "warning")
        #expect(config.alerts[0].notify == ["ops", "chat"])
        #expect(config.alerts[1].when == .unhealthy && config.alerts[1].severity == "page" && config.alerts[1].repeatInterval == .seconds(4 * 3600))
        #expect(config.alerts[2].when == .degraded && config.alerts[2].forDuration == .zero)
        let m = config.maintenance
        #expect(m.count == 2)
        #expect(m[0].components == ["orders-db"] && m[0].weekday == 1 && m[0].hour == 2 && m[0].minute == 0)
        #expect(m[0].duration == .seconds(7200) && m[0].timezone == "Europe/Berlin")
        #expect(m[1].components.isEmpty && m[1].weekday == nil && m[1].hour == 23 && m[1].minute == 30 && m[1].timezone == "UTC")
    }
}

/// What an almost empty config means.
struct DefaultValueTests {
    @Test func aMinimalComponentGetsEveryDefault() throws {
        let c = try parsed("components:\n  - name: m\n    type: memory\n")
        #expect(c.server == ServerConfig())
        #expect(c.server.listen == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(c.storage == StorageConfig() && c.alerts.isEmpty && c.notifiers.isEmpty && c.maintenance.isEmpty)
        let m = c.components[0]
        #expect(m.interval == .seconds(10) && m.timeout == .seconds(2) && m.failureThreshold == 3 && m.successThreshold == 1)
        #expect(m.critical && m.history == 120 && m.groups.isEmpty && m.thresholds.isEmpty)
    }

    @Test func httpDefaults() throws {
        let c = try parsed("components:\n  - name: h\n    type: http\n    url: http://x/\n")
        guard case .http(let h) = c.components[0].probe else { Issue.record("not http"); return }
        #expect(h.method == "GET" && h.followRedirects && h.maxBodyBytes == 1 << 20 && h.expect == HTTPExpectation())
        #expect(h.expect.status == .kubelet && h.tls == TLSSettings() && h.headers.isEmpty)
    }

    @Test(arguments: ["components: []\n", "components:\n", "server: {}\n", "include: []\n", "alerts:\nnotifiers:\n"])
    func noComponentsIsValid(yaml: String) throws {
        #expect(try parsed(yaml).components.isEmpty)
    }

    /// Alert names as an Alertmanager user writes them are accepted and kept as written.
    @Test func prometheusStyleAlertNames() throws {
        let c = try parsed(
            "notifiers: [{ name: ops, type: webhook, url: \"http://h/\" }]\nalerts:\n"
                + "  - { name: OrdersDown, on: service, notify: [ops] }\n  - { name: orders_db_down, on: service, notify: [ops] }\n"
                + "  - { name: orders-db-down, on: service, notify: [ops] }\n")
        #expect(c.alerts.map(\.name) == ["OrdersDown", "orders_db_down", "orders-db-down"])
    }

    @Test func componentsOverrideDefaults() throws {
        let c = try parsed(
            "defaults: { interval: 1m, timeout: 30s, history: 5 }\ncomponents:\n  - { name: a, type: memory }\n  - { name: b, type: memory, timeout: 50s, history: 7 }\n")
        #expect(c.components[0].interval == .seconds(60) && c.components[0].timeout == .seconds(30) && c.components[0].history == 5)
        #expect(c.components[1].timeout == .seconds(50) && c.components[1].history == 7)
    }

    @Test func postgresStorage() throws {
        let c = try parsed("storage: { type: postgres, dsn: \"postgres://v@pg/vitals\", password: pw, retention: 1d }\n")
        #expect(c.storage.kind == .postgres && c.storage.dsn?.value == "postgres://v@pg/vitals" && c.storage.password?.value == "pw")
        #expect(c.storage.retention == .seconds(86_400))
    }

    @Test func yamlMergeKeysShareSettings() throws {
        let c = try parsed(
            """
            components:
              - &fast { name: a, type: memory, interval: 5s, timeout: 1s }
              - { <<: *fast, name: b }
            """)
        #expect(c.components.map(\.name) == ["a", "b"])
        #expect(c.components[1].interval == .seconds(5) && c.components[1].timeout == .seconds(1))
    }
}

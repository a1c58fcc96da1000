import Foundation
import Testing
@testable import VitalsConfig

/// The `mysql` component: a `mysql://` DSN taken apart at load, `ssl_mode`, `tls` files.
struct MySQLConfigTests {
    func settings(_ yaml: String) throws -> MySQLSettings {
        let config = try ConfigLoader.parse(yaml: "components:\n  - name: a\n    type: mysql\n" + yaml, file: "c.yaml", environment: [:])
        guard case .mysql(let m) = config.components[0].probe else {
            Issue.record("not mysql: \(config.components[0].probe)")
            return MySQLSettings(dsn: Secret(""))
        }
        return m
    }

    @Test func defaults() throws {
        let m = try settings("    dsn: \"mysql://monitor@db/app\"\n")
        #expect(m.query == "SELECT 1" && m.sslMode == .disabled && m.tls == nil && m.password == nil)
    }

    @Test(arguments: [
        ("mysql://monitor@db/app", MySQLDSN(user: "monitor", password: nil, host: "db", port: 3306, database: "app")),
        ("mariadb://monitor@db:3307", MySQLDSN(user: "monitor", password: nil, host: "db", port: 3307, database: nil)),
        ("mysql://m%40x:p%3Aw%40d@10.0.0.1:13306/my%20db", MySQLDSN(user: "m@x", password: "p:w@d", host: "10.0.0.1", port: 13306, database: "my db")),
        ("mysql://u@[::1]:3306/", MySQLDSN(user: "u", password: nil, host: "::1", port: 3306, database: nil)),
        ("mysql://u:@h/d", MySQLDSN(user: "u", password: "", host: "h", port: 3306, database: "d")),
    ])
    func dsnsAreTakenApart(dsn: String, expected: MySQLDSN) throws {
        #expect(try MySQLDSN.parse(dsn).get() == expected)
    }

    @Test(arguments: [
        ("    dsn: \"postgres://u@h/d\"\n", "c.yaml:4:10: components[a].dsn: expected mysql://user@host:port/database"),
        ("    dsn: \"mysql://h:3306/d\"\n", "c.yaml:4:10: components[a].dsn: the DSN names no user (mysql://user@host/database)"),
        ("    dsn: \"mysql://u@h:0/d\"\n", "c.yaml:4:10: components[a].dsn: the port must be a number from 1 to 65535"),
        ("    dsn: \"mysql://u@h/d?ssl=true\"\n", "c.yaml:4:10: components[a].dsn: a mysql DSN takes no ?options: TLS is set by ssl_mode and tls"),
        ("    dsn: \"mysql://u@h/d\"\n    ssl_mode: verify_ca\n",
         #"c.yaml:5:15: components[a].ssl_mode: expected one of disabled, preferred, required, verify_identity, got "verify_ca""#),
        ("    dsn: \"mysql://u@h/d\"\n    query: \" \"\n", "c.yaml:5:12: components[a].query: the query is empty"),
        ("    dsn: \"mysql://u@h/d\"\n    thresholds: { replication_lag: { degraded: 5s } }\n",
         "c.yaml:5:19: components[a].thresholds.replication_lag: mysql has no measurement replication_lag (it has connections_percent, latency, replica_lag_seconds, and over a window success_rate, latency_p50, latency_p95, latency_p99)"),
    ])
    func mistakesAreNamedAtTheirKey(yaml: String, expected: String) {
        #expect(errors("components:\n  - name: a\n    type: mysql\n" + yaml) == [expected])
    }

    @Test func lagThresholdIsANumberOfSeconds() throws {
        let config = try ConfigLoader.parse(
            yaml: "components:\n  - name: a\n    type: mysql\n    dsn: \"mysql://u@h/d\"\n    thresholds: { replica_lag_seconds: { degraded: 5, unhealthy: 60 } }\n",
            file: "c.yaml", environment: [:])
        #expect(config.components[0].thresholds["replica_lag_seconds"]?.degraded == 5)
        #expect(config.components[0].thresholds["replica_lag_seconds"]?.unhealthy == 60)
    }
}

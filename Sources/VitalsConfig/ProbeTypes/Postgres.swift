import Foundation
import Yams

/// `postgres`: connect, run a query, read the server's role (the probe is `VitalsProbes/PostgresProbe.swift`).
public struct PostgresSettings: Sendable, Equatable {
    /// The DSN as written (may hold a password: a secret).
    public var dsn: Secret
    public var password: Secret? = nil
    public var query: String = "SELECT 1"
    public enum Role: String, Sendable, Equatable { case primary, replica }
    public var expectRole: Role? = nil
    public init(dsn: Secret) { self.dsn = dsn }
}

extension PostgresSettings: ProbeConfig {
    static let type = ProbeType.postgres
    static let keys = ["dsn", "password", "query", "expect"]
    static let thresholds: Set<String> = ["latency", "replication_lag", "connections_percent"]
    var probeSettings: ProbeSettings { .postgres(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parsePostgres(f) }
}

extension ConfigParser {
    func parsePostgres(_ f: Fields) -> PostgresSettings? {
        guard f.require("dsn") != nil, let dsn = f.secret("dsn") else { return nil }
        // A DSN may carry a password: messages describe it, never quote it.
        if dsn.value.trimmingCharacters(in: .whitespaces).isEmpty {
            f.error("dsn", "the DSN is empty")
        } else if !Syntax.isDSN(dsn.value) {
            f.error("dsn", "expected a postgres:// URI or a key=value connection string")
        }
        var p = PostgresSettings(dsn: dsn)
        p.password = f.secret("password")
        if let q = f.query() { p.query = q }
        if let e = f.value("expect"), let ef = Fields(e, reader: reader, file: f.file, path: f.sub("expect"), allowed: ["role"]),
            let role = ef.string("role")
        {
            if let r = PostgresSettings.Role(rawValue: role) {
                p.expectRole = r
            } else {
                ef.error("role", "expected primary or replica" + ef.got("role", role))
            }
        }
        return p
    }
}

import Foundation
import Yams

/// `mysql`: MySQL or MariaDB through libmariadb (the probe is `VitalsProbes/MySQLProbe.swift`).
public struct MySQLSettings: Sendable, Equatable {
    /// `mysql://user[:password]@host[:port][/database]` as written (may hold a password: a secret).
    public var dsn: Secret
    public var password: Secret? = nil
    public var query: String = "SELECT 1"
    /// Whether and how TLS is used; MySQL's client names (`--ssl-mode`).
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        /// Plain text (the default). mysql_native_password and caching_sha2_password never send
        /// the password itself.
        case disabled
        /// TLS when the server offers it, plain text otherwise, no certificate check.
        case preferred
        /// TLS or fail; the certificate is not checked.
        case required
        /// TLS, with the certificate checked against `tls.ca_file` (or the system's CAs) and the
        /// DSN's host name.
        case verifyIdentity = "verify_identity"
    }
    /// Disabled unless asked for: libmariadb 3.3 (Debian 12) builds a TLS context for every
    /// connection, and without a `tls.ca_file` loads the whole system CA bundle into it, about
    /// 40 ms of CPU per run under a process-wide lock; with a `ca_file` about 5 ms.
    public var sslMode: SSLMode = .disabled
    /// `tls.ca_file`, `tls.client_cert_file` and `tls.client_key_file` (the others do not apply).
    public var tls: TLSSettings? = nil
    public init(dsn: Secret) { self.dsn = dsn }
}

extension MySQLSettings: ProbeConfig {
    static let type = ProbeType.mysql
    static let keys = ["dsn", "password", "query", "ssl_mode", "tls"]
    static let structuredKeys: Set<String> = ["tls"]
    static let thresholds: Set<String> = ["latency", "replica_lag_seconds", "connections_percent"]
    var probeSettings: ProbeSettings { .mysql(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parseMySQL(f) }
}

/// A `mysql://` (or `mariadb://`) DSN taken apart. Pure parsing, so a bad one fails at load;
/// the probe takes it apart again with the same code.
public struct MySQLDSN: Sendable, Equatable {
    public var user: String
    /// The userinfo's password, percent-decoded; `password`/`password_file` win over it.
    public var password: String?
    /// A host name or an IP address (without brackets).
    public var host: String
    public var port: Int
    public var database: String?

    /// What is wrong with it, said without quoting it (it may hold a password).
    public static func parse(_ dsn: String) -> Result<MySQLDSN, DSNError> {
        let t = dsn.trimmingCharacters(in: .whitespaces)
        guard let scheme = t.range(of: "://"), ["mysql", "mariadb"].contains(t[..<scheme.lowerBound].lowercased()) else {
            return .failure(DSNError("expected mysql://user@host:port/database"))
        }
        let rest = t[scheme.upperBound...]
        if rest.contains("?") || rest.contains("#") {
            return .failure(DSNError("a mysql DSN takes no ?options: TLS is set by ssl_mode and tls"))
        }
        let authority = rest.prefix { $0 != "/" }
        var path = rest.dropFirst(authority.count).dropFirst()
        guard let at = authority.lastIndex(of: "@") else {
            return .failure(DSNError("the DSN names no user (mysql://user@host/database)"))
        }
        let userinfo = authority[..<at]
        var hostPort = authority[authority.index(after: at)...]
        var user = Substring(userinfo)
        var password: String?
        if let colon = userinfo.firstIndex(of: ":") {
            user = userinfo[..<colon]
            guard let p = String(userinfo[userinfo.index(after: colon)...]).removingPercentEncoding else {
                return .failure(DSNError("the DSN's password is not valid percent-encoding"))
            }
            password = p
        }
        guard let decodedUser = String(user).removingPercentEncoding, !decodedUser.isEmpty else {
            return .failure(DSNError("the DSN names no user (mysql://user@host/database)"))
        }
        var port = 3306
        var host: Substring
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return .failure(DSNError("an IPv6 host needs its closing ]")) }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            hostPort = hostPort[hostPort.index(after: close)...]
            if !hostPort.isEmpty && !hostPort.hasPrefix(":") { return .failure(DSNError("expected :port after the IPv6 host")) }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            hostPort = hostPort[colon...]
        } else {
            host = hostPort
            hostPort = ""
        }
        if hostPort.hasPrefix(":") {
            guard let p = Int(hostPort.dropFirst()), (1...65535).contains(p) else {
                return .failure(DSNError("the port must be a number from 1 to 65535"))
            }
            port = p
        }
        guard !host.isEmpty, !host.contains("/"), !host.contains(":") || authority.contains("[") else {
            return .failure(DSNError("the DSN names no host (mysql://user@host/database)"))
        }
        if path.hasSuffix("/") { path = path.dropLast() }
        guard let database = String(path).removingPercentEncoding, !database.contains("/") else {
            return .failure(DSNError("the database name is not valid"))
        }
        return .success(
            MySQLDSN(user: decodedUser, password: password, host: String(host), port: port, database: database.isEmpty ? nil : database))
    }

    public struct DSNError: Error, Sendable, Equatable {
        public let text: String
        init(_ text: String) { self.text = text }
    }
}

extension ConfigParser {
    func parseMySQL(_ f: Fields) -> MySQLSettings? {
        guard f.require("dsn") != nil, let dsn = f.secret("dsn") else { return nil }
        // A DSN may carry a password: messages describe it, never quote it.
        if case .failure(let e) = MySQLDSN.parse(dsn.value) { f.error("dsn", e.text) }
        var m = MySQLSettings(dsn: dsn)
        m.password = f.secret("password")
        if let q = f.query() { m.query = q }
        if let mode = f.string("ssl_mode") {
            if let s = MySQLSettings.SSLMode(rawValue: mode) {
                m.sslMode = s
            } else {
                let names = MySQLSettings.SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                f.error("ssl_mode", "expected one of \(names)" + f.got("ssl_mode", mode))
            }
        }
        if let t = f.value("tls") {
            if let tls = parseTLS(t, path: f.sub("tls"), file: f.file) {
                if tls.insecureSkipVerify || tls.serverName != nil {
                    f.error("tls", "mysql's tls takes ca_file, client_cert_file and client_key_file; ssl_mode says whether the certificate is checked")
                }
                m.tls = tls
                if m.sslMode == .disabled { f.error("ssl_mode", "ssl_mode is disabled, but tls files are given") }
            }
        }
        return m
    }
}

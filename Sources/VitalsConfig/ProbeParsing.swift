import Foundation
import Yams

/// postgres, redis, tcp, exec and disk components (http has its own file).
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
        if let q = f.string("query") {
            if q.trimmingCharacters(in: .whitespaces).isEmpty {
                f.error("query", "the query is empty")
            } else {
                p.query = q
            }
        }
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

    func parseRedis(_ f: Fields) -> RedisSettings? {
        guard f.require("address") != nil, let address = f.string("address") else { return nil }
        if address.hasPrefix("unix://") {
            if !address.hasPrefix("unix:///") || address.count <= "unix:///".count {
                f.error("address", "expected unix:///path/to/socket" + f.got("address", address))
            }
        } else if !Syntax.isHostPort(address) {
            f.error("address", "expected host:port or unix:///path" + f.got("address", address))
        }
        var r = RedisSettings(address: address)
        r.username = f.string("username")
        r.password = f.secret("password")
        r.db = f.int("db", min: 0, max: 65535) ?? 0
        return r
    }

    func parseTCP(_ f: Fields) -> TCPSettings? {
        guard f.require("address") != nil, let address = f.string("address") else { return nil }
        if !Syntax.isHostPort(address) {
            f.error("address", "expected host:port" + f.got("address", address))
        }
        var t = TCPSettings(address: address)
        if let s = f.string("send") {
            if let bytes = Escapes.decode(s) {
                t.send = bytes
            } else {
                f.error("send", "bad escape (use \\r \\n \\t \\\\ \\0 or \\xHH)")
            }
        }
        if let e = f.string("expect") {
            if Syntax.isRegex(e) {
                t.expect = e
            } else {
                f.error("expect", "not a valid regular expression: \(e)")
            }
        }
        // `tls: true|false`, or the same mapping as http's (which implies true).
        if let tls = f.value("tls") {
            if tls.mapping != nil || tls.isNull {
                t.tls = parseTLS(tls, path: f.sub("tls"), file: f.file)
            } else if f.bool("tls") == true {
                t.tls = TLSSettings()
            }
        }
        return t
    }

    func parseExec(_ f: Fields) -> ExecSettings? {
        guard let cmdNode = f.require("command") else { return nil }
        guard cmdNode.sequence != nil else {
            f.error("command", "expected a list: the program and its arguments (no shell)")
            return nil
        }
        guard let command = f.stringList("command") else { return nil }
        guard let program = command.first, !program.isEmpty else {
            f.error("command", "the command is empty")
            return nil
        }
        // Relative programs resolve against the folder of the file that declared the component
        // (an included file's own folder), so a probe file and its plugins move together.
        let folder = (Self.canonical(f.file) as NSString).deletingLastPathComponent
        var e = ExecSettings(command: command, workingDirectory: folder)
        if let env = f.secretMap("env", validName: { YAMLReader.isVariableName(Substring($0)) }, nameRule: " for an environment variable") {
            e.environment = Dictionary(env, uniquingKeysWith: { _, b in b })
        }
        return e
    }

    func parseDisk(_ f: Fields) -> DiskSettings? {
        guard f.require("path") != nil, let p = f.string("path") else { return nil }
        if p.isEmpty {
            f.error("path", "the path is empty")
            return nil
        }
        return DiskSettings(path: p)
    }
}

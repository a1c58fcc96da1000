import Foundation
import Yams

extension ConfigParser {
    func parseComponents(_ node: Node, file: String, defaults: ComponentDefaults) -> [(ComponentSpec, Node?)] {
        guard let seq = node.sequence else {
            reader.error(node, in: file, "components", "expected a list of components")
            return []
        }
        return seq.enumerated().compactMap { i, item in parseComponent(item, index: i, file: file, defaults: defaults) }
    }

    static func validName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, isLowerAlnum(first) else { return false }
        return s.unicodeScalars.allSatisfy { isLowerAlnum($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    private static func isLowerAlnum(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("0"..."9").contains(c) }

    func parseComponent(_ node: Node, index: Int, file: String, defaults: ComponentDefaults) -> (ComponentSpec, Node?)? {
        // The name and type decide which keys are allowed, so read them first.
        var path = "components[\(index)]"
        guard let mapping = node.mapping else {
            reader.error(node, in: file, path, "expected a mapping with name and type")
            return nil
        }
        let nameNode = mapping["name"]
        let name = nameNode.flatMap { reader.substitute($0, file: file, path: path + ".name") }
        if let name {
            if Self.validName(name) {
                path = "components[\(name)]"
            } else {
                reader.error(nameNode, in: file, path + ".name", "\"\(name)\" is not a valid name: use [a-z0-9][a-z0-9_.-]*")
            }
        }
        let typeNode = mapping["type"]
        let type = typeNode.flatMap { reader.substitute($0, file: file, path: path + ".type") }
        var allowed = Self.commonKeys
        if let type {
            if let extra = Self.typeKeys[type] {
                allowed += extra
            } else {
                reader.error(typeNode, in: file, path + ".type", "unknown type \"\(type)\" (expected one of \(Self.typeKeys.keys.sorted().joined(separator: ", ")))")
                return nil
            }
        }
        guard let f = Fields(node, reader: reader, file: file, path: path, allowed: allowed, fileKeys: ["password", "dsn"]) else { return nil }
        if name == nil { _ = f.require("name") }
        if type == nil { _ = f.require("type") }
        guard let name, let type else { return nil }

        let location = reader.location(node, file)
        var spec = ComponentSpec(name: name, probe: .memory(MemorySettings()), location: location)
        spec.critical = f.bool("critical") ?? true
        spec.groups = f.stringList("groups") ?? []
        for (i, g) in spec.groups.enumerated() where !Self.validName(g) {
            reader.error(f.value("groups")?.sequence?[i], in: file, f.sub("groups") + "[\(i)]", "\"\(g)\" is not a valid group name: use [a-z0-9][a-z0-9_.-]*")
        }
        spec.interval = f.duration("interval") ?? defaults.interval
        spec.timeout = f.duration("timeout") ?? defaults.timeout
        spec.failureThreshold = f.int("failure_threshold", min: 1) ?? defaults.failureThreshold
        spec.successThreshold = f.int("success_threshold", min: 1) ?? defaults.successThreshold
        spec.history = f.int("history", min: 1, max: 100_000) ?? defaults.history
        if spec.timeout >= spec.interval {
            reader.error(
                f.value("timeout") ?? f.value("interval") ?? node, in: file, f.sub("timeout"),
                "timeout (\(Self.show(spec.timeout))) must be shorter than interval (\(Self.show(spec.interval)))")
        }
        guard let probe = parseProbe(type, f) else { return nil }
        spec.probe = probe
        if let t = f.value("thresholds") { spec.thresholds = parseThresholds(t, type: type, path: f.sub("thresholds"), file: file) }
        return (spec, nameNode)
    }

    // MARK: per type

    private func parseProbe(_ type: String, _ f: Fields) -> ProbeSettings? {
        switch type {
        case "http": return parseHTTP(f).map(ProbeSettings.http)
        case "postgres": return parsePostgres(f).map(ProbeSettings.postgres)
        case "redis": return parseRedis(f).map(ProbeSettings.redis)
        case "tcp": return parseTCP(f).map(ProbeSettings.tcp)
        case "exec": return parseExec(f).map(ProbeSettings.exec)
        case "disk":
            guard f.require("path") != nil, let p = f.string("path") else { return nil }
            return .disk(DiskSettings(path: p))
        default: return .memory(MemorySettings())
        }
    }

    private func parseHTTP(_ f: Fields) -> HTTPSettings? {
        guard f.require("url") != nil, let url = f.string("url") else { return nil }
        if let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", u.host != nil {
        } else {
            // The URL may hold credentials: say what is wrong without quoting it.
            reader.error(f.value("url"), in: f.file, f.sub("url"), "expected an http:// or https:// URL with a host")
        }
        var h = HTTPSettings(url: url)
        if let m = f.string("method") {
            if !m.isEmpty, m.allSatisfy({ $0.isLetter && $0.isUppercase }) {
                h.method = m
            } else {
                reader.error(f.value("method"), in: f.file, f.sub("method"), "expected an HTTP method such as GET, HEAD or POST")
            }
        }
        if let headers = f.secretMap("headers") { h.headers = headers.map { (name: $0.0, value: $0.1) } }
        h.body = f.string("body")
        if let e = f.value("expect") { h.expect = parseHTTPExpect(e, path: f.sub("expect"), file: f.file) }
        if let fr = f.bool("follow_redirects") { h.followRedirects = fr }
        if let t = f.value("tls") { h.tls = parseTLS(t, path: f.sub("tls"), file: f.file) ?? TLSSettings() }
        if let mb = f.size("max_body") { h.maxBodyBytes = mb }
        return h
    }

    private func parseHTTPExpect(_ node: Node, path: String, file: String) -> HTTPExpectation {
        var e = HTTPExpectation()
        guard let f = Fields(node, reader: reader, file: file, path: path, allowed: ["status", "body_contains", "body_regex", "json"]) else { return e }
        if let s = f.value("status") {
            let items = s.sequence.map(Array.init) ?? [s]
            var ranges: [ClosedRange<Int>] = []
            for (i, item) in items.enumerated() {
                let itemPath = s.sequence == nil ? f.sub("status") : f.sub("status") + "[\(i)]"
                guard let text = reader.substitute(item, file: file, path: itemPath) else { continue }
                let parts = text.split(separator: "-", maxSplits: 1).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                if parts.count == 1, let a = parts[0], (100...599).contains(a) {
                    ranges.append(a...a)
                } else if parts.count == 2, let a = parts[0], let b = parts[1], (100...599).contains(a), (100...599).contains(b), a <= b {
                    ranges.append(a...b)
                } else {
                    reader.error(item, in: file, itemPath, "expected a status code or a range like 200-299 (100 to 599), got \"\(text)\"")
                }
            }
            if !ranges.isEmpty { e.status = StatusCodeSet(ranges) }
        }
        e.bodyContains = f.string("body_contains")
        if let re = f.string("body_regex"), checkRegex(re, node: f.value("body_regex"), path: f.sub("body_regex"), file: file) {
            e.bodyRegex = re
        }
        if let j = f.value("json"), let jf = Fields(j, reader: reader, file: file, path: f.sub("json"), allowed: ["path", "equals"]) {
            if jf.require("path") != nil, jf.require("equals") != nil, let p = jf.string("path"), let eq = jf.string("equals") {
                if Self.validJSONPath(p) {
                    e.json = JSONExpectation(path: p, equals: eq)
                } else {
                    reader.error(jf.value("path"), in: file, jf.sub("path"), "expected a path like $.status or $.items[0].name, got \"\(p)\"")
                }
            }
        }
        return e
    }

    /// `$`, then `.key` or `[index]` steps.
    static func validJSONPath(_ p: String) -> Bool {
        guard p.hasPrefix("$") else { return false }
        var rest = p.dropFirst()
        while !rest.isEmpty {
            if rest.hasPrefix(".") {
                let key = rest.dropFirst().prefix { $0 != "." && $0 != "[" }
                guard !key.isEmpty else { return false }
                rest = rest.dropFirst(1 + key.count)
            } else if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                guard Int(rest[rest.index(after: rest.startIndex)..<close]) != nil else { return false }
                rest = rest[rest.index(after: close)...]
            } else {
                return false
            }
        }
        return true
    }

    func checkRegex(_ re: String, node: Node?, path: String, file: String) -> Bool {
        do {
            _ = try NSRegularExpression(pattern: re)
            return true
        } catch {
            reader.error(node, in: file, path, "not a valid regular expression: \(re)")
            return false
        }
    }

    private func parseTLS(_ node: Node, path: String, file: String) -> TLSSettings? {
        guard
            let f = Fields(
                node, reader: reader, file: file, path: path,
                allowed: ["ca_file", "insecure_skip_verify", "client_cert_file", "client_key_file", "server_name"])
        else { return nil }
        var t = TLSSettings()
        func readable(_ key: String) -> String? {
            guard let p = f.string(key) else { return nil }
            let resolved = Fields.resolve(p, relativeTo: file)
            if !FileManager.default.isReadableFile(atPath: resolved) {
                reader.error(f.value(key), in: file, f.sub(key), "cannot read \(resolved)")
            }
            return resolved
        }
        t.caFile = readable("ca_file")
        t.clientCertFile = readable("client_cert_file")
        t.clientKeyFile = readable("client_key_file")
        if (t.clientCertFile == nil) != (t.clientKeyFile == nil) {
            reader.error(node, in: file, path, "client_cert_file and client_key_file go together")
        }
        t.insecureSkipVerify = f.bool("insecure_skip_verify") ?? false
        t.serverName = f.string("server_name")
        return t
    }

    private func parsePostgres(_ f: Fields) -> PostgresSettings? {
        guard f.require("dsn") != nil, let dsn = f.secret("dsn") else { return nil }
        if dsn.value.trimmingCharacters(in: .whitespaces).isEmpty {
            reader.error(f.value("dsn"), in: f.file, f.sub("dsn"), "the DSN is empty")
        }
        var p = PostgresSettings(dsn: dsn)
        p.password = f.secret("password")
        if let q = f.string("query") {
            if q.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.error(f.value("query"), in: f.file, f.sub("query"), "the query is empty")
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
                reader.error(ef.value("role"), in: f.file, ef.sub("role"), "expected primary or replica, got \"\(role)\"")
            }
        }
        return p
    }

    private func parseRedis(_ f: Fields) -> RedisSettings? {
        guard f.require("address") != nil, let address = f.string("address") else { return nil }
        if address.hasPrefix("unix://") {
            if address.count <= "unix://".count { reader.error(f.value("address"), in: f.file, f.sub("address"), "expected unix:///path/to/socket") }
        } else if !Self.validHostPort(address) {
            reader.error(f.value("address"), in: f.file, f.sub("address"), "expected host:port or unix:///path, got \"\(address)\"")
        }
        var r = RedisSettings(address: address)
        r.username = f.string("username")
        r.password = f.secret("password")
        r.db = f.int("db", min: 0, max: 65535) ?? 0
        return r
    }

    static func validHostPort(_ s: String) -> Bool {
        guard let addr = listenAddress(s), addr.port > 0 else { return false }
        return !s.hasPrefix(":")
    }

    private func parseTCP(_ f: Fields) -> TCPSettings? {
        guard f.require("address") != nil, let address = f.string("address") else { return nil }
        if !Self.validHostPort(address) {
            reader.error(f.value("address"), in: f.file, f.sub("address"), "expected host:port, got \"\(address)\"")
        }
        var t = TCPSettings(address: address)
        if let s = f.string("send") {
            if let bytes = Self.unescape(s) {
                t.send = bytes
            } else {
                reader.error(f.value("send"), in: f.file, f.sub("send"), "bad escape (use \\r \\n \\t \\\\ \\0 or \\xHH)")
            }
        }
        if let e = f.string("expect"), checkRegex(e, node: f.value("expect"), path: f.sub("expect"), file: f.file) { t.expect = e }
        if let tls = f.value("tls") {
            if tls.mapping != nil {
                t.tls = parseTLS(tls, path: f.sub("tls"), file: f.file)
            } else if f.bool("tls") == true {
                t.tls = TLSSettings()
            }
        }
        return t
    }

    /// `\r \n \t \\ \0 \xHH` escapes to bytes.
    static func unescape(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                continue
            }
            guard let c = it.popFirst() else { return nil }
            switch c {
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "0"): out.append(0)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "x"):
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                out.append(v)
                it = it.dropFirst(2)
            default: return nil
            }
        }
        return out
    }

    private func parseExec(_ f: Fields) -> ExecSettings? {
        guard let cmdNode = f.require("command") else { return nil }
        guard cmdNode.sequence != nil else {
            reader.error(cmdNode, in: f.file, f.sub("command"), "expected a list: the program and its arguments (no shell)")
            return nil
        }
        guard let command = f.stringList("command"), !command.isEmpty, !command[0].isEmpty else {
            reader.error(cmdNode, in: f.file, f.sub("command"), "the command is empty")
            return nil
        }
        let folder = (URL(fileURLWithPath: f.file).standardized.path as NSString).deletingLastPathComponent
        var e = ExecSettings(command: command, workingDirectory: folder)
        if let env = f.secretMap("env") { e.environment = Dictionary(env, uniquingKeysWith: { _, b in b }) }
        return e
    }

    // MARK: thresholds

    func parseThresholds(_ node: Node, type: String, path: String, file: String) -> Thresholds {
        var out = Thresholds()
        guard let mapping = node.mapping else {
            reader.error(node, in: file, path, "expected a mapping of measurements to levels")
            return out
        }
        let allowed = Threshold.allowed[type] ?? []
        for (k, v) in mapping {
            guard let name = k.string else { continue }
            let p = "\(path).\(name)"
            let known = Threshold.known[name]
            if !allowed.contains(name) && type != "exec" {
                var message = "\(type) has no measurement \(name) (it has \(allowed.sorted().joined(separator: ", ")))"
                if let near = Fields.suggestion(for: name, in: Array(allowed)) { message = "unknown measurement (did you mean \(near)?)" }
                reader.error(k, in: file, p, message)
                continue
            }
            guard let f = Fields(v, reader: reader, file: file, path: p, allowed: ["degraded", "unhealthy"]) else { continue }
            if !f.has("degraded") && !f.has("unhealthy") {
                reader.error(v, in: file, p, "set degraded, unhealthy or both")
                continue
            }
            var unit = known?.unit
            func level(_ key: String) -> Double? {
                guard let text = f.string(key) else { return nil }
                let node = f.value(key)
                let isDuration = Double(text) == nil
                let u: Threshold.Unit = unit ?? (isDuration ? .seconds : .count)
                unit = u
                switch u {
                case .seconds:
                    guard let d = Units.duration(text) else {
                        reader.error(node, in: file, f.sub(key), "\"\(text)\" is not a duration (write 100ms, 2s, 14d)")
                        return nil
                    }
                    return d.seconds
                case .percent:
                    guard let n = Double(text), (0...100).contains(n) else {
                        reader.error(node, in: file, f.sub(key), "expected a percentage from 0 to 100, got \"\(text)\"")
                        return nil
                    }
                    return n
                case .count:
                    guard let n = Double(text), n.isFinite else {
                        reader.error(node, in: file, f.sub(key), "expected a number, got \"\(text)\"")
                        return nil
                    }
                    if known != nil && n < 0 {
                        reader.error(node, in: file, f.sub(key), "must not be negative")
                        return nil
                    }
                    return n
                }
            }
            let degraded = level("degraded")
            let unhealthy = level("unhealthy")
            var direction = known?.direction ?? .higherIsWorse
            if known == nil, let d = degraded, let u = unhealthy, d > u { direction = .lowerIsWorse }
            if let d = degraded, let u = unhealthy {
                let wrong = direction == .higherIsWorse ? d > u : d < u
                if wrong {
                    let expectation = direction == .higherIsWorse ? "below" : "above"
                    reader.error(f.value("degraded"), in: file, f.sub("degraded"), "degraded must be \(expectation) unhealthy (for \(name), \(direction == .higherIsWorse ? "higher" : "lower") is worse)")
                    continue
                }
            }
            guard degraded != nil || unhealthy != nil else { continue }
            out[name] = Threshold(degraded: degraded, unhealthy: unhealthy, direction: direction, unit: unit ?? .count)
        }
        return out
    }
}

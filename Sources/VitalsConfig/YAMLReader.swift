import Foundation
import Yams

/// Reads YAML nodes into typed values while collecting every problem with its file, line,
/// column and key path. Nothing throws midway: a bad value records an error and yields nil,
/// so one pass reports all the problems of a config.
final class YAMLReader {
    private(set) var errors: [ConfigError] = []
    let environment: [String: String]

    init(environment: [String: String]) { self.environment = environment }

    func error(_ node: Node?, in file: String, _ path: String, _ message: String) {
        errors.append(ConfigError(location: location(node, file), path: path, message: message))
    }

    func error(at location: SourceLocation, _ path: String, _ message: String) {
        errors.append(ConfigError(location: location, path: path, message: message))
    }

    func location(_ node: Node?, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1)
    }

    /// Parses a document; a syntax error becomes a located error.
    func compose(_ yaml: String, file: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                error(at: SourceLocation(file: file, line: 1, column: 1), "", "the file is empty")
                return nil
            }
            return node
        } catch let e as YamlError {
            var line = 1
            var column = 1
            var message = "\(e)"
            if case .scanner(let context, let problem, let mark, _) = e {
                line = mark.line
                column = mark.column
                message = [context?.text, problem].compactMap { $0 }.joined(separator: ": ")
            } else if case .parser(let context, let problem, let mark, _) = e {
                line = mark.line
                column = mark.column
                message = [context?.text, problem].compactMap { $0 }.joined(separator: ": ")
            }
            error(at: SourceLocation(file: file, line: line, column: column), "", "YAML syntax error: \(message)")
            return nil
        } catch {
            self.error(at: SourceLocation(file: file, line: 1, column: 1), "", "YAML syntax error: \(error)")
            return nil
        }
    }
}

/// A mapping whose keys are checked against what is allowed there, with `K_file` secrets
/// resolved: each value is handed out once, and what is left over is an unknown key.
struct Fields {
    let reader: YAMLReader
    let file: String
    let path: String
    let node: Node
    private var values: [String: (key: Node, value: Node)] = [:]

    /// `allowed` keys; `fileKeys` those that may also be given as `K_file` (read from a file).
    init?(_ node: Node, reader: YAMLReader, file: String, path: String, allowed: [String], fileKeys: Set<String> = []) {
        self.reader = reader
        self.file = file
        self.path = path
        self.node = node
        guard let mapping = node.mapping else {
            reader.error(node, in: file, path, "expected a mapping of keys")
            return nil
        }
        let allowedSet = Set(allowed)
        for (k, v) in mapping {
            guard let key = k.string else {
                reader.error(k, in: file, path, "keys must be strings")
                continue
            }
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            if allowedSet.contains(key) {
                if values[key] != nil {
                    reader.error(k, in: file, keyPath, "duplicate key")
                    continue
                }
                values[key] = (k, v)
            } else if key.hasSuffix("_file"), fileKeys.contains(String(key.dropLast(5))) {
                let base = String(key.dropLast(5))
                if values[base] != nil || mapping.keys.contains(Node(base)) {
                    reader.error(k, in: file, keyPath, "set either \(base) or \(key), not both")
                    continue
                }
                guard let p = reader.substitute(v, file: file, path: keyPath) else { continue }
                let resolved = Self.resolve(p, relativeTo: file)
                guard let data = FileManager.default.contents(atPath: resolved) else {
                    reader.error(v, in: file, keyPath, "cannot read \(resolved)")
                    continue
                }
                var text = String(decoding: data, as: UTF8.self)
                while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
                // A scalar node carrying the file's content, located at the `_file` key's value.
                var scalar = Node.Scalar(text)
                scalar.mark = v.mark
                scalar.style = .singleQuoted
                values[base] = (k, .scalar(scalar))
            } else {
                var message = "unknown key"
                if let near = Self.suggestion(for: key, in: allowed + fileKeys.map { $0 + "_file" }) {
                    message += " (did you mean \(near)?)"
                }
                reader.error(k, in: file, keyPath, message)
            }
        }
    }

    static func resolve(_ p: String, relativeTo file: String) -> String {
        if p.hasPrefix("/") { return p }
        let dir = (file as NSString).deletingLastPathComponent
        return dir.isEmpty ? p : (dir as NSString).appendingPathComponent(p)
    }

    func has(_ key: String) -> Bool { values[key] != nil }
    func value(_ key: String) -> Node? { values[key]?.value }
    func keyNode(_ key: String) -> Node? { values[key]?.key }
    func sub(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func require(_ key: String) -> Node? {
        if let v = values[key]?.value { return v }
        reader.error(node, in: file, path, "missing required key \(key)")
        return nil
    }

    // Typed getters: nil when absent or invalid (the error is recorded).

    func string(_ key: String) -> String? {
        guard let v = value(key) else { return nil }
        return reader.substitute(v, file: file, path: sub(key))
    }

    func secret(_ key: String) -> Secret? {
        guard let v = value(key) else { return nil }
        return reader.substitute(v, file: file, path: sub(key), secret: true).map(Secret.init)
    }

    func bool(_ key: String) -> Bool? {
        guard let v = value(key), let s = reader.substitute(v, file: file, path: sub(key)) else { return nil }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            reader.error(v, in: file, sub(key), "expected true or false")
            return nil
        }
    }

    func int(_ key: String, min: Int? = nil, max: Int? = nil) -> Int? {
        guard let v = value(key), let s = reader.substitute(v, file: file, path: sub(key)) else { return nil }
        guard let i = Int(s) else {
            reader.error(v, in: file, sub(key), "expected a whole number, got \"\(s)\"")
            return nil
        }
        if let min, i < min {
            reader.error(v, in: file, sub(key), "must be at least \(min)")
            return nil
        }
        if let max, i > max {
            reader.error(v, in: file, sub(key), "must be at most \(max)")
            return nil
        }
        return i
    }

    func duration(_ key: String, allowZero: Bool = false) -> Duration? {
        guard let v = value(key), let s = reader.substitute(v, file: file, path: sub(key)) else { return nil }
        guard let d = Units.duration(s) else {
            reader.error(v, in: file, sub(key), "\"\(s)\" is not a duration (write 250ms, 2s, 5m, 1h or 7d)")
            return nil
        }
        if d == .zero && !allowZero {
            reader.error(v, in: file, sub(key), "must be longer than 0")
            return nil
        }
        return d
    }

    func size(_ key: String) -> Int? {
        guard let v = value(key), let s = reader.substitute(v, file: file, path: sub(key)) else { return nil }
        guard let n = Units.size(s), n > 0 else {
            reader.error(v, in: file, sub(key), "\"\(s)\" is not a size (write 512KiB, 1MiB, 10GB or bytes)")
            return nil
        }
        return n
    }

    func stringList(_ key: String) -> [String]? {
        guard let v = value(key) else { return nil }
        guard let seq = v.sequence else {
            reader.error(v, in: file, sub(key), "expected a list")
            return nil
        }
        var out: [String] = []
        for (i, item) in seq.enumerated() {
            guard item.scalar != nil else {
                reader.error(item, in: file, "\(sub(key))[\(i)]", "expected a string")
                continue
            }
            if let s = reader.substitute(item, file: file, path: "\(sub(key))[\(i)]") { out.append(s) }
        }
        return out
    }

    /// A mapping of string to string (headers, env); values are secrets.
    func secretMap(_ key: String) -> [(String, Secret)]? {
        guard let v = value(key) else { return nil }
        guard let mapping = v.mapping else {
            reader.error(v, in: file, sub(key), "expected a mapping")
            return nil
        }
        var out: [(String, Secret)] = []
        for (k, item) in mapping {
            guard let name = k.string, !name.isEmpty else {
                reader.error(k, in: file, sub(key), "keys must be strings")
                continue
            }
            guard item.scalar != nil else {
                reader.error(item, in: file, "\(sub(key)).\(name)", "expected a string")
                continue
            }
            if let s = reader.substitute(item, file: file, path: "\(sub(key)).\(name)", secret: true) { out.append((name, Secret(s))) }
        }
        return out
    }

    static func suggestion(for key: String, in candidates: [String]) -> String? {
        let best = candidates.map { ($0, distance(key, $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, key.count / 4) else { return nil }
        return best.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var prev = row[0]
            row[0] = i
            for j in 1...b.count {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }
}

extension YAMLReader {
    /// A scalar's text with `${VAR}` and `${VAR:-default}` substituted; `$$` is a literal `$`.
    /// Errors about secret values never quote them.
    func substitute(_ node: Node, file: String, path: String, secret: Bool = false) -> String? {
        guard let scalar = node.scalar else {
            error(node, in: file, path, node.mapping != nil ? "expected a single value, got a mapping" : "expected a single value, got a list")
            return nil
        }
        let text = scalar.string
        guard text.contains("$") else { return text }
        var out = ""
        var rest = Substring(text)
        while let i = rest.firstIndex(of: "$") {
            out += rest[..<i]
            let after = rest[rest.index(after: i)...]
            if after.hasPrefix("$") {
                out += "$"
                rest = after.dropFirst()
            } else if after.hasPrefix("{"), let close = after.firstIndex(of: "}") {
                let body = after[after.index(after: after.startIndex)..<close]
                let name: Substring
                var fallback: Substring?
                if let sep = body.range(of: ":-") {
                    name = body[..<sep.lowerBound]
                    fallback = body[sep.upperBound...]
                } else {
                    name = body
                }
                if let value = environment[String(name)], !(fallback != nil && value.isEmpty) {
                    out += value
                } else if let fallback {
                    out += fallback
                } else {
                    error(node, in: file, path, "environment variable \(name) is not set (use ${\(name):-default} for a default)")
                    return nil
                }
                rest = after[after.index(after: close)...]
            } else {
                out += "$"
                rest = after
            }
        }
        out += rest
        _ = secret
        return out
    }
}

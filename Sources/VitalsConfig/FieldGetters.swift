import Foundation
import Yams

/// Typed reads of one key: nil when the key is absent or its value is invalid (the error is
/// recorded). Every scalar goes through `${VAR}` substitution first, then is typed.
extension Fields {
    func string(_ key: String) -> String? {
        guard let v = value(key) else { return nil }
        return reader.substitute(v, file: file, path: sub(key))
    }

    /// A value that must never be printed: no message about it quotes it.
    func secret(_ key: String) -> Secret? { string(key).map(Secret.init) }

    /// A database probe's `query`: nil when absent, refused (and nil) when blank.
    func query(_ key: String = "query") -> String? {
        guard let q = string(key) else { return nil }
        if q.trimmingCharacters(in: .whitespaces).isEmpty {
            error(key, "the query is empty")
            return nil
        }
        return q
    }

    func bool(_ key: String) -> Bool? {
        guard let s = string(key) else { return nil }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(key, "expected true or false" + got(key, s))
            return nil
        }
    }

    func int(_ key: String, min: Int? = nil, max: Int? = nil) -> Int? {
        guard let s = string(key) else { return nil }
        guard let i = Int(s) else {
            error(key, "expected a whole number" + got(key, s))
            return nil
        }
        if let min, i < min {
            error(key, "must be at least \(min)")
            return nil
        }
        if let max, i > max {
            error(key, "must be at most \(max)")
            return nil
        }
        return i
    }

    /// A duration with a unit; `allowZero` admits `0` (as in `repeat: 0`).
    func duration(_ key: String, allowZero: Bool = false) -> Duration? {
        guard let s = string(key) else { return nil }
        guard let d = Units.duration(s) else {
            error(key, "expected a duration with a unit such as 250ms, 2s, 5m, 1h or 7d" + got(key, s))
            return nil
        }
        if d == .zero && !allowZero {
            error(key, "must be longer than 0")
            return nil
        }
        return d
    }

    func size(_ key: String) -> Int? {
        guard let s = string(key) else { return nil }
        guard let n = Units.size(s), n > 0 else {
            error(key, "expected a size such as 512KiB, 1MiB, 10GB or a number of bytes" + got(key, s))
            return nil
        }
        return n
    }

    /// A list of strings; `~` is an empty list.
    func stringList(_ key: String) -> [String]? {
        guard let v = value(key) else { return nil }
        if v.isNull { return [] }
        guard let seq = v.sequence else {
            error(key, "expected a list, got \(v.kindDescription)")
            return nil
        }
        var out: [String] = []
        for (i, item) in seq.enumerated() {
            if let s = reader.substitute(item, file: file, path: "\(sub(key))[\(i)]") { out.append(s) }
        }
        return out
    }

    /// A mapping of names to secret strings (headers, env). Values are never quoted.
    func secretMap(_ key: String, validName: (String) -> Bool = { !$0.isEmpty }, nameRule: String = "") -> [(String, Secret)]? {
        guard let v = value(key) else { return nil }
        if v.isNull { return [] }
        guard let mapping = v.mapping else {
            error(key, "expected a mapping, got \(v.kindDescription)")
            return nil
        }
        var out: [(String, Secret)] = []
        for (k, item) in mapping {
            guard let name = k.scalar?.string, validName(name) else {
                reader.error(k, in: file, sub(key), "\"\(k.scalar?.string ?? "")\" is not a valid name\(nameRule)")
                continue
            }
            if let s = reader.substitute(item, file: file, path: "\(sub(key)).\(name)") { out.append((name, Secret(s))) }
        }
        return out
    }
}

import Foundation
import Yams

/// One YAML mapping checked against the keys allowed there.
///
/// Unknown keys are reported (with the nearest allowed key as a suggestion), YAML merge keys
/// (`<<: *anchor`) are expanded, and `K_file` is resolved: for every scalar key `K` allowed
/// here, `K_file: PATH` reads K's value from that file (trailing newline trimmed), which is how
/// secrets stay out of config files. A value read from a file is never quoted in a message.
struct Fields {
    let reader: YAMLReader
    let file: String
    let path: String
    let node: Node
    private var values: [String: (key: Node, value: Node)] = [:]
    /// Keys whose value was read from a `K_file`: key -> the key as written (`password_file`).
    private var fromFile: [String: String] = [:]

    /// `allowed` keys; those in `structured` (mappings, lists, names the parser peeks at) have
    /// no `K_file` form. `hint` may explain an unknown key that has no close match.
    init?(
        _ node: Node, reader: YAMLReader, file: String, path: String, allowed: [String], structured: Set<String> = [],
        hint: (String) -> String? = { _ in nil }
    ) {
        self.reader = reader
        self.file = file
        self.path = path
        self.node = node
        let pairs: [(Node, Node)]
        if node.isNull {
            pairs = []
        } else if let mapping = node.mapping {
            pairs = Self.expandingMerges(mapping, reader: reader, file: file, path: path)
        } else {
            reader.error(node, in: file, path, "expected a mapping of keys, got \(node.kindDescription)")
            return nil
        }
        let allowedSet = Set(allowed)
        let fileable = allowedSet.subtracting(structured).filter { !$0.hasSuffix("_file") }
        var pendingFiles: [(base: String, key: Node, value: Node)] = []
        for (k, v) in pairs {
            guard let key = k.scalar?.string else {
                reader.error(k, in: file, path, "keys must be strings")
                continue
            }
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            if allowedSet.contains(key) {
                values[key] = (k, v)
            } else if key.hasSuffix("_file"), fileable.contains(String(key.dropLast(5))) {
                pendingFiles.append((String(key.dropLast(5)), k, v))
            } else if key.hasSuffix("_file"), allowedSet.contains(String(key.dropLast(5))) {
                reader.error(k, in: file, keyPath, "unknown key (\(key.dropLast(5)) is not a single value, so it cannot be read from a file)")
            } else if !Syntax.isPrintableKey(key) {
                reader.error(k, in: file, path, "unknown key (not shown: it is not like any config key; is this a Vitals config file?)")
            } else {
                let candidates = allowed + fileable.sorted().map { $0 + "_file" }
                var message = "unknown key"
                if let near = KeySuggestion.nearest(to: key, in: candidates) {
                    message += " (did you mean \(near)?)"
                } else if let extra = hint(key) {
                    message += " (\(extra))"
                }
                reader.error(k, in: file, keyPath, message)
            }
        }
        for (base, k, v) in pendingFiles {
            let keyPath = path.isEmpty ? "\(base)_file" : "\(path).\(base)_file"
            if values[base] != nil {
                reader.error(k, in: file, keyPath, "set either \(base) or \(base)_file, not both")
                continue
            }
            guard let text = Self.readValueFile(v, reader: reader, file: file, path: keyPath) else { continue }
            // A string scalar carrying the file's content, located at the `_file` key's value.
            var scalar = Node.Scalar(text, Tag(.str), .singleQuoted)
            scalar.mark = v.mark
            values[base] = (k, .scalar(scalar))
            fromFile[base] = "\(base)_file"
        }
    }

    /// The content of the file a `K_file` value names, without its trailing newline. The error
    /// names the path, never the content.
    private static func readValueFile(_ v: Node, reader: YAMLReader, file: String, path: String) -> String? {
        guard let p = reader.substitute(v, file: file, path: path) else { return nil }
        let resolved = resolve(p, relativeTo: file)
        guard let data = FileManager.default.contents(atPath: resolved) else {
            reader.error(v, in: file, path, "cannot read \(resolved)")
            return nil
        }
        var text = String(decoding: data, as: UTF8.self)
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }

    /// `<<: *base` (or a list of anchors) adds the merged mappings' keys that this mapping does
    /// not set itself, as YAML 1.1 merge keys do.
    static func expandingMerges(_ mapping: Node.Mapping, reader: YAMLReader, file: String, path: String) -> [(Node, Node)] {
        var own: [(Node, Node)] = []
        var merged: [(Node, Node)] = []
        for (k, v) in mapping {
            guard k.scalar?.string == "<<", k.scalar?.style == .plain || k.scalar?.style == .any else {
                own.append((k, v))
                continue
            }
            let sources = v.sequence.map(Array.init) ?? [v]
            for source in sources {
                guard let m = source.mapping else {
                    reader.error(source, in: file, path.isEmpty ? "<<" : "\(path).<<", "a merge key takes a mapping or a list of mappings")
                    continue
                }
                merged += Array(m)
            }
        }
        var seen = Set(own.compactMap { $0.0.scalar?.string })
        for (k, v) in merged {
            guard let key = k.scalar?.string, seen.insert(key).inserted else { continue }
            own.append((k, v))
        }
        return own
    }

    /// Relative paths are relative to the folder of the file that names them.
    static func resolve(_ p: String, relativeTo file: String) -> String {
        if p.hasPrefix("/") { return p }
        let dir = (file as NSString).deletingLastPathComponent
        return dir.isEmpty ? p : (dir as NSString).appendingPathComponent(p)
    }

    func has(_ key: String) -> Bool { values[key] != nil }
    func value(_ key: String) -> Node? { values[key]?.value }
    func keyNode(_ key: String) -> Node? { values[key]?.key }
    /// The key path of `key` as the user wrote it (`server.detailed_token_file` when read from a file).
    func sub(_ key: String) -> String {
        let written = fromFile[key] ?? key
        return path.isEmpty ? written : "\(path).\(written)"
    }
    /// Whether `key`'s value came from a file (and so must never be quoted).
    func isFromFile(_ key: String) -> Bool { fromFile[key] != nil }

    /// `, got "TEXT"` to end a message with, or nothing when the value came from a file.
    func got(_ key: String, _ text: String) -> String { isFromFile(key) ? "" : ", got \"\(text)\"" }

    /// Records "missing required key" at this mapping when `key` is absent.
    @discardableResult
    func require(_ key: String) -> Node? {
        if let v = values[key]?.value { return v }
        reader.error(node, in: file, path, "missing required key \(key)")
        return nil
    }

    func error(_ key: String, _ message: String) {
        reader.error(value(key) ?? node, in: file, sub(key), message)
    }
}

extension Node {
    /// A plain `~`, `null` or nothing at all: treated as an empty mapping or list.
    var isNull: Bool {
        guard let s = scalar, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    var kindDescription: String {
        switch self {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar: "a single value"
        case .alias: "an alias"
        }
    }
}

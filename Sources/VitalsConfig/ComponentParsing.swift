import Foundation
import Yams

/// `components:` entries: the keys every type shares, then the type's own keys.
extension ConfigParser {
    static let commonKeys = [
        "name", "type", "critical", "groups", "interval", "timeout", "failure_threshold", "success_threshold", "history", "thresholds",
        "locations", "slo",
    ]
    /// Each type's own keys, from the types themselves.
    static let typeKeys: [String: [String]] = Dictionary(uniqueKeysWithValues: ProbeType.allCases.map { ($0.rawValue, $0.keys) })
    /// Keys whose values are mappings or lists (no `K_file` form), and the two the parser reads
    /// before it knows which keys are allowed; each type adds its own.
    static let structuredComponentKeys: Set<String> = ["name", "type", "groups", "thresholds", "locations", "slo"]

    func parseComponents(_ node: Node, file: String, defaults: ComponentDefaults) -> [DeclaredComponent] {
        if node.isNull { return [] }
        guard let seq = node.sequence else {
            reader.error(node, in: file, "components", "expected a list of components, got \(node.kindDescription)")
            return []
        }
        return seq.enumerated().compactMap { i, item in parseComponent(item, index: i, file: file, defaults: defaults) }
    }

    func parseComponent(_ node: Node, index: Int, file: String, defaults: ComponentDefaults) -> DeclaredComponent? {
        // The name gives the key path its readable form and the type decides which keys are
        // allowed, so both are read before the rest.
        var path = "components[\(index)]"
        guard let mapping = node.mapping else {
            reader.error(node, in: file, path, "expected a mapping with name and type, got \(node.kindDescription)")
            return nil
        }
        // Merge errors are reported once, by `Fields` below.
        let pairs = Fields.expandingMerges(mapping, reader: YAMLReader(environment: [:]), file: file, path: path)
        func peek(_ key: String) -> Node? { pairs.first { $0.0.scalar?.string == key }?.1 }
        let nameNode = peek("name")
        let name = nameNode.flatMap { reader.substitute($0, file: file, path: path + ".name") }
        if let name {
            if Syntax.isName(name) {
                path = "components[\(name)]"
            } else {
                reader.error(nameNode, in: file, path + ".name", "\"\(name)\" is not a valid name: \(Syntax.nameRule)")
            }
        }
        let typeNode = peek("type")
        let type = typeNode.flatMap { reader.substitute($0, file: file, path: path + ".type") }
        var allowed = Self.commonKeys
        var kind: ProbeType?
        if let type {
            kind = ProbeType(rawValue: type)
            guard let extra = kind?.keys else {
                var message = "unknown type \"\(type)\" (expected one of \(Self.typeKeys.keys.sorted().joined(separator: ", ")))"
                if let near = KeySuggestion.nearest(to: type, in: Self.typeKeys.keys) { message = "unknown type \"\(type)\" (did you mean \(near)?)" }
                reader.error(typeNode, in: file, path + ".type", message)
                return nil
            }
            allowed += extra
        }
        let ownType = type
        guard
            let f = Fields(
                node, reader: reader, file: file, path: path, allowed: allowed,
                structured: Self.structuredComponentKeys.union(kind?.config.structuredKeys ?? []),
                hint: { key in Self.ownerHint(key, ownType) })
        else { return nil }
        if name == nil { f.require("name") }
        if type == nil { f.require("type") }
        guard let name, let type, let kind else { return nil }

        let location = reader.location(node, file)
        var spec = ComponentSpec(name: name, probe: .memory(MemorySettings()), location: location)
        for (key, value) in pairs { if let key = key.scalar?.string { spec.keyLocations[key] = reader.location(value, file) } }
        spec.critical = f.bool("critical") ?? true
        spec.groups = f.stringList("groups") ?? []
        for (i, g) in spec.groups.enumerated() where !Syntax.isName(g) {
            reader.error(f.value("groups")?.sequence?[i], in: file, f.sub("groups") + "[\(i)]", "\"\(g)\" is not a valid group name: \(Syntax.nameRule)")
        }
        spec.locations = parseLocations(f)
        spec.interval = f.duration("interval") ?? defaults.interval
        spec.timeout = f.duration("timeout") ?? defaults.timeout
        spec.failureThreshold = f.int("failure_threshold", min: 1) ?? kind.config.defaultFailureThreshold ?? defaults.failureThreshold
        spec.successThreshold = f.int("success_threshold", min: 1) ?? defaults.successThreshold
        spec.history = f.int("history", min: 1, max: 100_000) ?? defaults.history
        // Only when this component sets one of them: a bad pair in `defaults` is reported there, once.
        // A push component has no probe to time out: its silence is judged by `grace`.
        if !kind.isPushed, spec.timeout >= spec.interval, f.has("timeout") || f.has("interval") {
            f.error(f.has("timeout") ? "timeout" : "interval", Self.timeoutMessage(spec.timeout, spec.interval))
        }
        if let t = f.value("thresholds") { spec.thresholds = parseThresholds(t, type: kind, interval: spec.interval, path: f.sub("thresholds"), file: file) }
        if let s = f.value("slo") { spec.slo = parseSLO(s, interval: spec.interval, path: f.sub("slo"), file: file) }
        guard let probe = kind.config.parse(f, self) else { return nil }
        probe.check(in: spec, f)
        spec.probe = probe.probeSettings
        return DeclaredComponent(spec: spec, nameLocation: reader.location(nameNode, file))
    }

    /// "url is a key of http components" for a key that belongs to another type.
    static func ownerHint(_ key: String, _ type: String?) -> String? {
        let owners = typeKeys.filter { $0.value.contains(key) }.map(\.key).sorted()
        guard !owners.isEmpty else { return nil }
        let of = owners.joined(separator: ", ")
        return type.map { "\(key) is a key of \(of) components, not \($0)" } ?? "\(key) is a key of \(of) components"
    }
}

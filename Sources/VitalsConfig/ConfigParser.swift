import Foundation
import Yams

/// The walk over the main config file: sections in dependency order (defaults before
/// components, components and notifiers before the alerts that name them).
struct ConfigParser {
    let reader: YAMLReader
    /// The main config file.
    let file: String

    static let topKeys = ["server", "defaults", "include", "components", "storage", "alerts", "notifiers", "maintenance", "service", "push_gateway", "status_pages", "fleet"]

    func parseRoot(_ root: Node, into config: inout Config) {
        guard ConfigFile.looksLikeConfig(root, known: Self.topKeys) else {
            reader.error(root, in: file, "", "not a Vitals config: no top-level key is one of \(Self.topKeys.joined(separator: ", "))")
            return
        }
        guard let f = Fields(root, reader: reader, file: file, path: "", allowed: Self.topKeys, structured: Set(Self.topKeys)) else { return }
        if let s = f.value("server") { parseServer(s, into: &config.server) }
        if let s = f.value("service") { config.service = parseService(s) }
        if let p = f.value("push_gateway"), !p.isNull { config.pushGateway = parsePushGateway(p) }
        if let d = f.value("defaults") { parseDefaults(d, into: &config.defaults) }
        var declared: [DeclaredComponent] = []
        if let list = f.value("components") { declared += parseComponents(list, file: file, defaults: config.defaults) }
        if let inc = f.value("include") {
            var visited: Set<String> = [Self.canonical(file)]
            declared += parseIncludes(inc, from: file, chain: [Self.canonical(file)], defaults: config.defaults, visited: &visited)
        }
        config.components = uniqueComponents(declared)
        if let s = f.value("storage") { parseStorage(s, into: &config.storage) }
        if let s = f.value("fleet") { config.fleet = parseFleet(s, storage: config.storage) }
        checkSLOWindows(config.components, rollupRetention: config.storage.rollupRetention)
        if let n = f.value("notifiers") { config.notifiers = parseNotifiers(n) }
        let names = Set(config.components.map(\.name))
        if let a = f.value("alerts") { config.alerts = parseAlerts(a, components: config.components, notifiers: Set(config.notifiers.map(\.name))) }
        if let m = f.value("maintenance") { config.maintenance = parseMaintenance(m, components: names) }
        if let p = f.value("status_pages") { config.statusPages = parseStatusPages(p, components: config.components) }
        config.file = file
    }

    /// Reports every name declared twice (across includes too) where the second one is, naming
    /// where the first was.
    private func uniqueComponents(_ declared: [DeclaredComponent]) -> [ComponentSpec] {
        var first: [String: ComponentSpec] = [:]
        for d in declared {
            if let earlier = first[d.spec.name] {
                reader.error(at: d.nameLocation, "components[\(d.spec.name)].name", "duplicate component name (first declared at \(earlier.location))")
            } else {
                first[d.spec.name] = d.spec
            }
        }
        return declared.map(\.spec)
    }

    /// An absolute, standardized path: the identity of a file for include cycles.
    static func canonical(_ path: String) -> String { URL(fileURLWithPath: path).standardized.path }
}

/// A parsed component and where its name was written (for duplicate-name messages).
struct DeclaredComponent {
    var spec: ComponentSpec
    var nameLocation: SourceLocation
}

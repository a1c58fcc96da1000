import Foundation
import Yams

/// Turns YAML files into a validated `Config`, or into every problem found, each with file,
/// line, column and key path.
public enum ConfigLoader {
    public static func load(
        file: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigErrors) -> Config {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigErrors([ConfigError(location: SourceLocation(file: file, line: 1, column: 1), path: "", message: "cannot read the file")])
        }
        return try parse(yaml: String(decoding: data, as: UTF8.self), file: file, environment: environment)
    }

    public static func parse(yaml: String, file: String, environment: [String: String]) throws(ConfigErrors) -> Config {
        let reader = YAMLReader(environment: environment)
        var config = Config(file: file)
        if let root = reader.compose(yaml, file: file) {
            ConfigParser(reader: reader, file: file).parseRoot(root, into: &config)
        }
        if !reader.errors.isEmpty { throw ConfigErrors(reader.errors) }
        return config
    }
}

/// The walk over one config file and its includes.
struct ConfigParser {
    let reader: YAMLReader
    let file: String

    static let topKeys = ["server", "defaults", "include", "components", "storage", "alerts", "notifiers", "maintenance"]
    static let commonKeys = ["name", "type", "critical", "groups", "interval", "timeout", "failure_threshold", "success_threshold", "history", "thresholds"]
    static let typeKeys: [String: [String]] = [
        "http": ["url", "method", "headers", "body", "expect", "follow_redirects", "tls", "max_body"],
        "postgres": ["dsn", "password", "query", "expect"],
        "redis": ["address", "username", "password", "db"],
        "tcp": ["address", "send", "expect", "tls"],
        "exec": ["command", "env"],
        "disk": ["path"],
        "memory": [],
    ]

    func parseRoot(_ root: Node, into config: inout Config) {
        guard let f = Fields(root, reader: reader, file: file, path: "", allowed: Self.topKeys) else { return }
        if let s = f.value("server") { parseServer(s, into: &config.server) }
        if let d = f.value("defaults") { parseDefaults(d, into: &config.defaults) }
        var declared: [(ComponentSpec, Node?)] = []
        if let list = f.value("components") { declared += parseComponents(list, file: file, defaults: config.defaults) }
        if let inc = f.value("include") {
            var seen: Set<String> = [URL(fileURLWithPath: file).standardized.path]
            declared += parseIncludes(inc, from: file, path: "include", defaults: config.defaults, seen: &seen)
        }
        if let s = f.value("storage") { parseStorage(s, into: &config.storage) }
        if let n = f.value("notifiers") { config.notifiers = parseNotifiers(n) }
        // Duplicate names, across includes too.
        var first: [String: ComponentSpec] = [:]
        for (spec, nameNode) in declared {
            if let earlier = first[spec.name] {
                reader.error(
                    at: nameNode.map { reader.location($0, spec.location.file) } ?? spec.location, "components[\(spec.name)].name",
                    "duplicate component name (first declared at \(earlier.location))")
            } else {
                first[spec.name] = spec
            }
        }
        config.components = declared.map(\.0)
        if let a = f.value("alerts") {
            config.alerts = parseAlerts(a, components: Set(first.keys), notifiers: Set(config.notifiers.map(\.name)))
        }
        if let m = f.value("maintenance") { config.maintenance = parseMaintenance(m, components: Set(first.keys)) }
        config.file = file
    }

    // MARK: server, defaults, storage

    func parseServer(_ node: Node, into server: inout ServerConfig) {
        guard
            let f = Fields(
                node, reader: reader, file: file, path: "server", allowed: ["listen", "detailed_token", "max_concurrent_probes", "external_url"],
                fileKeys: ["detailed_token"])
        else { return }
        if let listen = f.string("listen") {
            if let addr = Self.listenAddress(listen) {
                server.listen = addr
            } else {
                reader.error(f.value("listen"), in: file, "server.listen", "expected host:port, :port or [v6]:port, got \"\(listen)\"")
            }
        }
        if let token = f.secret("detailed_token") {
            if token.value.isEmpty {
                reader.error(f.value("detailed_token"), in: file, "server.detailed_token", "the token is empty")
            } else {
                server.detailedToken = token
            }
        }
        if let n = f.int("max_concurrent_probes", min: 1, max: 100_000) { server.maxConcurrentProbes = n }
        if let u = f.string("external_url") {
            if let url = URL(string: u), url.scheme == "http" || url.scheme == "https", url.host != nil {
                server.externalURL = u
            } else {
                reader.error(f.value("external_url"), in: file, "server.external_url", "expected an http or https URL")
            }
        }
    }

    static func listenAddress(_ s: String) -> ListenAddress? { ListenAddress(parsing: s) }

    func parseDefaults(_ node: Node, into d: inout ComponentDefaults) {
        guard
            let f = Fields(
                node, reader: reader, file: file, path: "defaults",
                allowed: ["interval", "timeout", "failure_threshold", "success_threshold", "history"])
        else { return }
        if let v = f.duration("interval") { d.interval = v }
        if let v = f.duration("timeout") { d.timeout = v }
        if let v = f.int("failure_threshold", min: 1) { d.failureThreshold = v }
        if let v = f.int("success_threshold", min: 1) { d.successThreshold = v }
        if let v = f.int("history", min: 1, max: 100_000) { d.history = v }
        if d.timeout >= d.interval, f.has("timeout") || f.has("interval") {
            reader.error(
                f.value("timeout") ?? f.value("interval"), in: file, "defaults.timeout",
                "timeout (\(Self.show(d.timeout))) must be shorter than interval (\(Self.show(d.interval)))")
        }
    }

    func parseStorage(_ node: Node, into st: inout StorageConfig) {
        guard
            let f = Fields(
                node, reader: reader, file: file, path: "storage", allowed: ["type", "path", "dsn", "password", "retention"],
                fileKeys: ["dsn", "password"])
        else { return }
        if let t = f.string("type") {
            if let kind = StorageConfig.Kind(rawValue: t) {
                st.kind = kind
            } else {
                reader.error(f.value("type"), in: file, "storage.type", "expected memory, sqlite or postgres, got \"\(t)\"")
            }
        }
        st.path = f.string("path")
        st.dsn = f.secret("dsn")
        st.password = f.secret("password")
        if let r = f.duration("retention") { st.retention = r }
        switch st.kind {
        case .sqlite where st.path == nil: reader.error(node, in: file, "storage", "missing required key path (for sqlite)")
        case .postgres where st.dsn == nil: reader.error(node, in: file, "storage", "missing required key dsn (for postgres)")
        default: break
        }
    }

    // MARK: includes

    func parseIncludes(
        _ node: Node, from including: String, path: String, defaults: ComponentDefaults, seen: inout Set<String>
    ) -> [(ComponentSpec, Node?)] {
        guard let seq = node.sequence else {
            reader.error(node, in: including, path, "expected a list of file globs")
            return []
        }
        var out: [(ComponentSpec, Node?)] = []
        for (i, item) in seq.enumerated() {
            let itemPath = "\(path)[\(i)]"
            guard let pattern = reader.substitute(item, file: including, path: itemPath) else { continue }
            let resolved = Fields.resolve(pattern, relativeTo: including)
            let matches = Self.glob(resolved)
            if matches.isEmpty {
                reader.error(item, in: including, itemPath, "no file matches \(pattern)")
                continue
            }
            for match in matches {
                let standardized = URL(fileURLWithPath: match).standardized.path
                let display = Self.display(match)
                guard seen.insert(standardized).inserted else {
                    reader.error(item, in: including, itemPath, "\(display) is included more than once (an include cycle?)")
                    continue
                }
                guard let data = FileManager.default.contents(atPath: match) else {
                    reader.error(item, in: including, itemPath, "cannot read \(display)")
                    continue
                }
                guard let root = reader.compose(String(decoding: data, as: UTF8.self), file: display) else { continue }
                guard let f = Fields(root, reader: reader, file: display, path: "", allowed: ["components", "include"]) else { continue }
                if let list = f.value("components") { out += parseComponents(list, file: display, defaults: defaults) }
                if let nested = f.value("include") {
                    out += parseIncludes(nested, from: display, path: "include", defaults: defaults, seen: &seen)
                }
            }
        }
        return out
    }

    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    /// `config/../probes/system.yaml` shows as `probes/system.yaml`.
    static func display(_ path: String) -> String {
        let standardized = URL(fileURLWithPath: path).standardized.path
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return standardized.hasPrefix(cwd) ? String(standardized.dropFirst(cwd.count)) : standardized
    }

    static func show(_ d: Duration) -> String { DurationFormat.short(d) }
}

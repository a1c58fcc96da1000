/// The whole daemon config after parsing, substitution, includes and validation.
///
/// Plain `Sendable` values: the core and the probes never see YAML.
public struct Config: Sendable, Equatable {
    public var server: ServerConfig
    public var defaults: ComponentDefaults
    public var components: [ComponentSpec]
    public var storage: StorageConfig
    public var alerts: [AlertRuleSpec]
    public var notifiers: [NotifierSpec]
    public var maintenance: [MaintenanceWindowSpec]
    /// `service:`: the name and labels every alert carries.
    public var service = ServiceIdentity()
    /// `status_pages:`: pages for customers at `/status/SLUG`, the first also at `/`.
    public var statusPages: [StatusPageSpec] = []
    /// `push_gateway:`: where the daemon pushes its metrics, if anywhere.
    public var pushGateway: PushGatewayConfig?
    /// `fleet:`: this replica is a member of a fleet on the shared PostgreSQL (nil: it is not).
    public var fleet: FleetSpec?
    /// The main config file (absolute path); includes and relative paths resolve against its folder.
    public var file: String

    public init(
        server: ServerConfig = ServerConfig(), defaults: ComponentDefaults = ComponentDefaults(),
        components: [ComponentSpec] = [], storage: StorageConfig = StorageConfig(),
        alerts: [AlertRuleSpec] = [], notifiers: [NotifierSpec] = [],
        maintenance: [MaintenanceWindowSpec] = [], file: String = "<memory>"
    ) {
        self.server = server
        self.defaults = defaults
        self.components = components
        self.storage = storage
        self.alerts = alerts
        self.notifiers = notifiers
        self.maintenance = maintenance
        self.file = file
    }
}

public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `host:port`, `:port` (all interfaces) or `[v6]:port`.
    public init?(parsing s: String) {
        var host: Substring
        var port: Substring
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]"), s[s.index(after: close)...].hasPrefix(":") else { return nil }
            host = s[s.index(after: s.startIndex)..<close]
            port = s[s.index(close, offsetBy: 2)...]
        } else {
            guard let colon = s.lastIndex(of: ":") else { return nil }
            host = s[..<colon]
            port = s[s.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        if host.isEmpty { host = "0.0.0.0" }
        guard let p = Int(port), (0...65535).contains(p) else { return nil }
        self.init(host: String(host), port: p)
    }
}

public struct ServerConfig: Sendable, Equatable {
    /// Default `127.0.0.1:8080`.
    public var listen: ListenAddress
    /// Bearer token for `/health/detailed`, `/metrics`, `/api/*`, `/alerts` and `/`.
    public var detailedToken: Secret?
    /// Cap on probes in flight at once across all components.
    public var maxConcurrentProbes: Int
    /// Base URL of this Vitals as people reach it, for links in notifications (optional).
    public var externalURL: String?
    /// Cap on open HTTP connections in total, and per client address.
    public var maxConnections: Int = ServerConfig.defaultMaxConnections
    public var maxConnectionsPerClient: Int = ServerConfig.defaultMaxConnectionsPerClient
    /// `public_status: true`: the status page, component pages and badges need no token, and
    /// then show statuses and uptime but no message, observation or target (spec section 9).
    public var publicStatus = false

    public static let defaultMaxConcurrentProbes = 512
    public static let defaultMaxConnections = 4096
    public static let defaultMaxConnectionsPerClient = 256

    public init(
        listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8080), detailedToken: Secret? = nil,
        maxConcurrentProbes: Int = ServerConfig.defaultMaxConcurrentProbes, externalURL: String? = nil
    ) {
        self.listen = listen
        self.detailedToken = detailedToken
        self.maxConcurrentProbes = maxConcurrentProbes
        self.externalURL = externalURL
    }
}

/// Inherited by every component, overridable per component.
public struct ComponentDefaults: Sendable, Equatable {
    public var interval: Duration = .seconds(10)
    public var timeout: Duration = .seconds(2)
    public var failureThreshold: Int = 3
    public var successThreshold: Int = 1
    public var history: Int = 120
    public init() {}
}

public struct StorageConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case memory, sqlite, postgres }
    public var kind: Kind = .memory
    public var path: String? = nil
    public var dsn: Secret? = nil
    public var password: Secret? = nil
    public var retention: Duration = .seconds(7 * 86_400)
    /// Daily roll-ups and status transitions (hourly roll-ups are kept 90 days).
    public var rollupRetention: Duration = .seconds(400 * 86_400)
    /// Where each key's value was written, for what only opening the storage can refuse.
    public var keyLocations: [String: SourceLocation] = [:]
    public init() {}
}

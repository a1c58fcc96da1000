/// One declared dependency: what to probe, how often, and how to judge it.
public struct ComponentSpec: Sendable, Equatable {
    /// Unique, `[a-z0-9][a-z0-9_.-]*`.
    public var name: String
    /// Default true: an unhealthy critical component makes the service unready.
    public var critical: Bool
    public var groups: [String]
    public var interval: Duration
    public var timeout: Duration
    public var failureThreshold: Int
    public var successThreshold: Int
    /// Results kept in memory for this component.
    public var history: Int
    public var thresholds: Thresholds
    public var probe: ProbeSettings
    /// Where the component was declared (for messages).
    public var location: SourceLocation
    /// Where each of its own keys' values is, so that a probe refusing a setting (`dsn`,
    /// `expect`) can be reported at that line rather than the component's.
    public var keyLocations: [String: SourceLocation] = [:]

    public init(
        name: String, critical: Bool = true, groups: [String] = [], interval: Duration = .seconds(10),
        timeout: Duration = .seconds(2), failureThreshold: Int = 3, successThreshold: Int = 1,
        history: Int = 120, thresholds: Thresholds = Thresholds(), probe: ProbeSettings,
        location: SourceLocation = SourceLocation(file: "<memory>", line: 0, column: 0)
    ) {
        self.name = name
        self.critical = critical
        self.groups = groups
        self.interval = interval
        self.timeout = timeout
        self.failureThreshold = failureThreshold
        self.successThreshold = successThreshold
        self.history = history
        self.thresholds = thresholds
        self.probe = probe
        self.location = location
    }

    /// The config `type` string.
    public var type: String { probe.type }

    /// Whether two specs probe the same thing the same way; on reload, a component whose
    /// name and probe settings are unchanged keeps its history and state.
    public func sameProbe(as other: ComponentSpec) -> Bool {
        name == other.name && probe == other.probe && interval == other.interval && timeout == other.timeout
    }
}

/// The probe-type-specific part of a component.
public enum ProbeSettings: Sendable, Equatable {
    case http(HTTPSettings)
    case postgres(PostgresSettings)
    case redis(RedisSettings)
    case tcp(TCPSettings)
    case exec(ExecSettings)
    case disk(DiskSettings)
    case memory(MemorySettings)

    public var type: String {
        switch self {
        case .http: "http"
        case .postgres: "postgres"
        case .redis: "redis"
        case .tcp: "tcp"
        case .exec: "exec"
        case .disk: "disk"
        case .memory: "memory"
        }
    }
}

public struct TLSSettings: Sendable, Equatable {
    public var caFile: String? = nil
    public var insecureSkipVerify: Bool = false
    public var clientCertFile: String? = nil
    public var clientKeyFile: String? = nil
    /// SNI / verification name override (optional).
    public var serverName: String? = nil
    public init() {}
}

public struct HTTPSettings: Sendable, Equatable {
    public var url: String
    public var method: String = "GET"
    /// Header values are secrets: `Authorization` and the like must never be printed.
    public var headers: [(name: String, value: Secret)] = []
    public var body: String? = nil
    public var expect: HTTPExpectation = HTTPExpectation()
    public var followRedirects: Bool = true
    public var tls: TLSSettings = TLSSettings()
    /// Cap on the response body read (default 1 MiB).
    public var maxBodyBytes: Int = 1 << 20
    public init(url: String) { self.url = url }

    public static func == (a: HTTPSettings, b: HTTPSettings) -> Bool {
        a.url == b.url && a.method == b.method && a.body == b.body && a.expect == b.expect
            && a.followRedirects == b.followRedirects && a.tls == b.tls && a.maxBodyBytes == b.maxBodyBytes
            && a.headers.count == b.headers.count
            && zip(a.headers, b.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// Inclusive status-code ranges; the default is kubelet's 200-399.
public struct StatusCodeSet: Sendable, Equatable, CustomStringConvertible {
    public var ranges: [ClosedRange<Int>]
    public init(_ ranges: [ClosedRange<Int>]) { self.ranges = ranges }
    public static let kubelet = StatusCodeSet([200...399])
    public func contains(_ code: Int) -> Bool { ranges.contains { $0.contains(code) } }
    public var description: String {
        ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }
}

public struct HTTPExpectation: Sendable, Equatable {
    public var status: StatusCodeSet = .kubelet
    public var bodyContains: String? = nil
    /// Validated at parse time (compiles as a regex).
    public var bodyRegex: String? = nil
    public var json: JSONExpectation? = nil
    public init() {}
}

/// `json: { path: "$.status", equals: "UP" }`: a dotted path with optional `[index]` steps.
public struct JSONExpectation: Sendable, Equatable {
    public var path: String
    public var equals: String
    public init(path: String, equals: String) {
        self.path = path
        self.equals = equals
    }
}

public struct PostgresSettings: Sendable, Equatable {
    /// The DSN as written (may hold a password: a secret).
    public var dsn: Secret
    public var password: Secret? = nil
    public var query: String = "SELECT 1"
    public enum Role: String, Sendable, Equatable { case primary, replica }
    public var expectRole: Role? = nil
    public init(dsn: Secret) { self.dsn = dsn }
}

public struct RedisSettings: Sendable, Equatable {
    /// `host:port` or `unix:///path`.
    public var address: String
    public var username: String? = nil
    public var password: Secret? = nil
    public var db: Int = 0
    public init(address: String) { self.address = address }
}

public struct TCPSettings: Sendable, Equatable {
    /// `host:port`.
    public var address: String
    /// Bytes to send after connecting, escapes (`\r \n \x00`) already decoded.
    public var send: [UInt8] = []
    /// Regex the first bytes read must match (validated at parse time).
    public var expect: String? = nil
    /// `tls: true` does a TLS handshake and reports certificate expiry.
    public var tls: TLSSettings? = nil
    public init(address: String) { self.address = address }
}

public struct ExecSettings: Sendable, Equatable {
    /// argv, never a shell; `command[0]` resolved against `workingDirectory` when relative.
    public var command: [String]
    /// The config file's folder.
    public var workingDirectory: String
    /// Added to a clean environment.
    public var environment: [String: Secret] = [:]
    public init(command: [String], workingDirectory: String) {
        self.command = command
        self.workingDirectory = workingDirectory
    }
}

public struct DiskSettings: Sendable, Equatable {
    public var path: String
    public init(path: String) { self.path = path }
}

public struct MemorySettings: Sendable, Equatable {
    public init() {}
}

/// One declared dependency: what to probe, how often, and how to judge it.
public struct ComponentSpec: Sendable, Equatable {
    /// Unique, `[a-z0-9][a-z0-9_.-]*`.
    public var name: String
    /// Default true: an unhealthy critical component makes the service unready.
    public var critical: Bool
    public var groups: [String]
    /// `locations: [fra, iad]`: the fleet locations that probe it; empty: every location.
    public var locations: [String] = []
    public var interval: Duration
    public var timeout: Duration
    public var failureThreshold: Int
    public var successThreshold: Int
    /// Results kept in memory for this component.
    public var history: Int
    public var thresholds: Thresholds
    public var probe: ProbeSettings
    /// `slo:`: the objective its history is held to; nil when it has none.
    public var slo: SLOSpec?
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

    /// How long a result may stand without another (spec section 4): 2 x interval + timeout.
    /// Past it the status is not known; uptime never counts that time as up.
    /// A push component is judged by its deadline instead (its timeout means nothing): past
    /// `interval + grace` a missed push is recorded, again every interval, so it goes stale
    /// only when this daemon (or the shard owning it) stops watching.
    public var staleAfter: Duration {
        if let deadline = pushDeadline { return deadline.interval * 2 + deadline.grace }
        return interval * 2 + timeout
    }

    /// A push component's interval and grace (the default grace resolved); nil for the others.
    public var pushDeadline: (interval: Duration, grace: Duration)? {
        guard case .push(let p) = probe else { return nil }
        return (interval, p.grace ?? PushSettings.defaultGrace(interval: interval))
    }

    /// Whether two specs probe the same thing the same way; on reload, a component whose
    /// name and probe settings are unchanged keeps its history and state.
    /// A push component's new token (a rotation) is not a new probe.
    public func sameProbe(as other: ComponentSpec) -> Bool {
        name == other.name && probe.withoutPushToken == other.probe.withoutPushToken && interval == other.interval && timeout == other.timeout
    }
}

/// The probe-type-specific part of a component.
public enum ProbeSettings: Sendable, Equatable {
    case http(HTTPSettings)
    case postgres(PostgresSettings)
    case redis(RedisSettings)
    case mysql(MySQLSettings)
    case tcp(TCPSettings)
    case exec(ExecSettings)
    case disk(DiskSettings)
    case memory(MemorySettings)
    case cpu(CPUSettings)
    case grpc(GRPCSettings)
    case icmp(ICMPSettings)
    case dns(DNSSettings)
    case push(PushSettings)

    /// Which type this is: an exhaustive switch, so a new case cannot be forgotten here.
    public var kind: ProbeType {
        switch self {
        case .http: .http
        case .postgres: .postgres
        case .redis: .redis
        case .mysql: .mysql
        case .tcp: .tcp
        case .exec: .exec
        case .disk: .disk
        case .memory: .memory
        case .cpu: .cpu
        case .grpc: .grpc
        case .icmp: .icmp
        case .dns: .dns
        case .push: .push
        }
    }

    /// The config `type` string.
    public var type: String { kind.rawValue }

    /// These settings with a push component's token blanked, for comparing what is judged.
    var withoutPushToken: ProbeSettings {
        guard case .push(var p) = self else { return self }
        p.token = Secret("")
        return .push(p)
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

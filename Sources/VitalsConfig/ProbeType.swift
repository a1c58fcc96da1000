/// Every probe type this build knows, and the one place a new one is registered.
///
/// Adding a type (docs/development.md has the whole recipe): a case here and in
/// `ProbeSettings`, a file in `ProbeTypes/` with its settings, their parsing and validation and
/// its allowed thresholds (`ProbeConfig`), its probe in `VitalsProbes` with one line in
/// `ProbeFactory.swift`, its example file and its tests. Every switch over a type is
/// exhaustive, the probe factory's included, so a forgotten piece is a compile error (there is
/// no default that turns an unknown type into another).
public enum ProbeType: String, CaseIterable, Sendable {
    case http, postgres, redis, mysql, tcp, exec, disk, memory, cpu, grpc, icmp, dns, push

    /// The type's settings, parser and thresholds.
    var config: any ProbeConfig.Type {
        switch self {
        case .http: HTTPSettings.self
        case .postgres: PostgresSettings.self
        case .redis: RedisSettings.self
        case .mysql: MySQLSettings.self
        case .tcp: TCPSettings.self
        case .exec: ExecSettings.self
        case .disk: DiskSettings.self
        case .memory: MemorySettings.self
        case .cpu: CPUSettings.self
        case .grpc: GRPCSettings.self
        case .icmp: ICMPSettings.self
        case .dns: DNSSettings.self
        case .push: PushSettings.self
        }
    }

    /// The keys of a component of this type besides the common ones.
    public var keys: [String] { config.keys }

    /// The measurements its `thresholds` may name.
    public var thresholds: Set<String> { config.thresholds }

    /// Whether any name is a measurement too (exec's perfdata labels).
    public var acceptsAnyMeasurement: Bool { config.acceptsAnyMeasurement }

    /// Fed from outside (`push`): never probed, and its first result may never come, so it does
    /// not hold startup (spec section 12).
    public var isPushed: Bool { self == .push }
}

/// What a probe type brings to the config: its settings value, the keys it reads, which of them
/// hold mappings or lists, the thresholds it can be judged by, and its parser (which reports
/// every problem at its key, through `Fields`).
protocol ProbeConfig: Sendable, Equatable {
    static var type: ProbeType { get }
    static var keys: [String] { get }
    /// Keys whose values are mappings or lists (no `K_file` form).
    static var structuredKeys: Set<String> { get }
    static var thresholds: Set<String> { get }
    static var acceptsAnyMeasurement: Bool { get }
    /// `failure_threshold` when the component sets none (nil: the `defaults` one).
    static var defaultFailureThreshold: Int? { get }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self?
    /// This value as the component's `probe`.
    var probeSettings: ProbeSettings { get }
    /// Reports what the type's keys cannot be judged on alone, once the component's common
    /// keys are read (icmp's requests must fit in the `timeout`).
    func check(in spec: ComponentSpec, _ f: Fields)
}

extension ProbeConfig {
    static var structuredKeys: Set<String> { [] }
    static var acceptsAnyMeasurement: Bool { false }
    static var defaultFailureThreshold: Int? { nil }
    func check(in spec: ComponentSpec, _ f: Fields) {}
}

import VitalsConfig
import VitalsCore
import VitalsIO

/// Builds a component's probe: an exhaustive switch over its settings, so a probe type that
/// the config knows and this does not is a compile error, and each probe is handed its own
/// settings (it never checks at run time which type it was given). One line per type.
public enum ProbeFactory {
    public static func probe(for spec: ComponentSpec) throws -> any Probe {
        let timeout = spec.timeout
        switch spec.probe {
        case .tcp(let s) where s.tls != nil: return try TLSTCPProbe(settings: s, timeout: timeout)
        case .tcp(let s): return try TCPProbe(settings: s, timeout: timeout)
        case .http(let s): return try HTTPProbe(settings: s, timeout: timeout)
        case .disk(let s): return DiskProbe(settings: s)
        case .memory: return MemoryProbe()
        case .cpu: return CPUProbe()
        case .icmp(let s): return try ICMPProbe(settings: s, timeout: timeout)
        case .exec(let s): return try ExecProbe(settings: s, timeout: timeout)
        case .postgres(let s): return try PostgresProbe(settings: s, timeout: timeout, thresholds: spec.thresholds)
        case .redis(let s): return try RedisProbe(settings: s, timeout: timeout)
        case .mysql(let s): return try MySQLProbe(settings: s, timeout: timeout, thresholds: spec.thresholds)
        case .grpc(let s): return try GRPCProbe(settings: s, timeout: timeout)
        case .dns(let s): return try DNSProbe(settings: s, timeout: timeout)
        case .push: return PushedProbe()
        }
    }
}

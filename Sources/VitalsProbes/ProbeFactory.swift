import VitalsCore
import VitalsIO

extension ProbeRegistry {
    /// Every probe type this build knows: one line per type.
    public static func standard() -> ProbeRegistry {
        var r = ProbeRegistry()
        r.register("tcp") { spec in
            if case .tcp(let t) = spec.probe, t.tls != nil { return try TLSTCPProbe(spec: spec) }
            return try TCPProbe(spec: spec)
        }
        r.register("http") { try HTTPProbe(spec: $0) }
        r.register("disk") { try DiskProbe(spec: $0) }
        r.register("memory") { try MemoryProbe(spec: $0) }
        r.register("cpu") { try CPUProbe(spec: $0) }
        r.register("icmp") { try ICMPProbe(spec: $0) }
        r.register("exec") { try ExecProbe(spec: $0) }
        r.register("postgres") { try PostgresProbe(spec: $0) }
        r.register("redis") { try RedisProbe(spec: $0) }
        r.register("grpc") { try GRPCProbe(spec: $0) }
        r.register("dns") { try DNSProbe(spec: $0) }
        return r
    }
}

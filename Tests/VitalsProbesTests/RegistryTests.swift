import Testing
import VitalsCore
@testable import VitalsConfig
@testable import VitalsProbes

/// The probe factory and the config's types agree: each type's settings build that type's
/// probe (that every type has one is the factory's exhaustive switch, checked by the compiler),
/// and each type's settings say they are that type.
struct RegistryTests {
    @Test func eachTypesSettingsBuildItsProbe() throws {
        var tls = TCPSettings(address: "127.0.0.1:1")
        tls.tls = TLSSettings()
        let table: [(ProbeSettings, any Probe.Type)] = [
            (.http(HTTPSettings(url: "http://127.0.0.1:1/")), HTTPProbe.self),
            (.tcp(TCPSettings(address: "127.0.0.1:1")), TCPProbe.self),
            (.tcp(tls), TLSTCPProbe.self),
            (.disk(DiskSettings(path: "/")), DiskProbe.self),
            (.memory(MemorySettings()), MemoryProbe.self),
            (.cpu(CPUSettings()), CPUProbe.self),
            (.icmp(ICMPSettings(host: "127.0.0.1")), ICMPProbe.self),
            (.exec(ExecSettings(command: ["/bin/true"], workingDirectory: "/")), ExecProbe.self),
            (.postgres(PostgresSettings(dsn: Secret("postgres://127.0.0.1:1/x"))), PostgresProbe.self),
            (.redis(RedisSettings(address: "127.0.0.1:1")), RedisProbe.self),
            (.mysql(MySQLSettings(dsn: Secret("mysql://u@127.0.0.1:1/x"))), MySQLProbe.self),
            (.grpc(GRPCSettings(address: "127.0.0.1:1")), GRPCProbe.self),
            (.dns(DNSSettings(query: "example.test")), DNSProbe.self),
            (.push(PushSettings(token: Secret("0123456789abcdef"))), PushedProbe.self),
        ]
        #expect(Set(table.map(\.0.kind)) == Set(ProbeType.allCases), "one row per type at least")
        for (settings, expected) in table {
            let probe = try ProbeFactory.probe(for: ComponentSpec(name: "c", probe: settings))
            #expect(type(of: probe) == expected, "\(settings.kind)")
        }
    }

    @Test func everyTypesSettingsAreThatType() {
        for kind in ProbeType.allCases { #expect(kind.config.type == kind, "\(kind)") }
    }

    /// A type's keys are its own: no key of one type is read by the common parser, and the
    /// thresholds each type accepts include `latency` wherever the probe measures one.
    @Test func keysAndThresholdsComeFromTheTypes() {
        for kind in ProbeType.allCases {
            #expect(Set(kind.keys).isDisjoint(with: ConfigParser.commonKeys), "\(kind)")
            #expect(ConfigParser.typeKeys[kind.rawValue] == kind.keys)
        }
        #expect(ProbeType.exec.acceptsAnyMeasurement)
        #expect(ProbeType.allCases.filter(\.acceptsAnyMeasurement) == [.exec])
    }
}

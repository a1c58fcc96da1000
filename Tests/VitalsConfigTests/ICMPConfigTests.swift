import Foundation
import Testing
@testable import VitalsConfig

/// `icmp` components: the keys, their defaults, and the requests that must fit in the timeout,
/// each mistake reported at its key as `vitals validate` prints it.
struct ICMPConfigTests {
    static func c(_ rest: String) -> String { "components:\n  - name: gw\n    type: icmp\n" + rest }

    static func settings(_ yaml: String) throws -> (ICMPSettings, ComponentSpec) {
        let spec = try #require(try parsed(yaml).components.first)
        guard case .icmp(let s) = spec.probe else { throw ICMPTestError.notICMP }
        return (s, spec)
    }
    enum ICMPTestError: Error { case notICMP }

    /// The spec's example: 3 requests in the default 2s timeout go 666ms apart, so the last one
    /// has as long as the others to come back.
    @Test func defaultsFitTheTimeout() throws {
        let (s, spec) = try Self.settings(Self.c("    host: gw.internal\n"))
        #expect(s.host == "gw.internal")
        #expect(s.count == 3)
        #expect(s.packetInterval == nil)
        #expect(s.packetInterval(timeout: spec.timeout) == .seconds(2) / 3)
        // A long timeout keeps ping's 1s.
        let (long, longSpec) = try Self.settings(Self.c("    host: 10.0.0.1\n    count: 5\n    timeout: 9s\n"))
        #expect(long.packetInterval(timeout: longSpec.timeout) == .seconds(1))
    }

    @Test func explicitIntervalAndAddresses() throws {
        let (s, spec) = try Self.settings(Self.c("    host: \"fe80::1%eth0\"\n    count: 10\n    packet_interval: 100ms\n    timeout: 1s\n"))
        #expect(s.host == "fe80::1%eth0")
        #expect(s.packetInterval(timeout: spec.timeout) == .milliseconds(100))
        for host in ["::1", "127.0.0.1", "gw-1.example.com", "2001:db8::10"] {
            #expect(errors(Self.c("    host: \"\(host)\"\n")) == [], "\(host)")
        }
    }

    static let mistakes: [(String, String)] = [
        (c(""), "c.yaml:2:5: components[gw]: missing required key host"),
        (c("    host: \"gw:80\"\n"), #"c.yaml:4:11: components[gw].host: expected a host name or an IP address without a port, got "gw:80""#),
        (c("    host: \"http://gw/\"\n"), #"c.yaml:4:11: components[gw].host: expected a host name or an IP address without a port, got "http://gw/""#),
        (c("    host: \"[::1]\"\n"), #"c.yaml:4:11: components[gw].host: expected a host name or an IP address without a port, got "[::1]""#),
        (c("    host: gw\n    count: 0\n"), "c.yaml:5:12: components[gw].count: must be at least 1"),
        (c("    host: gw\n    count: 101\n"), "c.yaml:5:12: components[gw].count: must be at most 100"),
        (c("    host: gw\n    packet_interval: 1ms\n"), "c.yaml:5:22: components[gw].packet_interval: must be at least 10ms"),
        // The requests must fit in the timeout, said at the key that breaks it.
        (c("    host: gw\n    count: 3\n    packet_interval: 1s\n"),
         "c.yaml:6:22: components[gw].packet_interval: 3 requests 1s apart do not fit in the timeout 2s "
            + "(count x packet_interval must be at most the timeout, so the last reply has time to come back)"),
        (c("    host: gw\n    count: 100\n    timeout: 500ms\n"),
         "c.yaml:5:12: components[gw].count: 100 requests do not fit in the timeout 500ms at least 10ms apart"),
        (c("    host: gw\n    count: 2\n    packet_interval: 100ms\n    thresholds:\n      packet_los_percent: { degraded: 1 }\n"),
         "c.yaml:8:7: components[gw].thresholds.packet_los_percent: unknown measurement (did you mean packet_loss_percent?)"),
    ]

    @Test(arguments: mistakes)
    func mistakesAreLocated(yaml: String, expected: String) {
        #expect(errors(yaml) == expected.components(separatedBy: "\n"))
    }

    /// The thresholds of the spec's example, higher loss being worse.
    @Test func thresholds() throws {
        let (_, spec) = try Self.settings(
            Self.c("    host: gw\n    thresholds:\n      packet_loss_percent: { degraded: 1, unhealthy: 50 }\n      latency: { degraded: 20ms }\n"))
        let loss = try #require(spec.thresholds["packet_loss_percent"])
        #expect(loss.degraded == 1 && loss.unhealthy == 50 && loss.direction == .higherIsWorse && loss.unit == .percent)
        #expect(spec.thresholds["latency"]?.degraded == 0.02)
    }
}

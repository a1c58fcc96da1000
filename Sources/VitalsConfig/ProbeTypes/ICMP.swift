import Foundation
import Yams

/// `icmp`: echo requests to one host, as `ping` sends them (the probe is
/// `VitalsProbes/ICMPProbe.swift`): an unprivileged ICMP socket where
/// `net.ipv4.ping_group_range` admits the process's group, else a raw socket.
public struct ICMPSettings: Sendable, Equatable {
    /// A name or an IPv4/IPv6 address, without a port.
    public var host: String
    /// Echo requests per run.
    public var count: Int = 3
    /// Time between two requests; nil means `defaultPacketInterval(count:timeout:)`.
    public var packetInterval: Duration? = nil
    public init(host: String) { self.host = host }

    /// Below this, requests would be a flood rather than a probe (ping refuses less than
    /// 200ms to users and 2ms to root; 10ms keeps a run of 100 within a second).
    public static let minimumPacketInterval = Duration.milliseconds(10)
    public static let countRange = 1...100

    /// The time between requests: the configured one, else 1s shrunk so that `count`
    /// requests fit in `timeout` with the last one given as long as the others to come back
    /// (3 requests in the default 2s timeout go 666ms apart).
    public func packetInterval(timeout: Duration) -> Duration {
        packetInterval ?? min(.seconds(1), timeout / count)
    }
}

extension ICMPSettings: ProbeConfig {
    static let type = ProbeType.icmp
    static let keys = ["host", "count", "packet_interval"]
    static let thresholds: Set<String> = ["latency", "packet_loss_percent"]
    var probeSettings: ProbeSettings { .icmp(self) }
    static func parse(_ f: Fields, _ parser: ConfigParser) -> Self? { parser.parseICMP(f) }

    /// Every request must leave, and the last one have time to come back, within the timeout.
    func check(in spec: ComponentSpec, _ f: Fields) {
        let interval = packetInterval(timeout: spec.timeout)
        let timeout = DurationFormat.short(spec.timeout)
        if packetInterval != nil, interval * count > spec.timeout {
            f.error(
                "packet_interval",
                "\(count) requests \(DurationFormat.short(interval)) apart do not fit in the timeout \(timeout) "
                    + "(count x packet_interval must be at most the timeout, so the last reply has time to come back)")
        } else if interval < Self.minimumPacketInterval {
            f.error(
                "count",
                "\(count) requests do not fit in the timeout \(timeout) at least "
                    + "\(DurationFormat.short(Self.minimumPacketInterval)) apart")
        }
    }
}

extension ConfigParser {
    func parseICMP(_ f: Fields) -> ICMPSettings? {
        guard f.require("host") != nil, let host = f.string("host") else { return nil }
        if !Syntax.isHost(host) {
            f.error("host", "expected a host name or an IP address without a port" + f.got("host", host))
        }
        var s = ICMPSettings(host: host)
        s.count = f.int("count", min: ICMPSettings.countRange.lowerBound, max: ICMPSettings.countRange.upperBound) ?? s.count
        if let interval = f.duration("packet_interval") {
            if interval < ICMPSettings.minimumPacketInterval {
                f.error("packet_interval", "must be at least \(DurationFormat.short(ICMPSettings.minimumPacketInterval))")
            } else {
                s.packetInterval = interval
            }
        }
        return s
    }
}

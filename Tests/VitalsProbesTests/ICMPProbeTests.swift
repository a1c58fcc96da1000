import Foundation
import Testing
import VitalsConfig
import VitalsCore
import VitalsIO
@testable import VitalsProbes

/// `icmp` against real kernels: this host's loopback (IPv4 and IPv6, through each socket kind),
/// and a network namespace behind a veth pair whose far end is slow, lossy, silent or hostile.
///
/// Serialized: some tests set `net.ipv4.ping_group_range` (and put it back), which decides
/// whether the unprivileged kind may be opened. They run as root, as `make test` does.
@Suite(.serialized)
struct ICMPProbeTests {
    static func spec(
        _ host: String, count: Int = 3, packetInterval: Duration? = nil, timeout: Duration = .seconds(2)
    ) -> ComponentSpec {
        var s = ICMPSettings(host: host)
        s.count = count
        s.packetInterval = packetInterval
        return ComponentSpec(name: "gw", interval: timeout * 2, timeout: timeout, probe: .icmp(s))
    }

    static func run(_ spec: ComponentSpec, socket: EchoSocket.Kind?) async throws -> (ProbeResult, Duration) {
        guard case .icmp(let settings) = spec.probe else { fatalError("ICMPProbeTests.spec makes icmp components") }
        let probe = try ICMPProbe(settings: settings, timeout: spec.timeout, socket: socket)
        let start = ContinuousClock.now
        let r = await probe.run(deadline: start + spec.timeout)
        return (r, start.duration(to: .now))
    }

    /// Loopback answers every request at once, through either kind of socket and either family.
    @Test(arguments: ["127.0.0.1", "::1"], [EchoSocket.Kind.unprivileged, .raw])
    func loopback(host: String, kind: EchoSocket.Kind) async throws {
        try await PingGroupRange.with(PingGroupRange.everyone) {
            let (r, elapsed) = try await Self.run(Self.spec(host, count: 3, packetInterval: .milliseconds(20)), socket: kind)
            #expect(r.success, "\(r.message)")
            #expect(r.message.hasPrefix("3/3 replies from \(host), rtt min/avg/max "), "\(r.message)")
            #expect(r.number("packets_sent") == 3 && r.number("packets_received") == 3 && r.number("packet_loss_percent") == 0)
            #expect(r.observation("socket") == .text(kind.rawValue))
            #expect(r.observation("address") == .text(host))
            let (min, avg, max) = (try #require(r.number("rtt_min")), try #require(r.number("rtt_avg")), try #require(r.number("rtt_max")))
            #expect(0 < min && min <= avg && avg <= max && max < 0.5)
            #expect(r.latency.seconds == avg, "latency is the average round trip")
            // Every reply in: the run ends after the last one, not at the deadline.
            #expect(elapsed < .seconds(1))
        }
    }

    /// Without a forced kind: the unprivileged socket where ping_group_range admits the group,
    /// else raw (root has CAP_NET_RAW); forced unprivileged outside the range says why not.
    @Test func unprivilegedWhereAllowedElseRaw() async throws {
        let spec = Self.spec("127.0.0.1", count: 1)
        try await PingGroupRange.with(PingGroupRange.everyone) {
            let (r, _) = try await Self.run(spec, socket: nil)
            #expect(r.success && r.observation("socket") == .text("unprivileged"), "\(r.message)")
        }
        try await PingGroupRange.with(PingGroupRange.nobody) {
            let (r, _) = try await Self.run(spec, socket: nil)
            #expect(r.success && r.observation("socket") == .text("raw"), "\(r.message)")
            let (refused, _) = try await Self.run(spec, socket: .unprivileged)
            #expect(!refused.success)
            #expect(refused.message == "no unprivileged ICMP socket: group \(getgid()) is outside net.ipv4.ping_group_range")
        }
    }

    @Test func unresolvableHostSaysSo() async throws {
        let (r, _) = try await Self.run(Self.spec("no-such-host.invalid"), socket: nil)
        #expect(!r.success)
        #expect(r.message.hasPrefix("could not resolve host"), "\(r.message)")
    }

    /// Probes a namespace peer; the namespace and the peer are gone when `body` returns.
    static func withPeer(_ peerArguments: [String]?, _ body: (PeerNamespace) async throws -> Void) async throws {
        let ns = try PeerNamespace()
        defer { ns.remove() }
        let peer = try peerArguments.map { try EchoPeer(in: ns, $0) }
        defer { peer?.stop() }
        try await body(ns)
    }

    /// A peer that answers 50 ms late: the round trips say so, on both families and kinds. Its
    /// junk (another identifier, a payload without our cookie, a bad checksum, a sequence
    /// number never sent) goes out at once, so a probe that took any of it for a reply would
    /// see a round trip under 50 ms.
    @Test(.enabled(if: PeerNamespace.allowed, PeerNamespace.skipReason), arguments: [EchoSocket.Kind.unprivileged, .raw])
    func slowPeerWithJunk(kind: EchoSocket.Kind) async throws {
        try await PingGroupRange.with(PingGroupRange.everyone) {
            try await Self.withPeer(["--delay-ms", "50", "--junk"]) { ns in
                for host in [ns.peerIPv4, ns.peerIPv6] {
                    let (r, _) = try await Self.run(Self.spec(host, count: 3, packetInterval: .milliseconds(100), timeout: .seconds(1)), socket: kind)
                    #expect(r.success, "\(host): \(r.message)")
                    #expect(r.number("packets_received") == 3 && r.number("packet_loss_percent") == 0, "\(host): \(r.message)")
                    let min = try #require(r.number("rtt_min"))
                    #expect(min >= 0.050, "\(host): junk counted, or the delay was not measured: \(r.message)")
                    #expect(try #require(r.number("rtt_max")) < 0.5, "\(host): \(r.message)")
                    #expect(r.latency >= .milliseconds(50))
                }
            }
        }
    }

    /// A peer that answers every other request, each answer three times: half lost, the
    /// duplicates not counted, judged by `packet_loss_percent`.
    @Test(.enabled(if: PeerNamespace.allowed, PeerNamespace.skipReason)) func lossyPeer() async throws {
        try await Self.withPeer(["--drop-odd", "--copies", "3"]) { ns in
            var spec = Self.spec(ns.peerIPv4, count: 4, packetInterval: .milliseconds(50), timeout: .milliseconds(500))
            spec.thresholds["packet_loss_percent"] = Threshold(degraded: 1, unhealthy: 50, unit: .percent)
            let (r, elapsed) = try await Self.run(spec, socket: nil)
            #expect(r.success)
            #expect(r.message.hasPrefix("50% packet loss (4 sent, 2 received) from \(ns.peerIPv4), rtt min/avg/max "), "\(r.message)")
            #expect(r.number("packet_loss_percent") == 50 && r.number("packets_received") == 2)
            // Lost requests are waited for until the deadline, and no longer: a run that waited
            // for them past it would wait for ever (bounded by `Timing.slack`, what a loaded
            // machine may add, not by a 250 ms window).
            #expect(elapsed >= .milliseconds(490) && elapsed < .milliseconds(500) + Timing.slack, "\(elapsed)")
            #expect(Judge.judge(r, thresholds: spec.thresholds).status == .unhealthy)
        }
    }

    /// A peer whose kernel ignores pings: every request lost, the run failed by its deadline.
    @Test(.enabled(if: PeerNamespace.allowed, PeerNamespace.skipReason)) func silentPeer() async throws {
        try await Self.withPeer(nil) { ns in
            try ns.silenceKernel()
            for host in [ns.peerIPv4, ns.peerIPv6] {
                let (r, elapsed) = try await Self.run(Self.spec(host, count: 3, packetInterval: .milliseconds(100), timeout: .milliseconds(400)), socket: nil)
                #expect(!r.success)
                #expect(r.message == "100% packet loss (3 sent)")
                #expect(r.number("packet_loss_percent") == 100)
                #expect(elapsed >= .milliseconds(390) && elapsed < .milliseconds(400) + Timing.slack, "\(elapsed)")
            }
        }
    }

    /// A peer that floods each request with 20,000 replies: the run reads a bounded number of
    /// packets, fails saying so with what it has, and ends by its deadline.
    @Test(.enabled(if: PeerNamespace.allowed, PeerNamespace.skipReason), arguments: [EchoSocket.Kind.unprivileged, .raw])
    func floodingPeer(kind: EchoSocket.Kind) async throws {
        try await PingGroupRange.with(PingGroupRange.everyone) {
            try await Self.withPeer(["--copies", "20000"]) { ns in
                let spec = Self.spec(ns.peerIPv4, count: 3, packetInterval: .milliseconds(100), timeout: .seconds(1))
                let (r, elapsed) = try await Self.run(spec, socket: kind)
                #expect(elapsed < .seconds(1) + Timing.slack, "\(elapsed)")
                #expect(!r.success, "a flood is a failure: the run could not finish")
                #expect(r.number("packets_received").map { $0 >= 1 && $0 <= 3 } == true, "\(r.message)")
                #expect(r.message.hasPrefix("flooded: stopped after reading \(ICMPProbe.readBudget(count: 3)) packets ("), "\(r.message)")
            }
        }
    }

    /// The same through the kernel's own shaping where it has netem (CONFIG_NET_SCH_NETEM):
    /// 50 ms of delay on the peer's side, then 100% loss.
    @Test(
        .enabled(if: PeerNamespace.allowed, PeerNamespace.skipReason),
        .enabled(if: PeerNamespace.hasNetem, "this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM); the echo-peer tests cover delay and loss"))
    func netemDelayAndLoss() async throws {
        try await Self.withPeer(nil) { ns in
            try ns.exec(["tc", "qdisc", "add", "dev", ns.peerInterface, "root", "netem", "delay", "50ms"])
            let spec = Self.spec(ns.peerIPv4, count: 3, packetInterval: .milliseconds(100), timeout: .seconds(1))
            let (slow, _) = try await Self.run(spec, socket: nil)
            #expect(slow.success && slow.number("packet_loss_percent") == 0, "\(slow.message)")
            #expect(try #require(slow.number("rtt_min")) >= 0.050, "\(slow.message)")
            try ns.exec(["tc", "qdisc", "change", "dev", ns.peerInterface, "root", "netem", "loss", "100%"])
            let (lost, _) = try await Self.run(spec, socket: nil)
            #expect(!lost.success && lost.message == "100% packet loss (3 sent)")
        }
    }
}

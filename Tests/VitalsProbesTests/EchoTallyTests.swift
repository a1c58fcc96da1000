import Testing
import VitalsCore
import VitalsIO
@testable import VitalsProbes

/// Which echo replies count for a probe, and what its result says: pure, on replies built
/// here (`EchoPacketTests` in VitalsIOTests has the bytes themselves).
struct EchoTallyTests {
    static let target: [UInt8] = [10, 0, 0, 1]
    static let cookie: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]

    static func reply(_ sequence: UInt16, id: UInt16 = 42, payload: [UInt8] = cookie + [0, 0]) -> EchoPacket.Reply {
        EchoPacket.Reply(id: id, sequence: sequence, payload: payload)
    }

    /// Only a reply from the target, with our identifier (raw sockets), cookie and an
    /// unanswered sequence number counts, once.
    @Test func foreignRepliesDoNotCount() {
        var t = EchoTally(target: Self.target, id: 42, cookie: Self.cookie)
        t.sent(0, at: 1_000_000)
        t.sent(1, at: 2_000_000)
        func counts(_ reply: EchoPacket.Reply?, from source: [UInt8] = Self.target, at: Int64 = 3_000_000) -> Bool {
            t.receive(reply, from: source, at: at)
        }
        #expect(!counts(Self.reply(0), from: [10, 0, 0, 2]), "another host")
        #expect(!counts(Self.reply(0, id: 43)), "another identifier")
        #expect(!counts(Self.reply(0, payload: [9, 9, 9, 9, 9, 9, 9, 9])), "no cookie")
        #expect(!counts(Self.reply(5)), "never sent")
        #expect(!counts(nil), "not an echo reply")
        #expect(counts(Self.reply(0)))
        #expect(!counts(Self.reply(0), at: 4_000_000), "a duplicate")
        #expect(t.foreign == 6)
        #expect(t.received == 1 && !t.allAnswered)
        #expect(t.rtts == [.milliseconds(2)])
        // A ping socket's identifier is the kernel's: not checked.
        var dgram = EchoTally(target: Self.target, id: nil, cookie: Self.cookie)
        dgram.sent(0, at: 0)
        let kernelMatched = dgram.receive(Self.reply(0, id: 999), from: Self.target, at: 5)
        #expect(kernelMatched)
    }

    @Test func lossAndRoundTrips() {
        var t = EchoTally(target: Self.target, id: nil, cookie: Self.cookie)
        t.sent(0, at: 0)
        t.sent(1, at: 0)
        t.notSent("sendto: Network is unreachable")
        t.receive(Self.reply(0), from: Self.target, at: 10_000_000)
        t.receive(Self.reply(1), from: Self.target, at: 30_000_000)
        let r = t.result(address: "10.0.0.1", socket: .raw, elapsed: .seconds(1))
        #expect(r.success)
        #expect(r.latency == .milliseconds(20), "latency is the average round trip")
        #expect(r.number("packets_sent") == 3 && r.number("packets_received") == 2)
        #expect(abs(r.number("packet_loss_percent")! - 100.0 / 3) < 1e-9)
        #expect(r.number("rtt_min") == 0.01 && r.number("rtt_avg") == 0.02 && r.number("rtt_max") == 0.03)
        #expect(r.observation("socket") == .text("raw"))
        #expect(
            r.message
                == "33.3% packet loss (3 sent, 2 received) from 10.0.0.1, rtt min/avg/max 10.000/20.000/30.000 ms; sendto: Network is unreachable")

        var none = EchoTally(target: Self.target, id: nil, cookie: Self.cookie)
        for s in 0..<3 { none.sent(UInt16(s), at: 0) }
        let lost = none.result(address: "10.0.0.1", socket: .unprivileged, elapsed: .seconds(2))
        #expect(!lost.success)
        #expect(lost.message == "100% packet loss (3 sent)")
        #expect(lost.number("packet_loss_percent") == 100 && lost.number("rtt_avg") == nil)
        #expect(lost.latency == .seconds(2))
    }
}

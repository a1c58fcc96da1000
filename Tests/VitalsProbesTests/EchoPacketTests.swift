import Testing
import VitalsCore
import VitalsIO
@testable import VitalsProbes

/// The bytes of echo messages and which replies count: pure, on packets built here (the same
/// rules are exercised on the wire, against a hostile peer, in `ICMPProbeTests`).
struct EchoPacketTests {
    /// RFC 1071's worked example: the words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d.
    @Test func internetChecksum() {
        #expect(EchoPacket.checksum([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]) == 0x220d)
        #expect(EchoPacket.checksum([0x00, 0x01, 0xf2]) == ~UInt16(0x0001 + 0xf200))  // odd length: zero-padded
    }

    @Test func requestBytes() {
        let v4 = EchoPacket.request(v6: false, id: 0x1234, sequence: 2, payload: [0xaa, 0xbb])
        #expect(Array(v4[0..<2]) == [8, 0])
        #expect(Array(v4[4...]) == [0x12, 0x34, 0x00, 0x02, 0xaa, 0xbb])
        #expect(EchoPacket.checksum(v4) == 0, "a message with its checksum sums to 0")
        let v6 = EchoPacket.request(v6: true, id: 1, sequence: 1, payload: [])
        #expect(v6 == [128, 0, 0, 0, 0, 1, 0, 1], "the kernel fills in the ICMPv6 checksum")
    }

    /// What a peer sends back: the request with type 0 (129) and the checksum redone.
    static func reply(to request: [UInt8], v6: Bool) -> [UInt8] {
        var r = request
        r[0] = v6 ? 129 : 0
        r[2] = 0
        r[3] = 0
        if !v6 {
            let sum = EchoPacket.checksum(r)
            r[2] = UInt8(sum >> 8)
            r[3] = UInt8(sum & 0xff)
        }
        return r
    }

    @Test func repliesAreParsedAndEverythingElseIsNot() {
        let request = EchoPacket.request(v6: false, id: 7, sequence: 3, payload: [1, 2, 3])
        let reply = Self.reply(to: request, v6: false)
        #expect(EchoPacket.reply(reply, v6: false, ipHeader: false) == EchoPacket.Reply(id: 7, sequence: 3, payload: [1, 2, 3]))
        // A raw IPv4 socket hands over the IP header (here 24 bytes: IHL 6, with options).
        let ipHeader: [UInt8] = [0x46] + [UInt8](repeating: 0, count: 23)
        #expect(EchoPacket.reply(ipHeader + reply, v6: false, ipHeader: true)?.sequence == 3)
        #expect(EchoPacket.reply(reply, v6: false, ipHeader: true) == nil, "not an IPv4 header")
        // A request (another host pinging us, seen by a raw socket) is not a reply.
        #expect(EchoPacket.reply(request, v6: false, ipHeader: false) == nil)
        var corrupt = reply
        corrupt[9] ^= 0x01
        #expect(EchoPacket.reply(corrupt, v6: false, ipHeader: false) == nil, "bad checksum")
        #expect(EchoPacket.reply(Array(reply.prefix(7)), v6: false, ipHeader: false) == nil, "truncated")
        #expect(EchoPacket.reply(Array(ipHeader.prefix(20)), v6: false, ipHeader: true) == nil, "header only")
        let v6 = Self.reply(to: EchoPacket.request(v6: true, id: 9, sequence: 1, payload: [5]), v6: true)
        #expect(EchoPacket.reply(v6, v6: true, ipHeader: false) == EchoPacket.Reply(id: 9, sequence: 1, payload: [5]))
        #expect(EchoPacket.reply(v6, v6: false, ipHeader: false) == nil, "type 129 is not an ICMPv4 reply")
    }

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

import Testing
import VitalsIO

/// The bytes of echo messages and which of them are replies: pure, on packets built here (the
/// same rules are exercised on the wire, against a hostile peer, in `ICMPProbeTests`; which
/// replies count for a probe is `EchoTallyTests`).
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
}

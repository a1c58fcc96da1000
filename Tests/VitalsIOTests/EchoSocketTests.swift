import Foundation
import Testing
import VitalsIO

/// The kernel's side of a raw echo socket: its socket filter passes the echo replies to its own
/// identifier and nothing else (not another socket's replies, not the requests loopback also
/// delivers), so many raw-socket probes on one host do not read each other's traffic.
struct EchoSocketTests {
    @Test(arguments: [false, true])
    func rawSocketsSeeOnlyTheirOwnReplies(v6: Bool) async throws {
        let (ours, theirs) = (UInt16(0x5a01), UInt16(0x5a02))
        let a = try EchoSocket.open(v6: v6, kind: .raw, id: ours).get()
        defer { a.close() }
        let b = try EchoSocket.open(v6: v6, kind: .raw, id: theirs).get()
        defer { b.close() }
        let loopback = v6 ? Self.sockaddr6Loopback() : Self.sockaddr4Loopback()
        let request = EchoPacket.request(v6: v6, id: ours, sequence: 1, payload: [1, 2, 3, 4])
        #expect(a.send(request, to: loopback) == 0)
        #expect(await a.waitReadable(until: .now + .seconds(2)) == .ready)
        let datagram = try #require(try a.receive(max: 2048).get())
        let reply = try #require(EchoPacket.reply(datagram.bytes, v6: v6, ipHeader: a.repliesCarryIPHeader))
        #expect(reply.id == ours && reply.sequence == 1 && reply.payload == [1, 2, 3, 4])
        // The kernel hands a packet to every raw socket in the same pass: had b's filter let the
        // reply (or the request) through, it would be queued by now.
        #expect(try a.receive(max: 2048).get() == nil, "the request itself, or a duplicate, reached the socket")
        #expect(try b.receive(max: 2048).get() == nil, "another identifier's reply reached the socket")
    }

    static func sockaddr4Loopback() -> Data {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return withUnsafeBytes(of: &sin) { Data($0) }
    }

    static func sockaddr6Loopback() -> Data {
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_addr = in6addr_loopback
        return withUnsafeBytes(of: &sin6) { Data($0) }
    }
}

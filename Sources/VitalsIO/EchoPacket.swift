/// ICMP echo messages (RFC 792 for IPv4, RFC 4443 for IPv6) as the icmp probe writes and reads
/// them. Pure functions over bytes, so every rule about which packet counts is tested directly.
///
/// A message is type, code, checksum, identifier, sequence number (all big-endian) and a
/// payload the peer echoes back unchanged.
package enum EchoPacket {
    package static let headerSize = 8

    /// An echo request. IPv4 carries its RFC 1071 checksum; an ICMPv6 checksum covers a pseudo
    /// header with both addresses, so it is left 0 for the kernel to fill in (RFC 3542 3.1: the
    /// kernel computes it on every ICMPv6 socket).
    package static func request(v6: Bool, id: UInt16, sequence: UInt16, payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [v6 ? 128 : 8, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        bytes += payload
        if !v6 {
            let sum = checksum(bytes)
            bytes[2] = UInt8(sum >> 8)
            bytes[3] = UInt8(sum & 0xff)
        }
        return bytes
    }

    package struct Reply: Equatable, Sendable {
        package var id: UInt16
        package var sequence: UInt16
        package var payload: [UInt8]
        package init(id: UInt16, sequence: UInt16, payload: [UInt8]) {
            self.id = id
            self.sequence = sequence
            self.payload = payload
        }
    }

    /// The echo reply in a received datagram, or nil for anything else: another ICMP type, a
    /// truncated packet, an IPv4 checksum that does not add up. A raw IPv4 socket hands over
    /// the IP header too (`ipHeader`); ICMPv6 sockets and IPv4 ping sockets do not, and the
    /// kernel has verified an ICMPv6 checksum before queueing the message (RFC 3542 3.1).
    package static func reply(_ datagram: [UInt8], v6: Bool, ipHeader: Bool) -> Reply? {
        var start = 0
        if ipHeader {
            guard let first = datagram.first, first >> 4 == 4 else { return nil }
            start = Int(first & 0x0f) * 4
            guard start >= 20 else { return nil }
        }
        guard datagram.count >= start + headerSize else { return nil }
        let icmp = Array(datagram[start...])
        guard icmp[0] == (v6 ? 129 : 0), icmp[1] == 0 else { return nil }
        if !v6, checksum(icmp) != 0 { return nil }
        return Reply(
            id: UInt16(icmp[4]) << 8 | UInt16(icmp[5]), sequence: UInt16(icmp[6]) << 8 | UInt16(icmp[7]),
            payload: Array(icmp[headerSize...]))
    }

    /// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of
    /// the 16-bit words. Over a message that carries its checksum, it is 0.
    package static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CVitalsSystem
import Foundation

/// A non-blocking ICMP socket for echo requests, waited on through the `SocketPoller`.
///
/// Two kinds, as `ping` uses them: an unprivileged "ping socket" (SOCK_DGRAM, IPPROTO_ICMP or
/// IPPROTO_ICMPV6), which any process whose group is in `net.ipv4.ping_group_range` may open
/// and whose echo identifier the kernel chooses and matches; and a raw socket, which needs
/// CAP_NET_RAW and would see every ICMP message the host receives: a socket filter attached
/// at open passes it only the echo replies to the identifier the caller chose.
package struct EchoSocket: Sendable {
    package enum Kind: String, Sendable {
        case unprivileged, raw
    }

    package let fd: Int32
    package let kind: Kind
    package let v6: Bool

    /// What went wrong, as one line for the probe's message.
    package struct Failure: Error, Sendable {
        package var message: String
        init(_ message: String) { self.message = message }
    }

    /// A raw IPv4 socket hands over the IP header with each reply.
    package var repliesCarryIPHeader: Bool { kind == .raw && !v6 }

    /// `kind` nil: the unprivileged kind where the kernel allows it, else raw, which then
    /// receives only echo replies to `id`. The error says what the process would need when
    /// neither can be opened.
    package static func open(v6: Bool, kind: Kind?, id: UInt16) -> Result<EchoSocket, Failure> {
        let family = v6 ? AF_INET6 : AF_INET
        var refused: Int32 = 0
        for k in kind.map({ [$0] }) ?? [.unprivileged, .raw] {
            let fd = vitals_echo_socket(family, k == .raw ? 1 : 0, id)
            if fd >= 0 { return .success(EchoSocket(fd: fd, kind: k, v6: v6)) }
            refused = vitals_errno()
            // EACCES: the group is outside ping_group_range; EPROTONOSUPPORT: no ping sockets.
            guard [EACCES, EPERM, EPROTONOSUPPORT, ESOCKTNOSUPPORT].contains(refused) else {
                return .failure(Failure("socket: \(String(cString: strerror(refused)))"))
            }
        }
        switch kind {
        case .unprivileged?:
            return .failure(Failure("no unprivileged ICMP socket: group \(getgid()) is outside net.ipv4.ping_group_range"))
        case .raw?:
            return .failure(Failure("no raw ICMP socket: CAP_NET_RAW is missing"))
        case nil:
            return .failure(Failure("no ICMP socket: group \(getgid()) is outside net.ipv4.ping_group_range and CAP_NET_RAW is missing"))
        }
    }

    /// Sends one datagram without waiting; 0, or the errno (EAGAIN when the send buffer is full).
    package func send(_ bytes: [UInt8], to address: Data) -> Int32 {
        let n = address.withUnsafeBytes { a in
            bytes.withUnsafeBytes { b in
                Glibc.sendto(fd, b.baseAddress, b.count, Int32(MSG_DONTWAIT), a.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(a.count))
            }
        }
        return n == bytes.count ? 0 : (n < 0 ? vitals_errno() : EMSGSIZE)
    }

    package struct Datagram: Sendable {
        package var bytes: [UInt8]
        /// The sender's address bytes: 4 for IPv4, 16 for IPv6.
        package var from: [UInt8]
        /// When the kernel received it, in CLOCK_REALTIME nanoseconds (`EchoSocket.now()`).
        package var receivedAt: Int64
    }

    /// One queued datagram, cut at `max` bytes; nil when none is queued.
    package func receive(max: Int) -> Result<Datagram?, Failure> {
        var buffer = [UInt8](repeating: 0, count: max)
        var from = sockaddr_storage()
        var at: Int64 = 0
        let n = buffer.withUnsafeMutableBytes { vitals_echo_recv(fd, $0.baseAddress, $0.count, &from, &at) }
        if n < 0 {
            let err = vitals_errno()
            if err == EAGAIN || err == EWOULDBLOCK || err == EINTR { return .success(nil) }
            return .failure(Failure("recvmsg: \(String(cString: strerror(err)))"))
        }
        let sender = withUnsafeBytes(of: &from) { Self.addressBytes(Data($0)) } ?? []
        return .success(Datagram(bytes: Array(buffer.prefix(n)), from: sender, receivedAt: at))
    }

    /// Waits until a datagram is queued, `deadline` passes, or the task is cancelled.
    package func waitReadable(until deadline: ContinuousClock.Instant) async -> SocketPoller.Outcome {
        await SocketPoller.shared.wait(fd: fd, for: .readable, deadline: deadline)
    }

    package func close() { Glibc.close(fd) }

    /// The clock of `Datagram.receivedAt`, to time a request against its reply.
    package static func now() -> Int64 { vitals_realtime_ns() }

    /// The IP address in a `sockaddr_in` or `sockaddr_in6` (a scope id is not part of it).
    package static func addressBytes(_ sockaddr: Data) -> [UInt8]? {
        guard sockaddr.count >= MemoryLayout<sa_family_t>.size else { return nil }
        let family = sockaddr.withUnsafeBytes { $0.loadUnaligned(as: sa_family_t.self) }
        switch Int32(family) {
        case AF_INET where sockaddr.count >= MemoryLayout<sockaddr_in>.size:
            let offset = MemoryLayout<sockaddr_in>.offset(of: \.sin_addr)!
            return Array(sockaddr[sockaddr.startIndex + offset..<sockaddr.startIndex + offset + 4])
        case AF_INET6 where sockaddr.count >= MemoryLayout<sockaddr_in6>.size:
            let offset = MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr)!
            return Array(sockaddr[sockaddr.startIndex + offset..<sockaddr.startIndex + offset + 16])
        default:
            return nil
        }
    }

    /// `10.0.0.1` or `::1`, for messages.
    package static func text(_ address: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.count == 16 ? AF_INET6 : AF_INET
        guard address.withUnsafeBytes({ inet_ntop(family, $0.baseAddress, &out, socklen_t(out.count)) }) != nil else { return "?" }
        return out.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

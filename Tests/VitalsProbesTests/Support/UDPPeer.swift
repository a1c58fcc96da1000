import Foundation
import Synchronization

/// A UDP socket on 127.0.0.1 for the DNS probe's hostile peers: silent (bound and never read,
/// a server that never answers), or answering each datagram with what `reply` makes of it, on a
/// thread of its own.
final class UDPPeer: Sendable {
    let port: Int
    private let fd: Int32
    private let serving: Bool
    private let stopped = Atomic<Bool>(false)
    private let loopEnded = DispatchSemaphore(value: 0)

    init(reply: (@Sendable ([UInt8]) -> [UInt8])? = nil) throws {
        let (fd, port) = try LoopbackSocket.bind(SOCK_DGRAM)
        self.fd = fd
        self.port = port
        serving = reply != nil
        guard let reply else { return }
        let loopEnded = self.loopEnded
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            var from = sockaddr_storage()
            while true {
                var fromLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let n = withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &fromLength) }
                }
                // `stop` shuts the socket down: recvfrom returns 0 (or fails), and only this
                // thread closes it, so its number cannot be reused under a blocked call.
                guard n > 0 else { break }
                let answer = reply(Array(buffer.prefix(n)))
                _ = withUnsafePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, answer, answer.count, 0, $0, fromLength) }
                }
            }
            Glibc.close(fd)
            loopEnded.signal()
        }
    }

    /// `127.0.0.1:PORT`, as the probe's `server` takes it.
    var address: String { "127.0.0.1:\(port)" }

    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if serving {
            shutdown(fd, Int32(SHUT_RDWR))
            loopEnded.wait()
        } else {
            Glibc.close(fd)
        }
    }

    deinit { stop() }

    /// A loopback UDP port nothing is bound to: datagrams sent there come back as ICMP port
    /// unreachable, which a connected UDP socket reads as ECONNREFUSED.
    static func closedPort() throws -> Int {
        let peer = try UDPPeer()
        defer { peer.stop() }
        return peer.port
    }
}

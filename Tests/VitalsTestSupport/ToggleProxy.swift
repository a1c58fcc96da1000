import Foundation
import Synchronization

/// A TCP forwarder on 127.0.0.1 in front of a real server, that a test switches off and on to
/// play "the dependency went down, then came back" without touching the shared server.
///
/// On, every accepted connection is forwarded byte for byte, both ways, to `127.0.0.1:target`.
/// Off, a new connection is accepted and reset at once (`SO_LINGER` 0), which a client sees as
/// the server dropping it before any answer, and connections being forwarded are cut. The
/// listening port never changes, so a probe configured once sees the same address throughout.
///
/// Threads, like `LoopbackServer`: one accepts, each forwarded connection has one per direction.
/// A descriptor is closed exactly once, by the last thread that uses it; switching off and
/// `stop` only `shutdown` them, so no descriptor number is closed while another thread may
/// still use it (or after it was reused by another test).
public final class ToggleProxy: Sendable {
    public let port: Int
    public let target: Int
    private let listener: Int32
    private let enabled: Flag
    private let stopped = Atomic(false)
    private let live = LiveConnections()

    public init(to target: Int, on: Bool = true) throws {
        self.target = target
        enabled = Flag(on)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var addr = Self.loopback(port: 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0, listen(fd, 64) == 0 else {
            Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        listener = fd
        let (live, enabled) = (self.live, self.enabled)
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    // `stop` shut the listener down: closed here, once, by its only user.
                    Glibc.close(fd)
                    return
                }
                guard enabled.value, let upstream = Self.connect(to: target) else {
                    Self.reset(client)
                    continue
                }
                live.forward(client, upstream)
            }
        }
    }

    /// Whether connections are forwarded (true) or reset (false).
    public var isOn: Bool {
        get { enabled.value }
        set {
            enabled.value = newValue
            if !newValue { live.cutAll() }
        }
    }

    /// Idempotent; `deinit` calls it too.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        enabled.value = false
        shutdown(listener, Int32(SHUT_RDWR))
        live.cutAll()
    }

    deinit { stop() }

    private static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }

    /// A blocking connect to the real server (on loopback: immediate), or nil.
    private static func connect(to port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = loopback(port: port)
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, len) } }
        guard ok == 0 else {
            Glibc.close(fd)
            return nil
        }
        return fd
    }

    /// Closes with an RST instead of a FIN.
    private static func reset(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(fd)
    }

    /// The connections being forwarded, so switching off can cut them.
    private final class LiveConnections: Sendable {
        private let pairs = Mutex<[ObjectIdentifier: Pair]>([:])

        func forward(_ client: Int32, _ upstream: Int32) {
            let pair = Pair(client: client, upstream: upstream)
            pairs.withLock { $0[ObjectIdentifier(pair)] = pair }
            for (from, to) in [(client, upstream), (upstream, client)] {
                Thread.detachNewThread { [self] in
                    Self.pump(from: from, to: to)
                    if pair.oneDirectionDone() {
                        _ = pairs.withLock { $0.removeValue(forKey: ObjectIdentifier(pair)) }
                        // Both directions are over: nobody uses either descriptor any more.
                        Glibc.close(client)
                        Glibc.close(upstream)
                    }
                }
            }
        }

        /// Shuts every forwarded connection down (RST to the client); their threads then end
        /// and close the descriptors. Under the lock: a pair leaves the table before its
        /// descriptors are closed, so every pair seen here still owns its numbers (outside it,
        /// a number might already be closed and reused by another test).
        func cutAll() {
            pairs.withLock { pairs in
                for pair in pairs.values {
                    var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                    setsockopt(pair.client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                    shutdown(pair.client, Int32(SHUT_RDWR))
                    shutdown(pair.upstream, Int32(SHUT_RDWR))
                }
            }
        }

        /// Copies until end of stream, then passes the end of stream on; after an error on
        /// either side, shuts both down so that the other direction ends too.
        private static func pump(from: Int32, to: Int32) {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let n = recv(from, &buffer, buffer.count, 0)
                if n < 0, errno == EINTR { continue }
                if n == 0 {
                    shutdown(to, Int32(SHUT_WR))
                    return
                }
                var sent = 0
                while n > 0, sent < n {
                    let m = buffer.withUnsafeBytes { send(to, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                    if m < 0, errno == EINTR { continue }
                    if m <= 0 { break }
                    sent += m
                }
                if n < 0 || sent < n {
                    shutdown(from, Int32(SHUT_RDWR))
                    shutdown(to, Int32(SHUT_RDWR))
                    return
                }
            }
        }
    }

    private final class Flag: Sendable {
        private let atomic: Atomic<Bool>
        init(_ value: Bool) { atomic = Atomic(value) }
        var value: Bool {
            get { atomic.load(ordering: .acquiring) }
            set { atomic.store(newValue, ordering: .releasing) }
        }
    }

    private final class Pair: Sendable {
        let client: Int32
        let upstream: Int32
        private let done = Atomic(0)
        init(client: Int32, upstream: Int32) {
            self.client = client
            self.upstream = upstream
        }
        /// True for the second direction to finish.
        func oneDirectionDone() -> Bool { done.add(1, ordering: .acquiringAndReleasing).newValue == 2 }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CAres
import CVitalsSystem
import Foundation
import VitalsConfig

/// One DNS query through c-ares, without a thread of its own.
///
/// c-ares owns the protocol: UDP first, TCP when the answer comes back truncated, retries with
/// doubling waits, matching replies to the query. This drives it from the probe's task. Its
/// socket-state callback mirrors the sockets c-ares wants watched into an epoll set of this
/// lookup's own, and that one descriptor parks on the shared `SocketPoller` until a socket is
/// ready, c-ares' next retry is due, or the deadline passes. Each c-ares call made here returns at
/// once (its sockets are non-blocking), so nothing blocks the cooperative pool; the one file it
/// reads, `/etc/resolv.conf` in `ares_init_options`, is as small as the memory probe's `/proc` reads.
package enum DNSLookup {
    package struct Answer: Sendable {
        /// The reply as it arrived: c-ares reads at most 512 bytes over UDP (no EDNS) and 64 KiB over TCP.
        package var message: [UInt8]
        /// Whether c-ares asked again over TCP because the UDP answer was truncated.
        package var overTCP: Bool
        /// From sending the query to its answer.
        package var lookupTime: Duration
    }

    package enum Failure: Error, Equatable {
        case timedOut
        case cancelled
        /// Every try was refused (ICMP port unreachable over UDP, a refused TCP connection).
        case refused
        case failed(String)
    }

    private static let libraryReady = ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS

    /// Asks `server` (else the resolvers of `/etc/resolv.conf`) for `name`'s records of `type`,
    /// class IN, recursion desired, no search domains. Returns by `deadline`.
    package static func query(
        _ name: String, type: UInt16, server: ListenAddress?, deadline: ContinuousClock.Instant
    ) async -> Result<Answer, Failure> {
        guard libraryReady else { return .failure(.failed("c-ares could not be initialised")) }
        let watch = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard watch >= 0 else { return .failure(.failed("epoll_create1: \(String(cString: strerror(vitals_errno())))")) }
        let exchange = Exchange(watch: watch)
        let context = Unmanaged.passRetained(exchange)
        var created: ares_channel?
        defer {
            // c-ares closes its sockets (and calls back into the exchange) while it is destroyed.
            if let created { ares_destroy(created) }
            context.release()
            Glibc.close(watch)
        }

        var options = ares_options()
        // Pass SERVFAIL and REFUSED answers through, so the probe reports the server's response
        // code rather than c-ares trying elsewhere and failing with its own.
        options.flags = ARES_FLAG_NOCHECKRESP
        // The first try waits a quarter of the time left, then 2x, 4x, 8x: a silent server is
        // retried within the deadline, and the deadline, not c-ares, decides when to give up.
        let budget = ContinuousClock.now.duration(to: deadline)
        options.timeout = Int32(max(100, min(60_000, budget.seconds * 1000 / 4)))
        options.tries = 4
        options.sock_state_cb = { data, fd, readable, writable in
            Unmanaged<Exchange>.fromOpaque(data!).takeUnretainedValue().watchSocket(fd, readable: readable != 0, writable: writable != 0)
        }
        options.sock_state_cb_data = context.toOpaque()
        let mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB
        let initialised = ares_init_options(&created, &options, mask)
        guard initialised == ARES_SUCCESS, let channel = created else { return .failure(.failed("c-ares: \(Self.text(initialised))")) }
        if let server {
            let set = ares_set_servers_ports_csv(channel, server.description)  // `10.0.0.2:53`, `[fd00::53]:53`
            guard set == ARES_SUCCESS else { return .failure(.failed("c-ares refused the server \(server): \(Self.text(set))")) }
        }

        var written: UnsafeMutablePointer<UInt8>?
        var queryLength: Int32 = 0
        let encoded = ares_create_query(name, 1, Int32(type), 0, 1, &written, &queryLength, 0)
        guard encoded == ARES_SUCCESS, let query = written else { return .failure(.failed("cannot ask for \(name): \(Self.text(encoded))")) }
        let sent = ContinuousClock.now
        ares_send(channel, query, queryLength, { data, status, _, reply, length in
            Unmanaged<Exchange>.fromOpaque(data!).takeUnretainedValue().finish(status: status, reply: reply, length: length)
        }, context.toOpaque())
        ares_free_string(query)  // ares_send keeps a copy

        while exchange.status == nil {
            let now = ContinuousClock.now
            guard now < deadline else { return .failure(.timedOut) }
            var wake = deadline
            var next = timeval()
            if let t = ares_timeout(channel, nil, &next) {
                wake = min(wake, now.advanced(by: .seconds(Int64(t.pointee.tv_sec)) + .microseconds(Int64(t.pointee.tv_usec))))
            }
            switch await SocketPoller.shared.wait(fd: watch, for: .readable, deadline: wake) {
            case .ready, .timedOut: exchange.process(channel)
            case .cancelled: return .failure(.cancelled)
            case .failed(let e): return .failure(.failed("epoll: \(String(cString: strerror(e)))"))
            }
        }
        switch exchange.status! {
        case ARES_SUCCESS:
            return .success(Answer(message: exchange.reply, overTCP: exchange.overTCP, lookupTime: sent.duration(to: exchange.answeredAt)))
        case ARES_ETIMEOUT: return .failure(.timedOut)
        case ARES_ECONNREFUSED: return .failure(.refused)
        case ARES_ECANCELLED, ARES_EDESTRUCTION: return .failure(.cancelled)
        case let status: return .failure(.failed(Self.text(status)))
        }
    }

    /// `ares_strerror` in the probes' style: `misformatted domain name`.
    private static func text(_ status: Int32) -> String { MessageText.lowerFirstWord(String(cString: ares_strerror(status))) }

    /// One query's state, reached from c-ares' callbacks through an unmanaged pointer. Only the
    /// task running `query` touches it: c-ares calls back synchronously, from inside the
    /// `ares_send`, `ares_process_fd` and `ares_destroy` calls that task makes.
    private final class Exchange {
        let watch: Int32
        var status: Int32?
        var reply: [UInt8] = []
        var answeredAt = ContinuousClock.now
        var overTCP = false

        init(watch: Int32) { self.watch = watch }

        /// The socket-state callback: what c-ares wants to hear about `fd` (nothing: forget it).
        func watchSocket(_ fd: Int32, readable: Bool, writable: Bool) {
            guard readable || writable else {
                _ = epoll_ctl(watch, EPOLL_CTL_DEL, fd, nil)
                return
            }
            var event = epoll_event()
            event.events = (readable ? EPOLLIN.rawValue : 0) | (writable ? EPOLLOUT.rawValue : 0)
            event.data.fd = fd
            guard epoll_ctl(watch, EPOLL_CTL_MOD, fd, &event) != 0 else { return }
            _ = epoll_ctl(watch, EPOLL_CTL_ADD, fd, &event)
            var kind: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_TYPE, &kind, &size) == 0, kind == Int32(SOCK_STREAM.rawValue) { overTCP = true }
        }

        func finish(status: Int32, reply: UnsafeMutablePointer<UInt8>?, length: Int32) {
            guard self.status == nil else { return }
            self.status = status
            answeredAt = .now
            if status == ARES_SUCCESS, let reply, length > 0 { self.reply = Array(UnsafeBufferPointer(start: reply, count: Int(length))) }
        }

        /// Hands c-ares the sockets that are ready; with none, lets it act on its timeouts.
        func process(_ channel: ares_channel) {
            var events = [epoll_event](repeating: epoll_event(), count: 16)
            let n = epoll_wait(watch, &events, Int32(events.count), 0)
            guard n > 0 else {
                ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD)
                return
            }
            for event in events.prefix(Int(n)) {
                let fd = event.data.fd
                let readable = event.events & (EPOLLIN.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
                let writable = event.events & EPOLLOUT.rawValue != 0
                ares_process_fd(channel, readable ? fd : ARES_SOCKET_BAD, writable ? fd : ARES_SOCKET_BAD)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
// Glibc's socket types (SOCK_STREAM and the rest) are taken, in a release build, as declared by
// the first C module that includes <sys/socket.h>: c-ares' header does. Without this import
// `make run`'s release build does not find them here (the debug build does).
import CAres
import CVitalsSystem
import Foundation

/// A non-blocking TCP socket whose waits park on the `SocketPoller` under a deadline.
/// Shared by the probes that speak over plain TCP.
package struct TCPConnection: Sendable {
    package let fd: Int32

    package enum Failure: Error {
        case resolve(String)
        case refused
        case timedOut
        case cancelled
        case system(String)
        /// The lane's earlier name lookup has not returned (`BlockingLane`).
        case busy(BlockingLane.Busy)
    }

    package static func open(
        host: String, port: Int, deadline: ContinuousClock.Instant, lane: BlockingLane
    ) async -> Result<TCPConnection, Failure> {
        let resolved = await resolve(host: host, port: port, deadline: deadline, lane: lane)
        let addresses: [Data]
        switch resolved {
        case .success(let a): addresses = a
        case .failure(let f): return .failure(f)
        }
        var last: Failure = .refused
        for address in addresses {
            let result = await connect(address, deadline: deadline)
            switch result {
            case .success: return result
            case .failure(.timedOut), .failure(.cancelled): return result
            case .failure(let f): last = f
            }
        }
        return .failure(last)
    }

    /// The addresses to try, by the deadline. A numeric address is read at once, without DNS and
    /// without a hop to another thread; a name is looked up on the blocking executor (getaddrinfo
    /// blocks, and has no timeout of its own), and the wait for it ends at the deadline. A lookup
    /// left running holds the caller's `lane` until it returns.
    package static func resolve(
        host: String, port: Int, deadline: ContinuousClock.Instant, lane: BlockingLane
    ) async -> Result<[Data], Failure> {
        if case .success(let numeric) = lookup(host: host, port: port, flags: AI_NUMERICHOST) { return .success(numeric) }
        switch await lane.run(abandoningAt: deadline, { lookup(host: host, port: port, flags: 0) }) {
        case .value(let named): return named
        case .gaveUp: return .failure(Task.isCancelled ? .cancelled : .timedOut)
        case .busy(let busy): return .failure(.busy(busy))
        }
    }

    private static func lookup(host: String, port: Int, flags: Int32) -> Result<[Data], Failure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = flags | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { return .failure(.resolve(String(cString: gai_strerror(rc)))) }
        defer { freeaddrinfo(list) }
        var out: [Data] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            out.append(Data(bytes: ai.pointee.ai_addr, count: Int(ai.pointee.ai_addrlen)))
            p = ai.pointee.ai_next
        }
        return .success(out)
    }

    private static func connect(_ address: Data, deadline: ContinuousClock.Instant) async -> Result<TCPConnection, Failure> {
        let family = address.withUnsafeBytes { $0.load(as: sockaddr.self).sa_family }
        let fd = socket(Int32(family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.system("socket: \(String(cString: strerror(vitals_errno())))")) }
        let rc = address.withUnsafeBytes { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if rc != 0 {
            let err = vitals_errno()
            guard err == EINPROGRESS else {
                Glibc.close(fd)
                return .failure(err == ECONNREFUSED ? .refused : .system(String(cString: strerror(err))))
            }
            switch await SocketPoller.shared.wait(fd: fd, for: .writable, deadline: deadline) {
            case .ready: break
            case .timedOut:
                Glibc.close(fd)
                return .failure(.timedOut)
            case .cancelled:
                Glibc.close(fd)
                return .failure(.cancelled)
            case .failed(let e):
                Glibc.close(fd)
                return .failure(.system(String(cString: strerror(e))))
            }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if soError != 0 {
                Glibc.close(fd)
                return .failure(soError == ECONNREFUSED ? .refused : .system(String(cString: strerror(soError))))
            }
        }
        return .success(TCPConnection(fd: fd))
    }

    package func write(_ bytes: [UInt8], deadline: ContinuousClock.Instant) async -> Failure? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
                continue
            }
            let err = vitals_errno()
            guard err == EAGAIN || err == EWOULDBLOCK else { return .system("send: \(String(cString: strerror(err)))") }
            switch await SocketPoller.shared.wait(fd: fd, for: .writable, deadline: deadline) {
            case .ready: continue
            case .timedOut: return .timedOut
            case .cancelled: return .cancelled
            case .failed(let e): return .system(String(cString: strerror(e)))
            }
        }
        return nil
    }

    /// Reads what is available (empty at end of stream).
    package func read(max: Int, deadline: ContinuousClock.Instant) async -> Result<[UInt8], Failure> {
        var buffer = [UInt8](repeating: 0, count: Swift.max(1, max))
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return .success(Array(buffer.prefix(n))) }
            let err = vitals_errno()
            if err == ECONNRESET { return .success([]) }
            guard err == EAGAIN || err == EWOULDBLOCK else { return .failure(.system("recv: \(String(cString: strerror(err)))")) }
            switch await SocketPoller.shared.wait(fd: fd, for: .readable, deadline: deadline) {
            case .ready: continue
            case .timedOut: return .failure(.timedOut)
            case .cancelled: return .failure(.cancelled)
            case .failed(let e): return .failure(.system(String(cString: strerror(e))))
            }
        }
    }

    package func close() { Glibc.close(fd) }
}

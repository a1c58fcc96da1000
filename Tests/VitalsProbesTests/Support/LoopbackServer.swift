import Foundation
import Synchronization

/// A TCP server on 127.0.0.1 for probe tests, on a thread of its own. It can greet, answer
/// after a delay, echo a fixed reply, or accept and never answer (a hung dependency).
final class LoopbackServer: Sendable {
    enum Behaviour: Sendable {
        /// Accept and keep the connection open without ever writing.
        case hang
        /// Write these bytes as soon as the connection is accepted.
        case greet([UInt8])
        /// Greet with the first bytes, then after a pause the rest, so they arrive as two reads.
        case greetInTwo([UInt8], then: [UInt8], after: Duration)
        /// Read a request (up to a blank line or 4 KiB), wait, then write the reply and close.
        case reply([UInt8], after: Duration)
        /// Read a request, write `head`, then `unit` over and over for as long as the peer
        /// reads (a 512 MiB bulk string that never ends). `sent` counts every byte written.
        case stream([UInt8], unit: [UInt8])
    }

    /// Bytes written by `.stream` connections so far.
    var sent: Int { sentBytes.value.load(ordering: .relaxed) }
    private let sentBytes = ByteCount()

    let port: Int
    private let fd: Int32
    private let held = HeldSockets()

    init(_ behaviour: Behaviour) throws {
        let (fd, port) = try LoopbackSocket.bind(SOCK_STREAM, reuseAddress: true)
        self.fd = fd
        self.port = port
        guard listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        let listening = fd
        let held = self.held
        let acceptEnded = self.acceptEnded
        Thread.detachNewThread {
            while true {
                let c = accept(listening, nil, nil)
                if c < 0 {
                    // Only this thread closes the listening socket, once `stop` has shut it:
                    // closed under a blocked accept, its number could be reused by another
                    // test's socket, which this loop would then accept on.
                    if errno == EINTR { continue }
                    Glibc.close(listening)
                    acceptEnded.signal()
                    return
                }
                switch behaviour {
                case .hang:
                    held.add(c)
                case .greet(let bytes):
                    _ = bytes.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    held.add(c)
                case .greetInTwo(let first, let second, let delay):
                    guard held.serve(c) else { continue }
                    Thread.detachNewThread {
                        _ = first.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                        _ = second.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        // Kept open until the server stops (the probe reads to its cap or deadline).
                        var buf = [UInt8](repeating: 0, count: 256)
                        while recv(c, &buf, buf.count, 0) > 0 {}
                        held.release(c)
                    }
                case .reply(let bytes, let delay):
                    Thread.detachNewThread {
                        var buf = [UInt8](repeating: 0, count: 4096)
                        _ = recv(c, &buf, buf.count, 0)
                        Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                        _ = bytes.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        Glibc.close(c)
                    }
                case .stream(let head, let unit):
                    guard held.serve(c) else { continue }
                    let sent = self.sentBytes
                    Thread.detachNewThread {
                        defer { held.release(c) }
                        var buf = [UInt8](repeating: 0, count: 4096)
                        _ = recv(c, &buf, buf.count, 0)
                        let filler = Array([[UInt8]](repeating: unit, count: 64 * 1024 / unit.count).joined())
                        var next = head
                        while true {
                            let n = next.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                            if n <= 0 { return }
                            sent.value.add(n, ordering: .relaxed)
                            next = n < next.count ? Array(next[n...]) : filler
                        }
                    }
                }
            }
        }
    }

    private let stopped = Atomic<Bool>(false)
    private let acceptEnded = DispatchSemaphore(value: 0)

    /// Idempotent: `deinit` calls it too, and closing a descriptor twice could close another
    /// test's socket that reused the number. Shutting the listening socket wakes the accepting
    /// thread, which closes it; `stop` returns once it has.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        acceptEnded.wait()
        held.closeAll()
    }

    deinit { stop() }

    /// A loopback port nothing listens on: bound, never listened on, closed once, no thread.
    static func closedPort() throws -> Int {
        let (fd, port) = try LoopbackSocket.bind(SOCK_STREAM)
        Glibc.close(fd)
        return port
    }
}

/// A byte counter threads share.
final class ByteCount: Sendable {
    let value = Atomic<Int>(0)
}

/// Connections a server keeps open, and who closes each. A connection no thread serves (hung,
/// greeted) is closed by `closeAll`; one a thread serves is only shut down there, which ends the
/// thread's reads and writes, and the thread closes it with `release`. Both under one lock: a
/// descriptor is never used after its close, so a number another test's socket reused is never
/// written to (that once sent one test's bytes into the next test's connection).
final class HeldSockets: Sendable {
    private let fds = Mutex<(idle: Set<Int32>, served: Set<Int32>, stopped: Bool)>(([], [], false))

    /// A connection no thread uses.
    func add(_ fd: Int32) {
        let late = fds.withLock { s -> Bool in
            if s.stopped { return true }
            s.idle.insert(fd)
            return false
        }
        if late { Glibc.close(fd) }
    }

    /// A connection a thread serves; false (and it is closed) when the server has stopped.
    func serve(_ fd: Int32) -> Bool {
        let late = fds.withLock { s -> Bool in
            if s.stopped { return true }
            s.served.insert(fd)
            return false
        }
        if late { Glibc.close(fd) }
        return !late
    }

    /// The serving thread is done with `fd`.
    func release(_ fd: Int32) {
        fds.withLock { s in
            if s.served.remove(fd) != nil { Glibc.close(fd) }
        }
    }

    func closeAll() {
        fds.withLock { s in
            s.stopped = true
            for fd in s.idle { Glibc.close(fd) }
            s.idle = []
            for fd in s.served { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }
}

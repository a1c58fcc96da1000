import Foundation
import FuzzSupport
import Logging
import NIOCore
import NIOEmbedded
import VitalsConfig
import VitalsCore
@testable import VitalsServer

#if canImport(Glibc)
import Glibc
#endif

/// Any bytes as a client's request, sent to the real server (its byte watcher, NIO's HTTP/1
/// codec, the routes over a real health store) on loopback, then the write side is shut. The
/// server must answer and close within 2 s of the end of input, whatever it was sent, and must
/// never crash; it runs in this process, so a crash of the server is a crash of the fuzzer.
/// Then the same bytes, followed by pipelined requests, go to a client that reads nothing
/// (`pipelinedToAClientThatDoesNotRead`).
let store = HealthStore(components: [ComponentSpec(name: "mem", probe: .memory(MemorySettings()))])
let routes = HealthRoutes(source: store, token: Secret("fuzz-token"))
let port: UInt16 = {
    signal(SIGPIPE, SIG_IGN)
    nonisolated(unsafe) var bound: BoundHealthServer?
    let ready = DispatchSemaphore(value: 0)
    Task.detached {  // not on the main actor, which this thread (blocked below) is
        bound = try await HealthServer(listen: ListenAddress(host: "127.0.0.1", port: 0), routes: routes, logger: Logger(label: "fuzz")).bind()
        ready.signal()
    }
    ready.wait()
    // Kept for the process's life: the listening channel stays open while `bound` is referenced.
    let server = bound!
    _ = Unmanaged.passRetained(Box(server))
    return UInt16(server.address.port)
}()

final class Box<T>: @unchecked Sendable {
    // Owned by nobody: leaked on purpose, to keep the server for the fuzzer's lifetime.
    let value: T
    init(_ value: T) { self.value = value }
}

/// The bytes, then 64 pipelined `GET /health/live`, to a connection whose client reads nothing:
/// the server's own handlers on an `EmbeddedChannel` kept unwritable. Whatever the bytes are,
/// the server answers nothing but the refusals that close the connection (NIO's 400 for a bad
/// head, 401 or 413 for a body too large): every request is held, not answered into a buffer
/// the client does not empty (issue 26), so what is pending for it stays under 2 KiB (the 64
/// answers would be over 7 KiB).
func pipelinedToAClientThatDoesNotRead(_ bytes: UnsafeRawBufferPointer) {
    let limits = ServingLimits()
    let connections = Connections(limits: limits)
    let channel = EmbeddedChannel()
    _ = connections.admit(channel)
    try! HealthServer.configure(channel, routes: routes, connections: connections, limits: limits)
    channel.isWritable = false
    channel.pipeline.fireChannelWritabilityChanged()
    var pending = 0
    func collect() {
        while let out = try? channel.readOutbound(as: ByteBuffer.self) { pending += out.readableBytes }
    }
    _ = try? channel.writeInbound(ByteBuffer(bytes: bytes))
    for _ in 0..<64 {
        _ = try? channel.writeInbound(ByteBuffer(string: "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"))
        collect()
    }
    precondition(pending < 2048, "a client that reads nothing was sent \(pending) bytes")
    _ = try? channel.finish()
}

fuzz { bytes in
    pipelinedToAClientThatDoesNotRead(bytes)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(fd >= 0, "socket: \(errno)")
    defer { close(fd) }
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    precondition(connected == 0, "connect: \(errno)")
    var sent = 0
    while sent < bytes.count {
        let n = send(fd, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
        if n <= 0 { break }  // the server closed on a bad head: that is an answer
        sent += n
    }
    shutdown(fd, Int32(SHUT_WR))
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n > 0 { continue }
        if n == 0 || errno == ECONNRESET { break }
        if errno == EINTR { continue }  // libFuzzer's own timer
        fatalError("the server neither answered nor closed within 2 s (errno \(errno))")
    }
}

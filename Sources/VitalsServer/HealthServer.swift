import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization
import VitalsConfig

/// The HTTP server. `bind()` opens the listening socket first, so a start-up failure is reported
/// before anything says "started"; the `BoundHealthServer` it returns is the `Service` that runs
/// beside the scheduler in one `ServiceGroup` and stops with it: on graceful shutdown it stops
/// accepting and closes its connections.
///
/// Plain SwiftNIO with one small handler: the health endpoints are answered on the event loop
/// from cached bytes. Hostile clients are bounded by NIO's HTTP parser limits (a bad request
/// gets 400 and the connection closes at once), a 64 KiB body limit, a deadline for a whole
/// request and an idle timeout (`RequestClock`), and caps on connections in total and per
/// client address whose eviction rule keeps room for kubelet (`ConnectionTable`). A client that
/// does not read its answers gets backpressure: it holds a bounded amount of memory
/// (`HealthServer.Buffers`), has a stall deadline, and stalled connections are capped.
public struct HealthServer: Sendable {
    let listen: ListenAddress
    let routes: HealthRoutes
    let logger: Logger
    let limits: ServingLimits
    let onListening: @Sendable (Int) -> Void

    public init(
        listen: ListenAddress, routes: HealthRoutes, logger: Logger, limits: ServingLimits = ServingLimits(),
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.listen = listen
        self.routes = routes
        self.logger = logger
        self.limits = limits
        self.onListening = onListening
    }

    /// Binds the listening socket, so that a caller can report a busy or forbidden address
    /// (`cannot listen on 127.0.0.1:8080: address already in use`) before it says it started.
    public func bind() async throws(ListenError) -> BoundHealthServer {
        let connections = Connections(limits: limits)
        let (routes, limits) = (self.routes, self.limits)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // TCP_NODELAY is a TCP-level option: at the socket level its number (1) is SO_DEBUG,
            // which a non-root process may not set, and NIO then closes every accepted connection.
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: Buffers.writeWaterMark)
            .childChannelOption(.recvAllocator, value: Buffers.receiveAllocator)
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelOption(.socketOption(.so_sndbuf), value: Buffers.socketSendBuffer)
            .childChannelInitializer { channel in
                guard connections.admit(channel) else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in connections.remove(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try Self.configure(channel, routes: routes, connections: connections, limits: limits)
                }
            }
        let server: any Channel
        do {
            server = try await bootstrap.bind(host: listen.host, port: listen.port).get()
        } catch {
            throw ListenError(address: "\(listen.host):\(listen.port)", underlying: error)
        }
        let port = server.localAddress?.port ?? listen.port
        logger.debug("listening", metadata: ["address": "\(listen.host):\(port)"])
        onListening(port)
        return BoundHealthServer(server: server, connections: connections, address: ListenAddress(host: listen.host, port: port))
    }
}

extension HealthServer {
    /// A connection's handlers: the byte watcher, NIO's HTTP/1 codec and pipelining, and the
    /// answering handler, sharing one `ConnectionGuard`. On the channel's event loop.
    static func configure(_ channel: any Channel, routes: HealthRoutes, connections: Connections, limits: ServingLimits) throws {
        let guardian = ConnectionGuard(channel: channel, connections: connections, limits: limits)
        let pipeline = channel.pipeline.syncOperations
        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
        try pipeline.addHandler(RequestBytesWatcher(guardian), position: .first)
        try pipeline.addHandler(HealthHTTPHandler(routes: routes, guardian: guardian))
    }

    /// What one connection may hold in memory, and so what all of them may (issue 26: a client
    /// pipelining requests without reading the answers grew a replica by 650 MB in 8 s).
    ///
    /// Per connection, answers: `HealthHTTPHandler` answers a request only while the channel is
    /// writable, i.e. NIO holds under `writeWaterMark.high` (16 KiB) of unsent bytes; the answer
    /// written then can take it over by at most that one answer (A: 100-odd bytes for the probe
    /// endpoints; the largest, `/metrics` or a status page, a few MB with thousands of
    /// components). Before NIO holds anything, the kernel's send buffer takes what the client
    /// has not read: left to autotuning it grows to 4 MB a connection (charged to the pod's
    /// memory cgroup, and about 27,000 answers of work for a client that reads none), so it is
    /// fixed at `socketSendBuffer` (32 KiB; Linux doubles it for its bookkeeping): a client
    /// that reads nothing stalls after a few hundred small answers. Requests: while an answer is
    /// pending, NIO's pipelining handler reads no more from the socket, and buffers what the last
    /// read decoded: one read is at most `receiveAllocator`'s 8 KiB, at most ~280 of the
    /// smallest requests, about 50 KiB decoded (R). The rest waits in the kernel's socket
    /// buffer. One read per connection per turn of the event loop (`maxMessagesPerRead`), so
    /// a busy connection cannot keep kubelet's waiting.
    ///
    /// All connections: a writable one holds under 16 KiB of answers (and at most one read of
    /// requests while a slow answer is made); only a stalled one (not writable) holds up to
    /// 16 KiB + A + R, and at most `ServingLimits.maxStalledConnections` (64) are stalled at
    /// once. With the default 4096 connections, in the worst case of every one of them
    /// holding all it may: 4096 × 16 KiB = 64 MiB, plus 64 × (A + R) ≈ 4 MiB for the probe
    /// endpoints' answers (64 × A for large ones); in the kernel, at most 64 KiB a connection.
    /// Past the cap the connection stalled longest is closed, and each is closed `stallTimeout`
    /// (10 s) after its client last took any of its answers.
    enum Buffers {
        static let writeWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 8 * 1024, high: 16 * 1024)
        static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 8 * 1024)
        static let socketSendBuffer: SocketOptionValue = 32 * 1024
    }
}

/// The server once its socket is bound: serves until graceful shutdown (or cancellation), then
/// stops accepting and closes its connections.
public struct BoundHealthServer: Service {
    let server: any Channel
    let connections: Connections
    /// Where it listens, with the port the system chose for `:0`.
    public let address: ListenAddress

    public func run() async throws {
        try? await gracefulShutdown()
        try? await server.close()
        connections.closeAll()
    }
}

/// Why the server could not listen, worded for a person: the address and the system's reason.
public struct ListenError: Error, CustomStringConvertible {
    public let address: String
    let underlying: any Error

    public var description: String {
        let reason: String
        if let io = underlying as? IOError {
            reason = String(cString: strerror(io.errnoCode)).lowercased()
        } else {
            reason = "\(underlying)"
        }
        return "cannot listen on \(address): \(reason)"
    }
}

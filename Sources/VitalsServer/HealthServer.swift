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
/// client address whose eviction rule keeps room for kubelet (`ConnectionTable`).
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
            .childChannelInitializer { channel in
                guard connections.admit(channel) else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in connections.remove(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    let guardian = ConnectionGuard(channel: channel, connections: connections, limits: limits)
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(RequestBytesWatcher(guardian), position: .first)
                    try pipeline.addHandler(HealthHTTPHandler(routes: routes, guardian: guardian))
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

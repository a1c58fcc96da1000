import VitalsConfig

/// What one client, and all clients together, may hold of the server and for how long.
///
/// The connection caps come from `server.max_connections` and
/// `server.max_connections_per_client`; the deadlines are fixed for users (a request that takes
/// more than a few seconds to send is not kubelet's) and shortened by tests.
public struct ServingLimits: Sendable, Equatable {
    public var maxConnections: Int
    public var maxConnectionsPerClient: Int
    /// A request, head and body, must arrive in full this long after its first byte.
    public var requestTimeout: Duration
    /// A keep-alive connection is closed after this long without a new request.
    public var idleTimeout: Duration
    /// A client that does not read its answers is closed after this long without taking any
    /// (a large answer's 64 KiB parts each count as taken).
    public var stallTimeout: Duration
    /// How many connections may be stalled (not reading their answers) at once, all clients
    /// together; past it the one stalled longest is closed. What this bounds: `HealthServer.Buffers`.
    public var maxStalledConnections: Int

    public init(
        maxConnections: Int = ServerConfig.defaultMaxConnections,
        maxConnectionsPerClient: Int = ServerConfig.defaultMaxConnectionsPerClient,
        requestTimeout: Duration = .seconds(5), idleTimeout: Duration = .seconds(60),
        stallTimeout: Duration = .seconds(10), maxStalledConnections: Int = 64
    ) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.stallTimeout = stallTimeout
        self.maxStalledConnections = maxStalledConnections
    }

    /// The caps a config sets, with the fixed deadlines.
    public init(_ server: ServerConfig) {
        self.init(maxConnections: server.maxConnections, maxConnectionsPerClient: server.maxConnectionsPerClient)
    }

    var clock: RequestClock { RequestClock(requestTimeout: requestTimeout, idleTimeout: idleTimeout, stallTimeout: stallTimeout) }
}

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

    public init(
        maxConnections: Int = ServerConfig.defaultMaxConnections,
        maxConnectionsPerClient: Int = ServerConfig.defaultMaxConnectionsPerClient,
        requestTimeout: Duration = .seconds(5), idleTimeout: Duration = .seconds(60)
    ) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
    }

    /// The caps a config sets, with the fixed deadlines.
    public init(_ server: ServerConfig) {
        self.init(maxConnections: server.maxConnections, maxConnectionsPerClient: server.maxConnectionsPerClient)
    }

    var clock: RequestClock { RequestClock(requestTimeout: requestTimeout, idleTimeout: idleTimeout) }
}

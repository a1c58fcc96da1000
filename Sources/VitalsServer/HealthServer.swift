import Hummingbird
import HummingbirdCore
import Logging
import VitalsConfig

/// Builds the HTTP server as a `Service`, so it runs beside the scheduler in one
/// `ServiceGroup` and shuts down gracefully with it.
public enum HealthServer {
    /// Cap on concurrent connections: past it the server stops accepting until some close.
    public static let maxConnections = 4096

    public static func make(
        listen: ListenAddress, source: any HealthSource, token: Secret?, extras: ServerExtras = ServerExtras(),
        logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let responder = HealthResponder(source: source, token: token, extras: extras)
        // Small header limits: health requests are tiny, and a hostile client must get a 4xx
        // (or a closed connection), never memory growth.
        let http1 = HTTP1Channel.Configuration(
            idleTimeout: .seconds(60),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100))
        return Application(
            responder: responder,
            server: .http1(configuration: http1),
            configuration: ApplicationConfiguration(
                address: .hostname(listen.host, port: listen.port),
                serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(maxConnections)),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? listen.port) },
            logger: logger)
    }
}

import Logging
import ServiceLifecycle
import VitalsCore

/// Logs every component and service status change, with the message that explains it, until
/// shutdown: the line a person reads first when a pod went unready.
///
/// A first result that is healthy is only logged at debug level: with ten thousand components
/// a start would otherwise print ten thousand lines that say nothing went wrong.
struct StatusLogService: Service {
    let store: HealthStore
    let logger: Logger

    func run() async throws {
        let events = store.events()
        try await cancelWhenGracefulShutdown {
            for await event in events { log(event) }
        }
    }

    func log(_ event: HealthEvent) {
        switch event {
        case .component(let name, let from, let to, _, let message):
            logger.log(
                level: Self.level(from: from, to: to), "component status changed",
                metadata: ["component": "\(name)", "from": "\(from.rawValue)", "to": "\(to.rawValue)", "message": "\(message)"])
        case .service(let from, let to, _):
            logger.log(level: Self.level(from: from, to: to), "service status changed", metadata: ["from": "\(from.rawValue)", "to": "\(to.rawValue)"])
        }
    }

    /// Unhealthy is an error, degraded a warning, recovery news; a healthy first result is detail.
    static func level(from: HealthStatus, to: HealthStatus) -> Logger.Level {
        switch to {
        case .unhealthy: .error
        case .degraded: .warning
        case .healthy, .unknown: from == .unknown ? .debug : .info
        }
    }
}

import Logging
import ServiceLifecycle
import VitalsCore

/// Logs every component and service status change, with the message that explains it, until
/// shutdown: the line a person reads first when a pod went unready.
///
/// A service change carries its reason: the components whose status changed since the
/// previous service change, worst first, with their messages (`orders-db unhealthy: timeout
/// after 2s`), so the line says which components made it change.
///
/// A first result that is healthy is only logged at debug level: with ten thousand components
/// a start would otherwise print ten thousand lines that say nothing went wrong.
public struct StatusLogService: Service {
    let store: HealthStore
    let logger: Logger

    public init(store: HealthStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func run() async throws {
        let events = store.events()
        await cancelWhenGracefulShutdown {
            var reasons = ServiceReasons()
            for await event in events { log(event, reasons: &reasons) }
        }
    }

    func log(_ event: HealthEvent, reasons: inout ServiceReasons) {
        switch event {
        case .component(let name, let from, let to, _, let message):
            reasons.changed[name] = FailingComponent(component: name, status: to, message: message)
            logger.log(
                level: Self.level(from: from, to: to), "component status changed",
                metadata: ["component": "\(name)", "from": "\(from.rawValue)", "to": "\(to.rawValue)", "message": "\(message)"])
        case .service(let from, let to, _):
            var fields: Logger.Metadata = ["from": "\(from.rawValue)", "to": "\(to.rawValue)"]
            // None when no component changed (a reload removing one).
            let reason = reasons.take()
            if !reason.isEmpty { fields["reason"] = "\(reason)" }
            logger.log(level: Self.level(from: from, to: to), "service status changed", metadata: fields)
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

/// The component changes since the last service change (at most one entry per component).
struct ServiceReasons {
    var changed: [String: FailingComponent] = [:]

    /// The reason of a service change, and a fresh start for the next one.
    mutating func take() -> String {
        defer { changed = [:] }
        return FailingComponent.reason(changed.values.sorted(by: FailingComponent.worstFirst), messages: true)
    }
}

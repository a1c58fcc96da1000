import Foundation
import Logging
import ServiceLifecycle
import VitalsConfig
import VitalsCore

/// `push_gateway: { url, job, interval }`: the daemon pushes the gauges of `/metrics` to a
/// Pushgateway every `interval`, for a process no Prometheus scrapes (spec section 11). The
/// push itself is `PushGateway`'s, the same as `vitals check --push-gateway`.
///
/// The settings are read again before every push, so a reload that adds, changes or removes
/// `push_gateway` takes effect at the next one. A failed push is logged (once per failure
/// streak at warning level, then at debug) and tried again at the next interval.
struct PushService: Service {
    let store: HealthStore
    /// The current config's `push_gateway` and `service.name`.
    let settings: @Sendable () -> (PushGatewayConfig?, String)
    let logger: Logger

    /// How often an unconfigured daemon looks whether a reload configured a push.
    static let idleCheck: Duration = .seconds(5)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                let (config, name) = settings()
                guard let config else {
                    try? await Task.sleep(for: Self.idleCheck)
                    continue
                }
                do throws(PushError) {
                    let gateway = try PushGateway(url: config.url.value, job: config.job)
                    try await gateway.push(PushGateway.exposition(store.snapshot(), name: name))
                    if failing { logger.info("push to the Pushgateway works again", metadata: ["job": "\(config.job)"]) }
                    failing = false
                } catch {
                    logger.log(level: failing ? .debug : .warning, "push to the Pushgateway failed", metadata: ["error": "\(error.description)"])
                    failing = true
                }
                try? await Task.sleep(for: config.interval)
            }
        }
    }
}

import Logging
import VitalsConfig
import VitalsCore
import VitalsProbes

/// `fleet.location_canary`: URLs outside every target that this location should always reach.
/// When every one of them fails too, the location's own network is blamed rather than the
/// targets, and its reports are left out of the quorum (spec section 14). Probed with the HTTP
/// probe components use, a 2xx or 3xx answer within `timeout` counting as reached.
enum LocationCanary {
    static let timeout: Duration = .seconds(5)

    /// A check that answers true when every canary fails; nil without canaries. A URL the
    /// HTTP probe refuses was refused by the config already; it is logged and left out here.
    static func check(_ urls: [String], logger: Logger) -> (@Sendable () async -> Bool)? {
        var probes: [HTTPProbe] = []
        for url in urls {
            do {
                probes.append(try HTTPProbe(settings: HTTPSettings(url: url), timeout: timeout))
            } catch {
                logger.error("location canary left out", metadata: ["url": "\(url)", "reason": "\(error)"])
            }
        }
        guard !probes.isEmpty else { return nil }
        return { [probes] in
            for probe in probes where await probe.run(deadline: .now + timeout).success { return false }
            return true
        }
    }
}

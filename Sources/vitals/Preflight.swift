import VitalsConfig
import VitalsCore
import VitalsProbes

/// What `run` refuses beyond the config's own checks: settings a probe cannot use (a DSN libpq
/// cannot parse, an option it does not know). `validate`, `check`, `run` and a reload all come
/// through here, so `validate` exiting 0 means `run` starts, and every refusal is reported at
/// once, each at its component's line, rather than the first one per attempt.
enum Preflight {
    /// A probe for each component of `config`, or every component's refusal. All components
    /// are checked, a sharded replica's included: every replica agrees on whether a config is
    /// valid, whichever components it owns.
    static func components(of config: Config) throws(ConfigErrors) -> [ScheduledComponent] {
        var built: [ScheduledComponent] = []
        var refused: [ConfigError] = []
        for spec in config.components {
            do {
                built.append(ScheduledComponent(spec: spec, probe: try ProbeFactory.probe(for: spec)))
            } catch {
                let key = (error as? ProbeSetupError)?.key
                let location = key.flatMap { spec.keyLocations[$0] } ?? spec.location
                refused.append(ConfigError(location: location, path: "components[\(spec.name)]" + (key.map { ".\($0)" } ?? ""), message: "\(error)"))
            }
        }
        guard refused.isEmpty else { throw ConfigErrors(refused) }
        return built
    }
}

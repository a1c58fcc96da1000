/// `fleet:` (spec section 14): replicas sharing one PostgreSQL form a fleet of no fixed size.
/// Each member holds a lease in the database and probes its share of its location's
/// components; this is what the config says about that, and nothing of how it is done.
public struct FleetSpec: Sendable, Equatable {
    /// A member that has not renewed its membership for this long is gone (default 10s).
    public var lease: Duration = FleetSpec.defaultLease
    /// Where this member probes from (`--location` > `VITALS_LOCATION` > this; default "default").
    public var location: String = FleetSpec.defaultLocation
    /// Locations that must agree on a failure; nil: a majority of the fresh ones.
    public var quorum: Int? = nil
    /// URLs that, when they fail too, blame this location's own network rather than the targets.
    public var locationCanary: [String] = []
    /// Where `fleet:` was written, for messages about it.
    public var sourceLocation = SourceLocation(file: "<memory>", line: 0, column: 0)

    public static let defaultLease: Duration = .seconds(10)
    public static let defaultLocation = "default"
    /// Shorter leases would be renewed more often than a database round trip can be trusted to take.
    public static let minLease: Duration = .seconds(1)
    public static let maxLease: Duration = .seconds(3600)

    public init(lease: Duration = FleetSpec.defaultLease, location: String = FleetSpec.defaultLocation, quorum: Int? = nil, locationCanary: [String] = []) {
        self.lease = lease
        self.location = location
        self.quorum = quorum
        self.locationCanary = locationCanary
    }

    /// Whether a component is probed from `location`: its `locations:` names it, or it names none.
    public static func probes(_ component: ComponentSpec, from location: String) -> Bool {
        component.locations.isEmpty || component.locations.contains(location)
    }
}

extension Config {
    /// The location given on the command line or in the environment, put in place of
    /// `fleet.location`: `--location` first, then `VITALS_LOCATION`, then the file. Throws
    /// when the name is not a valid one, or when `--location` is given to a config with no
    /// `fleet:` (an environment variable may be set for every process, so it is ignored then).
    public func withLocation(flag: String?, environment: [String: String]) throws(ConfigErrors) -> Config {
        let here = SourceLocation(file: file, line: 0, column: 0)
        let given: (name: String, from: String)? =
            flag.map { ($0, "--location") } ?? environment["VITALS_LOCATION"].flatMap { $0.isEmpty ? nil : ($0, "VITALS_LOCATION") }
        guard let given else { return self }
        guard Syntax.isName(given.name) else {
            throw ConfigErrors([ConfigError(location: here, path: given.from, message: "\"\(given.name)\" is not a valid location name: \(Syntax.nameRule)")])
        }
        guard var fleet else {
            if given.from == "--location" {
                throw ConfigErrors([ConfigError(location: here, path: "--location", message: "this config has no fleet: section, so no location")])
            }
            return self
        }
        fleet.location = given.name
        var out = self
        out.fleet = fleet
        return out
    }
}

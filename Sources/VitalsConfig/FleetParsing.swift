import Foundation
import Yams

/// `fleet:`, and a component's `locations:`.
extension ConfigParser {
    static let fleetKeys = ["lease", "location", "quorum", "location_canary"]

    /// `storage` must already be parsed: a fleet's only shared state is PostgreSQL.
    func parseFleet(_ node: Node, storage: StorageConfig) -> FleetSpec? {
        guard let f = Fields(node, reader: reader, file: file, path: "fleet", allowed: Self.fleetKeys, structured: ["location_canary"])
        else { return nil }
        var fleet = FleetSpec()
        fleet.sourceLocation = reader.location(node, file)
        if let lease = f.duration("lease") {
            if lease < FleetSpec.minLease || lease > FleetSpec.maxLease {
                f.error("lease", "must be between \(DurationFormat.short(FleetSpec.minLease)) and \(DurationFormat.short(FleetSpec.maxLease))")
            } else {
                fleet.lease = lease
            }
        }
        if let location = f.string("location") {
            if Syntax.isName(location) {
                fleet.location = location
            } else {
                f.error("location", "\"\(location)\" is not a valid location name: \(Syntax.nameRule)")
            }
        }
        if let q = f.int("quorum", min: 1, max: 1000) { fleet.quorum = q }
        if let urls = f.stringList("location_canary") {
            for (i, u) in urls.enumerated() where !Syntax.isHTTPURL(u) {
                reader.error(f.value("location_canary")?.sequence?[i], in: file, f.sub("location_canary") + "[\(i)]",
                    "expected an http:// or https:// URL with a host")
            }
            fleet.locationCanary = urls.filter(Syntax.isHTTPURL)
        }
        if storage.kind != .postgres {
            reader.error(node, in: file, "fleet",
                "a fleet shares its members and results through PostgreSQL: set storage.type to postgres (this is \(storage.kind.rawValue))")
            return nil
        }
        return fleet
    }

    /// A component's `locations: [fra, iad]`: names, each valid.
    func parseLocations(_ f: Fields) -> [String] {
        guard let names = f.stringList("locations") else { return [] }
        for (i, name) in names.enumerated() where !Syntax.isName(name) {
            reader.error(f.value("locations")?.sequence?[i], in: f.file, f.sub("locations") + "[\(i)]",
                "\"\(name)\" is not a valid location name: \(Syntax.nameRule)")
        }
        return names.filter(Syntax.isName)
    }
}

import Foundation
import Testing
@testable import VitalsConfig

/// `fleet:`, components' `locations:` and the location's precedence (spec section 14).
struct FleetConfigTests {
    static let postgres = "storage: { type: postgres, dsn: \"postgres://vitals@127.0.0.1/vitals\" }\n"

    @Test func everyKeyAndTheDefaults() throws {
        let config = try parsed(Self.postgres + """
            fleet:
              lease: 6s
              location: fra
              quorum: 2
              location_canary: ["https://canary.internal/", "http://127.0.0.1:9/"]
            components:
              - { name: a, type: tcp, address: "127.0.0.1:1", locations: [fra, iad] }
              - { name: b, type: tcp, address: "127.0.0.1:1" }
            """)
        var expected = FleetSpec(lease: .seconds(6), location: "fra", quorum: 2, locationCanary: ["https://canary.internal/", "http://127.0.0.1:9/"])
        expected.sourceLocation = SourceLocation(file: "c.yaml", line: 3, column: 3)
        #expect(config.fleet == expected)
        #expect(config.components.map(\.locations) == [["fra", "iad"], []])
        #expect(FleetSpec.probes(config.components[0], from: "fra"))
        #expect(!FleetSpec.probes(config.components[0], from: "sin"))
        #expect(FleetSpec.probes(config.components[1], from: "sin"))

        let defaults = try parsed(Self.postgres + "fleet: {}\n")
        #expect(defaults.fleet?.lease == .seconds(10))
        #expect(defaults.fleet?.location == "default")
        #expect(defaults.fleet?.quorum == nil)
        #expect(try parsed(Self.postgres).fleet == nil)
    }

    @Test func badValuesAreReportedAtTheirLine() {
        let cases: [(String, String)] = [
            ("fleet: { lease: 500ms }\n", "c.yaml:2:17: fleet.lease: must be between 1s and 1h"),
            ("fleet: { lease: soon }\n", #"c.yaml:2:17: fleet.lease: expected a duration with a unit such as 250ms, 2s, 5m, 1h or 7d, got "soon""#),
            ("fleet: { location: Frankfurt }\n", #"c.yaml:2:20: fleet.location: "Frankfurt" is not a valid location name: use [a-z0-9][a-z0-9_.-]*"#),
            ("fleet: { quorum: 0 }\n", "c.yaml:2:18: fleet.quorum: must be at least 1"),
            ("fleet: { location_canary: [\"ftp://x/\"] }\n", "c.yaml:2:28: fleet.location_canary[0]: expected an http:// or https:// URL with a host"),
            ("fleet: { location_canary: \"http://x/\" }\n", "c.yaml:2:27: fleet.location_canary: expected a list, got a single value"),
            ("fleet: { leese: 5s }\n", "c.yaml:2:10: fleet.leese: unknown key (did you mean lease?)"),
            ("fleet: [a]\n", "c.yaml:2:8: fleet: expected a mapping of keys, got a list"),
            ("components:\n  - { name: a, type: tcp, address: \"127.0.0.1:1\", locations: [Fra] }\n",
                #"c.yaml:3:63: components[a].locations[0]: "Fra" is not a valid location name: use [a-z0-9][a-z0-9_.-]*"#),
        ]
        for (yaml, expected) in cases {
            #expect(errors(Self.postgres + yaml) == [expected], "\(yaml)")
        }
    }

    @Test func aFleetNeedsPostgres() {
        #expect(errors("fleet: { lease: 5s }\n") == [
            "c.yaml:1:8: fleet: a fleet shares its members and results through PostgreSQL: set storage.type to postgres (this is memory)",
        ])
        #expect(errors("storage: { type: sqlite, path: x.db }\nfleet: {}\n").first?.hasSuffix("(this is sqlite)") == true)
    }

    @Test func theFlagOverTheEnvironmentOverTheFile() throws {
        let config = try parsed(Self.postgres + "fleet: { location: fra }\n")
        #expect(try config.withLocation(flag: nil, environment: [:]).fleet?.location == "fra")
        #expect(try config.withLocation(flag: nil, environment: ["VITALS_LOCATION": "iad"]).fleet?.location == "iad")
        #expect(try config.withLocation(flag: nil, environment: ["VITALS_LOCATION": ""]).fleet?.location == "fra")
        #expect(try config.withLocation(flag: "sin", environment: ["VITALS_LOCATION": "iad"]).fleet?.location == "sin")
        #expect(throws: ConfigErrors.self) { try config.withLocation(flag: "Bad Name", environment: [:]) }
        #expect(throws: ConfigErrors.self) { try config.withLocation(flag: nil, environment: ["VITALS_LOCATION": "a/b"]) }
        // No fleet: the environment (set for every process, perhaps) is ignored; the flag is an error.
        let alone = try parsed(Self.postgres)
        #expect(try alone.withLocation(flag: nil, environment: ["VITALS_LOCATION": "iad"]).fleet == nil)
        do {
            _ = try alone.withLocation(flag: "iad", environment: [:])
            Issue.record("--location without fleet: was accepted")
        } catch {
            #expect(error.description.contains("--location: this config has no fleet: section"))
        }
    }
}

import Testing
import VitalsConfig
@testable import VitalsServer

/// The limits a config that sets none of `server:`'s gets, as the daemon makes them
/// (`ServingLimits(config.server)`): the deadlines README documents (a request head within 5 s
/// of its first byte, 60 s idle, 10 s for a client that takes none of its answers) and the
/// default connection caps. `SlowClientDefaultTests` sees the 5 s and 60 s on the real binary.
struct ServingLimitsTests {
    @Test func aConfigWithoutServerLimitsGetsTheDocumentedDefaults() throws {
        let config = try ConfigLoader.parse(yaml: "components:\n  - { name: m, type: memory }\n", file: "c.yaml", environment: [:])
        let limits = ServingLimits(config.server)
        #expect(limits.requestTimeout == .seconds(5))
        #expect(limits.idleTimeout == .seconds(60))
        #expect(limits.stallTimeout == .seconds(10))
        #expect(limits.maxStalledConnections == 64)
        #expect(limits.maxConnections == ServerConfig.defaultMaxConnections)
        #expect(limits.maxConnectionsPerClient == ServerConfig.defaultMaxConnectionsPerClient)
        let clock = limits.clock
        #expect(clock.opened == .arm(.seconds(5)))
    }
}

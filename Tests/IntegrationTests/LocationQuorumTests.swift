import Foundation
import Testing
import VitalsTestSupport

@testable import VitalsStorage

/// Three real daemons, each its own location (`--location`), against one real PostgreSQL: each
/// probes every component, applies its own hysteresis, writes its location's state, reads the
/// others', and shows the quorum's verdict (spec section 14).
///
/// A target unreachable from some locations only: each member's config gives it the address its
/// own network would reach the target at, the open port or a closed one (127.0.0.1:1), as a
/// per-location `${VAR}` would.
///
/// Nested in PostgresStorageTests, which is serialized: one of its tests restarts the server.
extension PostgresStorageTests {
    @Suite struct LocationQuorumTests {
        /// `one-down` cannot be reached from sgp, `two-down` from nyc and sgp; `all-up` from all.
        static func body(_ db: Database, target: Int, location: String, canary: String? = nil) -> String {
            let up = "127.0.0.1:\(target)", down = "127.0.0.1:1"
            let oneDown = location == "sgp" ? down : up
            let twoDown = location == "fra" ? up : down
            let fleet = canary.map { "fleet: { location_canary: [\"\($0)\"] }\n" } ?? "fleet: {}\n"
            return """
                defaults: { interval: 200ms, timeout: 150ms }
                \(db.storageSection)\(fleet)components:
                  - { name: one-down, type: tcp, address: "\(oneDown)" }
                  - { name: two-down, type: tcp, address: "\(twoDown)" }
                  - { name: all-up, type: tcp, address: "\(up)" }

                """
        }

        static func component(_ member: VitalsProcess, _ name: String, query: String = "") async throws -> [String: Any] {
            try #require(jsonObject(try await member.get("/api/v1/components/\(name)\(query)").body))
        }

        /// Waits until `member` shows every location of every component counted or left out as
        /// `settled` says, then answers its view of the three.
        static func settle(_ member: VitalsProcess, _ settled: @escaping ([String: [String: Any]]) -> Bool) async throws -> [String: [String: Any]] {
            var seen: [String: [String: Any]] = [:]
            _ = try await member.waitFor("/health/detailed", timeout: .seconds(30)) { _, body in
                guard let comps = jsonObject(body)?["components"] as? [[String: Any]] else { return false }
                seen = Dictionary(comps.compactMap { c in (c["name"] as? String).map { ($0, c) } }, uniquingKeysWith: { a, _ in a })
                return settled(seen)
            }
            return seen
        }

        /// One member per location, all on `db`; `canary` gives a location its canary URL.
        static func members(_ db: Database, _ target: TCPTarget, canary: (String) -> String? = { _ in nil }) throws -> [VitalsProcess] {
            try ["fra", "nyc", "sgp"].map { l in
                try VitalsProcess(configBody: Self.body(db, target: target.port, location: l, canary: canary(l)), arguments: ["run", "--location", l])
            }
        }

        static func locations(_ c: [String: Any]?) -> [[String: Any]] { (c?["locations"] as? [[String: Any]]) ?? [] }
        static func counted(_ c: [String: Any]?) -> [String] {
            locations(c).filter { $0["counted"] as? Bool == true }.compactMap { $0["location"] as? String }
        }

        @Test func unreachableFromOneLocationIsPartialFromTwoUnhealthy() async throws {
            let db = try Database()
            defer { db.drop() }
            let target = try TCPTarget()
            try target.open()
            defer { target.close() }
            let members = try Self.members(db, target)
            defer { for m in members { m.stop() } }
            for m in members {
                let seen = try await Self.settle(m) { seen in
                    ["one-down", "two-down", "all-up"].allSatisfy { Self.counted(seen[$0]) == ["fra", "nyc", "sgp"] }
                        && seen["two-down"]?["status"] as? String == "unhealthy" && seen["one-down"]?["status"] as? String == "degraded"
                }
                let one = seen["one-down"], two = seen["two-down"], up = seen["all-up"]
                #expect(one?["partial"] as? Bool == true)
                #expect(one?["failing_locations"] as? [String] == ["sgp"])
                #expect(Self.locations(one).map { $0["status"] as? String } == ["healthy", "healthy", "unhealthy"])
                #expect(two?["partial"] as? Bool == false)
                #expect(two?["failing_locations"] as? [String] == ["nyc", "sgp"])
                #expect(up?["status"] as? String == "healthy")
                #expect(up?["partial"] as? Bool == false)
                #expect(Self.locations(up).allSatisfy { ($0["latency_ms"] as? Double).map { $0 >= 0 } ?? false })
            }
            // The API: every location side by side, or one with ?location=.
            let one = try await Self.component(members[0], "one-down")
            #expect(one["status"] as? String == "degraded")
            #expect(one["quorum"] as? Int == 2)
            #expect(Self.locations(one).compactMap { $0["location"] as? String } == ["fra", "nyc", "sgp"])
            let only = try await Self.component(members[0], "one-down", query: "?location=sgp")
            #expect(Self.locations(only).compactMap { $0["location"] as? String } == ["sgp"])
            #expect(Self.locations(only).first?["status"] as? String == "unhealthy")
            let list = try #require(jsonObject(try await members[1].get("/api/v1/components?location=nyc").body)?["components"] as? [[String: Any]])
            #expect(list.count == 3)
            #expect(list.allSatisfy { Self.locations($0).compactMap { $0["location"] as? String } == ["nyc"] })
            // Metrics: each location's status beside the existing families.
            let metrics = try await members[2].get("/metrics").body
            #expect(metrics.contains(#"vitals_location_status{component="one-down",type="tcp",location="sgp",status="unhealthy"} 1"#))
            #expect(metrics.contains(#"vitals_location_status{component="one-down",type="tcp",location="fra",status="healthy"} 1"#))
            #expect(metrics.contains(#"vitals_component_partial{component="one-down",type="tcp"} 1"#))
            #expect(metrics.contains(#"vitals_component_status{component="two-down",type="tcp",status="unhealthy"} 1"#))
            try Promtool.checkMetrics(metrics)
            // The component page: a table of the locations.
            let page = try await members[0].get("/components/one-down").body
            #expect(page.contains("<h2>Locations</h2>"))
            #expect(page.contains("degraded in 1 of 3 locations"))
            // Stored results carry their location.
            #expect(try db.psql("SELECT string_agg(DISTINCT location, ',' ORDER BY location) FROM results") == "fra,nyc,sgp")
            #expect(try db.psql("SELECT string_agg(location || '=' || status, ',' ORDER BY location) FROM location_status WHERE component = 'one-down'")
                == "fra=healthy,nyc=healthy,sgp=unhealthy")
            #expect(try db.psql("SELECT max(version) FROM vitals_schema") == "\(PostgresSchema.version)")
        }

        /// sgp's canary fails (a closed port; the others' is their own liveness endpoint, which
        /// answers): its own network is blamed, and every member leaves its reports out.
        /// `one-down` (unreachable from sgp only) is then healthy; `two-down` is a partial failure
        /// of the two locations left.
        @Test func aLocationWhoseCanaryFailsIsLeftOut() async throws {
            let db = try Database()
            defer { db.drop() }
            let target = try TCPTarget()
            try target.open()
            defer { target.close() }
            let members = try Self.members(db, target) { $0 == "sgp" ? "http://127.0.0.1:1/" : "http://127.0.0.1:%PORT%/health/live" }
            defer { for m in members { m.stop() } }
            for m in [members[0], members[2]] {
                let seen = try await Self.settle(m) { seen in
                    ["one-down", "two-down"].allSatisfy { Self.counted(seen[$0]) == ["fra", "nyc"] && Self.locations(seen[$0]).count == 3 }
                }
                let one = seen["one-down"], two = seen["two-down"]
                #expect(one?["status"] as? String == "healthy")
                #expect(Self.locations(one).first { $0["location"] as? String == "sgp" }?["left_out"] as? String == "canary")
                #expect(two?["status"] as? String == "degraded")
                #expect(two?["partial"] as? Bool == true)
                #expect(two?["failing_locations"] as? [String] == ["nyc"])
            }
            #expect(try db.psql("SELECT string_agg(location || '=' || failed, ',' ORDER BY location) FROM location_canary") == "fra=false,nyc=false,sgp=true")
        }
    }
}

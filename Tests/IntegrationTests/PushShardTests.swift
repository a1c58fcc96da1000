import Foundation
import Testing

/// A push that lands on a sharded replica which does not own its component (spec section 12):
/// written to the shared store, taken by the owner, recorded once and judged there.
extension PostgresStorageTests {
    @Test func aPushOnAnotherShardIsRecordedOnceByItsOwner() async throws {
        let db = try Database()
        defer { db.drop() }
        let token = "shard-push-T0ken-4d2e91"
        let names = (0..<4).map { "push-\($0)" }
        let body = db.storageSection + "components:\n"
            + names.map { "  - { name: \($0), type: push, interval: 1h, token: \"\(token)\" }\n" }.joined()
        let replicas = try (0..<2).map { try VitalsProcess(configBody: body, arguments: ["run", "--shard", "\($0)/2"]) }
        defer { for r in replicas { r.stop() } }
        for r in replicas { try await r.waitFor("/health/ready") { s, _ in s == 200 } }
        let owner = Dictionary(uniqueKeysWithValues: names.map { ($0, Int(ShardTests.fnv1a($0) % 2)) })
        try #require(Set(owner.values).count == 2, "the hash puts all four names on one replica")
        for name in names {
            let other = replicas[1 - owner[name]!]
            let pushed = try await other.send("GET", "/api/v1/push/\(name)?token=\(token)&msg=via-\(name)&duration=2s", headers: [:])
            #expect(pushed.status == 200, "\(name): \(pushed.body)")
        }
        for name in names {
            let r = replicas[owner[name]!]
            let detailed = try await r.waitFor("/health/detailed") { _, b in
                ((jsonObject(b)?["components"] as? [[String: Any]]) ?? []).contains { $0["name"] as? String == name && $0["message"] as? String == "via-\(name)" }
            }
            let c = ((jsonObject(detailed.body)?["components"] as? [[String: Any]]) ?? []).first { $0["name"] as? String == name }
            #expect(c?["status"] as? String == "healthy")
            #expect(c?["latency_ms"] as? Double == 2000)
        }
        // Once: one result row per push, none left waiting; and the other replica sees it too.
        try await Self.wait(.seconds(10)) {
            try names.allSatisfy { try db.psql("SELECT count(*) FROM results WHERE component = '\($0)' AND message = 'via-\($0)'") == "1" }
        }
        for name in names {
            #expect(try db.psql("SELECT count(*) FROM results WHERE component = '\(name)' AND message = 'via-\(name)'") == "1", "\(name)")
        }
        #expect(try db.psql("SELECT count(*) FROM pushes") == "0")
        for name in names {
            try await replicas[1 - owner[name]!].waitFor("/api/v1/components") { _, b in
                ((jsonObject(b)?["components"] as? [[String: Any]]) ?? []).contains { $0["name"] as? String == name && $0["status"] as? String == "healthy" }
            }
        }
    }
}

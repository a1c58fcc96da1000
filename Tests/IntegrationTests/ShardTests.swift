import Foundation
import Testing

/// `--shard I/N`: each component is probed by exactly one of N replicas, and by the same one
/// after a restart (the split is a fixed hash of the name, the same on every machine).
struct ShardTests {
    static let names = (0..<30).map { "component-\($0)" }
    static let body = "components:\n" + names.map { "  - { name: \($0), type: memory }\n" }.joined()

    static func owned(_ shard: String) async throws -> Set<String> {
        let vitals = try VitalsProcess(configBody: body, arguments: ["run", "--shard", shard])
        defer { vitals.stop() }
        let detailed = try await vitals.waitFor("/health/detailed") { s, _ in s == 200 }
        let json = try #require(jsonObject(detailed.body))
        return Set(((json["components"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
    }

    /// FNV-1a (64 bits), then splitmix64's finalizer: written out here as the oracle the
    /// daemon's split must match, so that a change of hash (which would move every component
    /// to another replica on upgrade) fails this test.
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }

    @Test func everyComponentIsProbedByExactlyOneShardAndTheSameOneAfterARestart() async throws {
        var seen: [String: String] = [:]
        for i in 0..<3 {
            for name in try await Self.owned("\(i)/3") {
                #expect(seen[name] == nil, "\(name) is in shards \(seen[name] ?? "") and \(i)/3")
                seen[name] = "\(i)/3"
                #expect(Self.fnv1a(name) % 3 == UInt64(i), "\(name) is not in its FNV-1a bucket")
            }
        }
        #expect(Set(seen.keys) == Set(Self.names))
        // A restarted replica takes the same share.
        #expect(try await Self.owned("1/3") == Set(seen.filter { $0.value == "1/3" }.keys))
    }
}

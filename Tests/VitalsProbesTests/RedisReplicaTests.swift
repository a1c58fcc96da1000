import Foundation
import Testing
import VitalsConfig
import VitalsCore
@testable import VitalsProbes

/// The `redis` probe against the real replicas `make test` starts (scripts/test-servers/test-env.sh): one
/// replicating the test Redis, one whose master is a port nothing listens on.
@Suite(.enabled(if: DBServers.redisReplicasAvailable, DBServers.skipRedisReplicas))
struct RedisReplicaTests {
    @Test func replicaWithItsLinkUpIsHealthy() async throws {
        let (redis, replicas) = (try DBServers.redis(), try DBServers.redisReplicas())
        let r = try await RedisProbeTests.probe(replicas.up, password: redis.password).run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        guard case .text(let version)? = r.observation("redis_version") else { Issue.record("no redis_version"); return }
        // INFO says `role:slave`; the probe names it `replica`.
        #expect(r.message == "PONG, redis \(version), role replica")
        #expect(r.observation("role") == .text("replica"))
        #expect(r.observation("master_link_status") == .text("up"))
        #expect(Judge.judge(r, thresholds: Thresholds()).status == .healthy)
        DBTest.expectClean(r.message, secrets: [redis.password])
    }

    @Test func replicaAuthenticatesTheACLUser() async throws {
        let (redis, replicas) = (try DBServers.redis(), try DBServers.redisReplicas())
        let r = try await RedisProbeTests.probe(replicas.up, username: redis.user, password: redis.userPassword)
            .run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        #expect(r.observation("role") == .text("replica"))
    }

    @Test func replicaWhoseMasterIsUnreachableIsUnhealthy() async throws {
        let (redis, replicas) = (try DBServers.redis(), try DBServers.redisReplicas())
        let r = try await RedisProbeTests.probe(replicas.down, password: redis.password).run(deadline: .now + .seconds(2))
        #expect(!r.success)
        #expect(r.message == "replica link to master is down")
        #expect(r.observation("role") == .text("replica"))
        #expect(r.observation("master_link_status") == .text("down"))
        #expect(r.observation("redis_version") != nil, "observations are kept on a failed judgement")
        let judged = Judge.judge(r, thresholds: Thresholds())
        #expect(judged.status == .unhealthy)
        #expect(judged.reason == "replica link to master is down")
        #expect(r.latency < .seconds(1))
        DBTest.expectClean(r.message, secrets: [redis.password])
    }

    @Test func primaryOfTheReplicaReportsMaster() async throws {
        let redis = try DBServers.redis()
        let r = try await RedisProbeTests.probe(redis.address, password: redis.password).run(deadline: .now + .seconds(2))
        #expect(r.success, "\(r.message)")
        #expect(r.observation("role") == .text("master"))
        #expect(r.message.hasSuffix(", role master"))
        #expect(r.observation("master_link_status") == nil)
        #expect(Judge.judge(r, thresholds: Thresholds()).status == .healthy)
    }
}

import Foundation
import Testing
import VitalsCore
import VitalsTestSupport

@testable import VitalsStorage

/// The `pushes` table between sharded replicas: what one writes the owner takes whole, in
/// order, once; and it holds at most `maxWaitingPushes` per component, so pushes for a
/// component whose owner is gone cannot grow it without end.
struct PostgresPushesTests {
    @Test func pushesAreTakenOnceInOrderAndAtMostAHundredWait() async throws {
        let dsn = try TestEnvironment.require("VITALS_TEST_PG_DSN")
        let storage = try await PostgresStorage.open(dsn: dsn, password: try TestEnvironment.require("VITALS_TEST_PG_PASSWORD"))
        defer { storage.close() }
        let name = "push-test-\(UInt32.random(in: 0...UInt32.max))"
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        for i in 0..<PostgresStorage.maxWaitingPushes {
            let result = ProbeResult(
                success: i % 2 == 0, latency: .milliseconds(1500), message: "push \(i)", observations: [Observation("exit_code", Double(i % 2))])
            #expect(await storage.forwardPush(component: name, result: result, at: at.addingTimeInterval(Double(i))) == nil)
        }
        // One more than the bound: refused, with the reason, and nothing written.
        let refused = await storage.forwardPush(component: name, result: .failure("one too many"), at: at)
        #expect(refused?.contains("already wait") == true)
        let taken = await storage.takePushes(components: [name, "\(name)-other"])
        #expect(taken.count == PostgresStorage.maxWaitingPushes)
        #expect(taken.map(\.result.message) == (0..<PostgresStorage.maxWaitingPushes).map { "push \($0)" })
        #expect(taken.first?.result.success == true && taken.first?.result.latency == .milliseconds(1500))
        #expect(taken[1].result.success == false && taken[1].result.number("exit_code") == 1)
        #expect(taken[1].at == at.addingTimeInterval(1) && taken.allSatisfy { $0.component == name })
        #expect(await storage.takePushes(components: [name]).isEmpty, "taken once")
        // Room again once the owner took them.
        #expect(await storage.forwardPush(component: name, result: .failure("after"), at: at) == nil)
        #expect(await storage.takePushes(components: [name]).map(\.result.message) == ["after"])
    }
}

import Foundation
import Synchronization
import Testing
import VitalsIO

/// `BlockingLane`: one job per probe on the blocking executor.
struct BlockingLaneTests {
    /// The rule itself, as a value: the first job takes the lane, the next is told who holds it,
    /// and once the holder leaves the lane is free again.
    @Test func stateLetsOneJobInAtATime() {
        var state = BlockingLane.State()
        let t0 = ContinuousClock.now
        #expect(state.enter(at: t0) == nil)
        #expect(state.busySince == t0)
        #expect(state.enter(at: t0 + .seconds(5)) == t0, "refused, naming the job that holds the lane")
        #expect(state.busySince == t0)
        state.leave()
        #expect(state.busySince == nil)
        #expect(state.enter(at: t0 + .seconds(6)) == nil)
        #expect(state.busySince == t0 + .seconds(6))
    }

    /// A job that outlives its deadline keeps the lane: the caller gets `gaveUp` at the deadline,
    /// later runs are refused at once without their work ever running (no second thread), and
    /// the lane is free again as soon as the job returns on its thread.
    @Test func abandonedJobHoldsTheLaneUntilItReturns() async {
        let lane = BlockingLane(executor: BlockingExecutor(maxThreads: 4))
        let release = DispatchSemaphore(value: 0)
        let ran = Atomic<Int>(0)
        let first = await lane.run(abandoningAt: .now + .milliseconds(50)) { () -> Int in
            ran.add(1, ordering: .relaxed)
            release.wait()  // a C call with no timeout of its own
            return 1
        }
        guard case .gaveUp = first else { Issue.record("expected gaveUp, got \(first)"); return }
        let since = lane.busySince
        #expect(since != nil)

        let second = await lane.run(abandoningAt: .now + .seconds(5)) { () -> Int in
            ran.add(1, ordering: .relaxed)
            return 2
        }
        guard case .busy(let busy) = second else { Issue.record("expected busy, got \(second)"); return }
        #expect(busy.since == since)
        let third = await lane.run { () -> Int in
            ran.add(1, ordering: .relaxed)
            return 3
        }
        #expect(third == .failure(BlockingLane.Busy(since: since!)))
        #expect(ran.load(ordering: .relaxed) == 1, "a refused job must not run")

        release.signal()
        let giveUp = ContinuousClock.now + .seconds(10)
        while lane.busySince != nil, ContinuousClock.now < giveUp { await Task.yield() }
        #expect(lane.busySince == nil, "the lane is left when the job returns")
        guard case .value(4) = await lane.run(abandoningAt: .now + .seconds(5), { 4 }) else { Issue.record("the lane stayed busy"); return }
        #expect(await lane.run { 5 } == .success(5))
        #expect(lane.busySince == nil)
    }
}

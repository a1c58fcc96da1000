import Foundation
import Testing
import VitalsCore

@testable import VitalsStorage

/// The writer's pruning pass and its failure log, as plain values over a fake backend.
struct RetentionPassTests {
    /// A backend with `backlog` steps' worth of rows past their age.
    struct Backlog: BatchStore {
        var backlog: Int
        var steps = 0
        var failure: StorageFailure?
        mutating func commit(_ batch: [StorageWrite], rollups: [RollupBook.Key: RollupBook.Delta]) throws(StorageFailure) {}
        mutating func prune(now: Date, options: StorageOptions, rollups: Bool) -> PruneStep {
            steps += 1
            if let failure { return PruneStep(failure: failure) }
            let n = min(backlog, options.pruneBatch)
            backlog -= n
            return PruneStep(deleted: n, more: n == options.pruneBatch)
        }
        func size() -> StorageSize { StorageSize() }
    }

    @Test func aPassDeletesTheWholeBacklogInSteps() {
        var options = StorageOptions()
        options.pruneBatch = 100
        var store = Backlog(backlog: 2_550)
        var retention = Retention()
        let start = ContinuousClock.now
        let pass = retention.pass(&store, options: options, at: start, failed: { f in Issue.record("\(f.message)") })
        #expect(pass.ran && pass.deleted == 2_550)
        #expect(store.steps == 26)
        // Next pass a period later; none before.
        #expect(retention.next == start + options.pruneEvery)
        let early = retention.pass(&store, options: options, at: start + .seconds(1), failed: { _ in })
        #expect(early.ran == false)
    }

    @Test func aPassOutOfBudgetGoesOnAtOnce() {
        var options = StorageOptions()
        options.pruneBatch = 1
        options.pruneBudget = .zero  // one step per pass
        var store = Backlog(backlog: 10)
        var retention = Retention()
        let start = ContinuousClock.now
        _ = retention.pass(&store, options: options, at: start, failed: { _ in })
        #expect(store.steps == 1)
        #expect(retention.next <= ContinuousClock.now, "the rest is taken up after the next batch, not a period later")
        #expect(retention.wait(at: .now, atMost: .seconds(5)) == .zero)
    }

    @Test func aFailedStepEndsThePassAndIsTold() {
        var store = Backlog(backlog: 10_000, failure: StorageFailure(message: "database or disk is full", kind: "database or disk is full"))
        var retention = Retention()
        var told: [String] = []
        _ = retention.pass(&store, options: StorageOptions(), at: .now, failed: { told.append($0.message) })
        #expect(told == ["database or disk is full"])
        #expect(store.steps == 1)
    }

    @Test func theFirstFailureOfEachKindIsLoggedOnce() {
        var log = FailureLog(every: .seconds(60))
        let t0 = ContinuousClock.now
        var said: [Bool] = []
        said.append(log.shouldLog("full", at: t0))
        // The same kind while it lasts: counted, not logged; another kind: logged at once.
        said.append(log.shouldLog("full", at: t0 + .seconds(1)))
        said.append(log.shouldLog("malformed", at: t0 + .seconds(2)))
        log.succeeded()
        // Back within a minute of its line: not again yet; a minute on, again.
        said.append(log.shouldLog("full", at: t0 + .seconds(3)))
        log.succeeded()
        said.append(log.shouldLog("full", at: t0 + .seconds(61)))
        #expect(said == [true, false, true, false, true])
    }
}

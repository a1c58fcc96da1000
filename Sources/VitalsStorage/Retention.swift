import Foundation

/// What one pruning step of a backend did: the rows it deleted, and whether a table may hold
/// more past their age (a step deletes at most `StorageOptions.pruneBatch` rows per table).
struct PruneStep: Sendable, Equatable {
    var deleted = 0
    var more = false
    /// Why a statement failed; its rows are left for the next step.
    var failure: StorageFailure?
}

/// How large the database is and how old its oldest result, read after each pruning pass
/// (cheap reads: the page count, the first rows by rowid or the index on time), so `/metrics`
/// shows whether retention holds without a query per scrape.
public struct StorageSize: Sendable, Equatable {
    /// The database's bytes on disk (SQLite: page_count x page_size of the main file;
    /// PostgreSQL: `pg_database_size`).
    public var bytes: Int64?
    /// When the oldest result kept was taken; nil with no results.
    public var oldestResult: Date?
}

/// The writer's retention: a pass every `pruneEvery`, made of small steps (each a short
/// transaction of at most `pruneBatch` rows per table, so the write lock is never held long),
/// repeated until nothing is past its age or `pruneBudget` is spent. A pass that ran out of
/// budget is taken up again after the next write batch rather than a period later, so pruning
/// keeps pace with any rate of writes the writer itself keeps pace with.
struct Retention {
    private(set) var next: ContinuousClock.Instant
    private var rollupsNext: ContinuousClock.Instant

    init(now: ContinuousClock.Instant = .now) {
        next = now
        rollupsNext = now
    }

    /// How long the writer may wait for writes before the next pass is due.
    func wait(at now: ContinuousClock.Instant, atMost longest: Duration) -> Duration {
        max(.zero, min(longest, now.duration(to: next)))
    }

    /// Runs a pass when one is due: steps until nothing is left or the budget is spent. Roll-ups
    /// (a few rows an hour per component, found by scanning their table) go at most every
    /// `rollupPruneEvery`.
    mutating func pass<Store: BatchStore>(
        _ store: inout Store, options: StorageOptions, at now: ContinuousClock.Instant, failed: (StorageFailure) -> Void
    ) -> (deleted: Int, ran: Bool, failed: Bool) {
        guard now >= next else { return (0, false, false) }
        let wall = options.now()
        var rollups = now >= rollupsNext
        if rollups { rollupsNext = now + Self.rollupPruneEvery }
        var deleted = 0
        var more: Bool
        var failure = false
        // At least one step a pass, however small the budget.
        repeat {
            let step = store.prune(now: wall, options: options, rollups: rollups)
            rollups = false
            deleted += step.deleted
            more = step.more && step.failure == nil
            if let f = step.failure {
                failure = true
                failed(f)
            }
        } while more && ContinuousClock.now - now < options.pruneBudget
        next = more ? .now : now + options.pruneEvery
        return (deleted, true, failure)
    }

    /// Hourly roll-ups expire by the hour, daily ones by the day: ten minutes late is nothing.
    static let rollupPruneEvery: Duration = .seconds(600)
}

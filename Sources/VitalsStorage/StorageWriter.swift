import Foundation
import VitalsCore

/// How a persistent backend writes and prunes (`storage:` settings plus the writer's tuning).
public struct StorageOptions: Sendable {
    /// Results waiting for the writer before the oldest is dropped.
    public var queueCapacity = 10_000
    /// Writes per transaction at most.
    public var batchSize = 1_000
    /// After a batch smaller than `batchSize` the writer waits this long for more, so a
    /// thousand results a second make a few transactions a second, not a thousand; `kill -9`
    /// loses at most about this much.
    public var flushInterval: Duration = .milliseconds(250)
    /// Raw results older than this are pruned (`storage.retention`).
    public var retention: Duration = .seconds(7 * 86_400)
    /// Status transitions and daily roll-ups older than this are pruned (`storage.rollup_retention`).
    public var transitionRetention: Duration = .seconds(400 * 86_400)
    /// How often the writer prunes (`Retention`): each pass deletes in steps of at most
    /// `pruneBatch` rows per table (one short transaction each), until nothing is past its age
    /// or `pruneBudget` is spent; a pass cut short goes on after the next write batch. A
    /// thousand results a second make 5,000 rows a pass, deleted in some tens of milliseconds.
    public var pruneEvery: Duration = .seconds(5)
    public var pruneBatch = 1_000
    public var pruneBudget: Duration = .milliseconds(200)
    /// The clock pruning and restore compare with (tests move it).
    public var now: @Sendable () -> Date = { Date() }
    /// Told, at most once a minute, how many writes were dropped or failed since it was
    /// last told, with the last failure's reason (the daemon logs it): nothing is lost silently.
    public var report: (@Sendable (_ dropped: UInt64, _ failed: UInt64, _ reason: String?) -> Void)? = nil
    /// Told of a failed write or pruning step as it happens, in the database's words, the first
    /// of each kind at once and then again only after a success (`FailureLog`).
    public var failure: (@Sendable (_ message: String) -> Void)? = nil
    /// PostgreSQL's notices and warnings on storage connections (libpq would print them to
    /// stderr); dropped when nil.
    public var notice: (@Sendable (_ text: String) -> Void)? = nil
    /// The location this process probes from (`fleet.location`), written with each of its
    /// results so that a fleet's locations keep theirs apart.
    public var location = "default"
    public init() {}
}

/// What a backend's writer did (`vitals_storage_writes_total{result}`).
public struct StorageCounts: Sendable, Equatable {
    public var written: UInt64 = 0
    public var dropped: UInt64 = 0
    public var failed: UInt64 = 0
    /// Rows removed by retention.
    public var pruned: UInt64 = 0
    /// How long the oldest write of the last batch waited before its commit
    /// (`vitals_storage_write_lag_seconds`).
    public var lastLag: Duration = .zero
    /// As read after the last pruning pass (`vitals_storage_database_bytes`,
    /// `vitals_storage_oldest_result_age_seconds`).
    public var size = StorageSize()
}

/// Why a batch or a query failed, in the database's words (never a secret).
struct StorageFailure: Error, Equatable {
    var message: String
    /// What kind of failure it is, for logging the first of each kind (`FailureLog`): SQLite's
    /// text for its primary result code, or the libpq session's failure class.
    var kind: String

    init(message: String, kind: String? = nil) {
        self.message = message
        self.kind = kind ?? message
    }
}

/// A backend's side of the writer: one batch in one transaction, and one pruning pass. Called
/// on the writer's own thread only, one call at a time, so it may block (a disk, a database).
protocol BatchStore {
    /// Writes `batch` and the roll-ups it adds in one transaction: all of it or none.
    mutating func commit(_ batch: [StorageWrite], rollups: [RollupBook.Key: RollupBook.Delta]) throws(StorageFailure)
    /// One pruning step: at most `options.pruneBatch` results and transitions past their age,
    /// each table in its own short statement, and the roll-ups past theirs when `rollups`.
    mutating func prune(now: Date, options: StorageOptions, rollups: Bool) -> PruneStep
    /// The database's size and its oldest result, by cheap reads.
    func size() -> StorageSize
}

/// The write path both persistent backends share: a bounded queue that callers push to without
/// waiting, drained by one thread of its own in batches, each one transaction of its backend.
///
/// The queue bounds results only: when it is full the oldest queued result is dropped and
/// counted, so a slow or unavailable database costs history, never memory, a probe's time or
/// an endpoint's; transitions and state are few and always kept. `put` and `remove` of state
/// return once their batch is committed (or failed).
final class StorageWriter: Sendable {
    let options: StorageOptions
    private let queue: WriteQueue
    private let counts = Locked(StorageCounts())
    private let ended = DispatchSemaphore(value: 0)
    /// Names the failure of a write that could not be queued.
    private let name: String

    /// Starts the writer thread on `store`, which it owns from now on.
    init(name: String, options: StorageOptions, store: consuming sending some BatchStore) {
        self.name = name
        self.options = options
        queue = WriteQueue(capacity: options.queueCapacity)
        let (queue, counts, ended) = (queue, counts, ended)
        let box = StoreBox(store)
        let thread = Thread {
            Self.drain(queue, into: box, name: name, options: options, counts: counts)
            ended.signal()
        }
        thread.name = "vitals-\(name)-writer"
        thread.start()
    }

    var writes: StorageCounts { counts.withLock { $0 } }

    /// Queues a write; one that is dropped instead is counted.
    func enqueue(_ write: StorageWrite) {
        if queue.push(write) { counts.withLock { $0.dropped += 1 } }
    }

    /// A result and the status change it caused, as the health store records them.
    func recorded(
        _ component: String, _ entry: HistoryEntry, _ observations: [Observation], _ status: HealthStatus, _ staleAfter: Duration,
        _ transition: StatusTransition?
    ) {
        enqueue(.result(component, entry, observations: observations, status: status, staleAfter: staleAfter))
        if let transition { enqueue(.transition(component, transition)) }
    }

    /// A result without the store's status: its own judgement, held for one minute at most.
    func recorded(_ component: String, _ entry: HistoryEntry) {
        enqueue(.result(component, entry, observations: [], status: entry.judgement, staleAfter: .seconds(60)))
    }

    /// Queues a state write and returns once its batch is committed.
    func committed(_ write: (CheckedContinuation<Void, any Error>) -> StorageWrite) async throws {
        let name = self.name
        try await withCheckedThrowingContinuation { c in
            if queue.push(write(c)) { c.resume(throwing: StorageError.database(path: name, message: "storage is closed")) }
        }
    }

    /// Writes what is queued and stops the writer; later writes are dropped. For shutdown.
    func close() {
        guard queue.close() else { return }
        ended.wait()
    }

    /// `vitals_storage_writes_total{result}`, `vitals_storage_write_lag_seconds`,
    /// `vitals_storage_pruned_total`, `vitals_storage_database_bytes` and
    /// `vitals_storage_oldest_result_age_seconds` (from the last pruning pass, not read per scrape).
    func metricsText() -> String {
        let c = writes
        var out = "# HELP vitals_storage_writes_total Results, transitions and state written to storage, dropped when its queue was full, or failed.\n"
        out += "# TYPE vitals_storage_writes_total counter\n"
        for (result, n) in [("written", c.written), ("dropped", c.dropped), ("failed", c.failed)] {
            out += "vitals_storage_writes_total{result=\"\(result)\"} \(n)\n"
        }
        out += "# HELP vitals_storage_write_lag_seconds How long the oldest write of the last batch waited for its commit.\n"
        out += "# TYPE vitals_storage_write_lag_seconds gauge\n"
        out += "vitals_storage_write_lag_seconds \(c.lastLag.seconds)\n"
        out += "# HELP vitals_storage_pruned_total Results, transitions and roll-ups deleted by retention.\n"
        out += "# TYPE vitals_storage_pruned_total counter\n"
        out += "vitals_storage_pruned_total \(c.pruned)\n"
        if let bytes = c.size.bytes {
            out += "# HELP vitals_storage_database_bytes The database's size on disk, as of the last pruning pass.\n"
            out += "# TYPE vitals_storage_database_bytes gauge\n"
            out += "vitals_storage_database_bytes \(bytes)\n"
        }
        let age = c.size.oldestResult.map { max(0, options.now().timeIntervalSince($0)) } ?? 0
        out += "# HELP vitals_storage_oldest_result_age_seconds Age of the oldest result kept (0 with none), as of the last pruning pass.\n"
        out += "# TYPE vitals_storage_oldest_result_age_seconds gauge\n"
        out += "vitals_storage_oldest_result_age_seconds \((age * 1000).rounded() / 1000)\n"
        return out
    }

    /// Commits a batch, trying again a few times a second apart: a database that restarts, or
    /// a disk that was briefly full, costs a pause, not the batch. Meanwhile the queue takes
    /// new writes (and drops its oldest results, counted, once full). Not after `close`.
    private static func commit<Store: BatchStore>(
        _ batch: [StorageWrite], rollups: [RollupBook.Key: RollupBook.Delta], to store: inout Store, queue: WriteQueue,
        failed: (StorageFailure) -> Void
    ) throws(StorageFailure) {
        var attempt = 1
        while true {
            do {
                return try store.commit(batch, rollups: rollups)
            } catch {
                failed(error)
                if attempt >= retries || queue.isClosed { throw error }
                attempt += 1
                queue.sleep(.seconds(1))
            }
        }
    }

    /// Tries per batch: the first and four more, over about four seconds.
    static let retries = 5

    private static func drain<Store: BatchStore>(
        _ queue: WriteQueue, into box: StoreBox<Store>, name: String, options: StorageOptions, counts: Locked<StorageCounts>
    ) {
        var store = box.take()
        var reported = (at: ContinuousClock.now, dropped: UInt64(0), failed: UInt64(0))
        var lastReason: String?
        var failures = FailureLog()
        func failed(_ f: StorageFailure) {
            lastReason = f.message
            if failures.shouldLog(f.kind, at: .now) { options.failure?(f.message) }
        }
        func reportLosses(force: Bool = false) {
            guard let report = options.report, force || ContinuousClock.now - reported.at >= .seconds(60) else { return }
            let c = counts.withLock { $0 }
            if c.dropped > reported.dropped || c.failed > reported.failed {
                report(c.dropped - reported.dropped, c.failed - reported.failed, c.failed > reported.failed ? lastReason : nil)
            }
            reported = (.now, c.dropped, c.failed)
        }
        defer { reportLosses(force: true) }
        var rollups = RollupBook()
        var retention = Retention()
        while let (batch, oldest) = queue.take(max: options.batchSize, waitingAtMost: retention.wait(at: .now, atMost: options.pruneEvery)) {
            let pass = retention.pass(&store, options: options, at: .now, failed: failed)
            if pass.ran {
                // Not after a failed step: a database that does not answer would hold the writer again.
                let size = pass.failed ? nil : store.size()
                counts.withLock {
                    $0.pruned += UInt64(pass.deleted)
                    if let size { $0.size = size }
                }
            }
            reportLosses()
            if batch.isEmpty { continue }
            for case .result(let c, let e, _, let status, let staleAfter) in batch {
                rollups.add(component: c, entry: e, status: status, staleAfter: staleAfter)
            }
            do {
                try commit(batch, rollups: rollups.takePending(), to: &store, queue: queue, failed: failed)
                failures.succeeded()
                let lag = oldest.map { $0.duration(to: .now) } ?? .zero
                counts.withLock {
                    $0.written += UInt64(batch.count)
                    $0.lastLag = lag
                }
                for write in batch {
                    switch write {
                    case .put(_, _, _, let c), .remove(_, _, let c): c.resume()
                    default: break
                    }
                }
            } catch {
                counts.withLock { $0.failed += UInt64(batch.count) }
                for write in batch {
                    switch write {
                    case .put(_, _, _, let c), .remove(_, _, let c): c.resume(throwing: StorageError.database(path: name, message: error.message))
                    default: break
                    }
                }
            }
            if batch.count < options.batchSize { queue.pause(retention.wait(at: .now, atMost: options.flushInterval)) }
        }
    }
}

/// Hands the backend's store to the writer thread. `@unchecked Sendable`: the store is taken
/// exactly once, by that thread, and never touched by its creator after `init`.
final class StoreBox<Store>: @unchecked Sendable {
    private var store: Store?
    init(_ store: consuming Store) { self.store = store }
    func take() -> Store {
        defer { store = nil }
        return store!
    }
}

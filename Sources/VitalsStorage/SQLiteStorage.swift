import Foundation
import Synchronization
import VitalsCore
import VitalsIO

/// `storage: sqlite`: history, transitions and alert state in one SQLite file .
///
/// Writes leave the caller at once: they go into a bounded queue that one writer thread drains
/// in batches, one transaction each, through prepared statements. The queue bounds results
/// only: when it is full the oldest queued result is dropped and counted, so a slow disk costs
/// history, never memory or a probe's time; transitions and state are few and always kept.
/// `put` and `remove` of state return once their batch is committed. Reads run on the
/// blocking executor through a connection of their own (WAL: readers never wait for the writer).
public final class SQLiteStorage: Storage, ResultRecorder {
    public struct Options: Sendable {
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
        /// Status transitions older than this are pruned (`storage.rollup_retention`).
        public var transitionRetention: Duration = .seconds(400 * 86_400)
        /// How often the writer prunes, and how many rows one pruning pass deletes at most: a
        /// small batch between write batches, so pruning never holds the writer for long.
        public var pruneEvery: Duration = .seconds(60)
        public var pruneBatch = 2_000
        /// The clock pruning compares with (tests move it).
        public var now: @Sendable () -> Date = { Date() }
        /// Told, at most once a minute, how many writes were dropped or failed since it was
        /// last told (the daemon logs it): nothing is lost silently.
        public var report: (@Sendable (_ dropped: UInt64, _ failed: UInt64) -> Void)? = nil
        public init() {}
    }

    /// What the writer did (`vitals_storage_writes_total{result}`).
    public struct Counts: Sendable, Equatable {
        public var written: UInt64 = 0
        public var dropped: UInt64 = 0
        public var failed: UInt64 = 0
        /// Rows removed by retention.
        public var pruned: UInt64 = 0
        /// How long the oldest write of the last batch waited before its commit
        /// (`vitals_storage_write_lag_seconds`).
        public var lastLag: Duration = .zero
    }

    enum Write: Sendable {
        case result(String, HistoryEntry, observations: [Observation], status: HealthStatus, staleAfter: Duration)
        case transition(String, StatusTransition)
        case put(String, String, Data, CheckedContinuation<Void, any Error>)
        case remove(String, String, CheckedContinuation<Void, any Error>)

        var isResult: Bool { if case .result = self { true } else { false } }
        /// A `put` or `remove`: its caller waits for the commit.
        var isAwaited: Bool {
            switch self {
            case .put, .remove: true
            default: false
            }
        }
    }

    public let path: String
    private let options: Options
    private let queue: WriteQueue
    private let reader: Locked<SQLiteDatabase>
    private let counts = Locked(Counts())
    private let writerEnded = DispatchSemaphore(value: 0)

    public var isPersistent: Bool { true }

    public init(path: String, options: Options = Options()) throws(StorageError) {
        self.path = path
        self.options = options
        let writer: SQLiteDatabase
        do {
            // `.vitals/state.db` on a first start: the folder is made, the file created.
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            writer = try SQLiteDatabase(path: path)
        } catch {
            throw StorageError.database(path: path, message: error.message)
        }
        try SQLiteSchema.migrate(writer)
        do {
            reader = Locked(try SQLiteDatabase(path: path, readOnly: true))
        } catch {
            throw StorageError.database(path: path, message: error.message)
        }
        queue = WriteQueue(capacity: options.queueCapacity)
        let (queue, counts, ended) = (queue, counts, writerEnded)
        let thread = Thread {
            Self.drain(queue, into: writer, options: options, counts: counts)
            ended.signal()
        }
        thread.name = "vitals-sqlite-writer"
        thread.start()
    }

    public var writes: Counts { counts.withLock { $0 } }

    /// Writes what is queued and stops the writer; later writes are dropped. For shutdown.
    public func close() {
        guard queue.close() else { return }
        writerEnded.wait()
    }

    deinit { close() }

    // MARK: Storage

    /// The health store's hook: queued at once, under its lock (never waits for the writer).
    public func recorded(
        component: String, entry: HistoryEntry, observations: [Observation], status: HealthStatus, staleAfter: Duration,
        transition: StatusTransition?
    ) {
        enqueue(.result(component, entry, observations: observations, status: status, staleAfter: staleAfter))
        if let transition { enqueue(.transition(component, transition)) }
    }

    /// Queues a write; one that is dropped instead is counted.
    private func enqueue(_ write: Write) {
        if queue.push(write) { counts.withLock { $0.dropped += 1 } }
    }

    /// Queues a state write and returns once its batch is committed.
    private func committed(_ write: (CheckedContinuation<Void, any Error>) -> Write) async throws {
        try await withCheckedThrowingContinuation { c in
            if queue.push(write(c)) { c.resume(throwing: StorageError.database(path: path, message: "storage is closed")) }
        }
    }

    /// `vitals_storage_writes_total{result}`.
    public func metricsText() -> String {
        let c = writes
        var out = "# HELP vitals_storage_writes_total Results, transitions and state written to storage, dropped when its queue was full, or failed.\n"
        out += "# TYPE vitals_storage_writes_total counter\n"
        for (result, n) in [("written", c.written), ("dropped", c.dropped), ("failed", c.failed)] {
            out += "vitals_storage_writes_total{result=\"\(result)\"} \(n)\n"
        }
        out += "# HELP vitals_storage_write_lag_seconds How long the oldest write of the last batch waited for its commit.\n"
        out += "# TYPE vitals_storage_write_lag_seconds gauge\n"
        out += "vitals_storage_write_lag_seconds \(c.lastLag.seconds)\n"
        return out
    }

    public func record(component: String, entry: HistoryEntry) async {
        // Without the store's status: the result's own judgement, held for one minute at most.
        enqueue(.result(component, entry, observations: [], status: entry.judgement, staleAfter: .seconds(60)))
    }

    public func record(component: String, transition: StatusTransition) async {
        enqueue(.transition(component, transition))
    }

    public func put(namespace: String, key: String, value: Data) async throws {
        try await committed { .put(namespace, key, value, $0) }
    }

    public func remove(namespace: String, key: String) async throws {
        try await committed { .remove(namespace, key, $0) }
    }

    public func history(component: String, since: Date?, until: Date?, limit: Int) async -> [HistoryEntry] {
        await read(Self.historySQL, Self.range(component, since, until, limit)).compactMap(Self.historyEntry)
    }

    public func transitions(component: String, since: Date?, until: Date?, limit: Int) async -> [StatusTransition] {
        await read(Self.transitionsSQL, Self.range(component, since, until, limit)).compactMap(Self.transition)
    }

    /// Every component's history, transitions, newest observations and last day of hourly
    /// roll-ups, in one job on the reader connection (ten thousand components restore in
    /// about a second rather than one executor hop per query).
    public func restore(components: [(name: String, history: Int)]) async -> [String: StoredComponent] {
        let reader = self.reader
        let now = options.now()
        return await BlockingExecutor.shared.run {
            reader.withLock { db -> [String: StoredComponent] in
                guard let history = try? db.prepare(Self.historySQL), let transitions = try? db.prepare(Self.transitionsSQL),
                    let observations = try? db.prepare("SELECT observations FROM results WHERE component = ? ORDER BY at DESC LIMIT 1"),
                    let hourly = try? db.prepare(Self.rollupsSQL)
                else { return [:] }
                var out: [String: StoredComponent] = [:]
                for c in components {
                    let h = ((try? history.rows(Self.range(c.name, nil, nil, c.history))) ?? []).compactMap(Self.historyEntry)
                    let t = ((try? transitions.rows(Self.range(c.name, nil, nil, 50))) ?? []).compactMap(Self.transition)
                    guard !h.isEmpty || !t.isEmpty else { continue }
                    var obs: [Observation] = []
                    if case .text(let json)? = (try? observations.rows([.text(c.name)]))?.first?.first { obs = Self.observations(json) }
                    let r = ((try? hourly.rows(Self.rollupRange(c.name, "hour", .seconds(86_400), now))) ?? []).compactMap(Self.rollup)
                    out[c.name] = StoredComponent(history: h, transitions: t, observations: obs, hourly: r)
                }
                return out
            }
        }
    }

    private static let historySQL = "SELECT at, status, latency, message FROM results " + newestInRange
    private static let transitionsSQL = "SELECT at, from_status, to_status, message FROM transitions " + newestInRange
    private static let rollupsSQL = """
        SELECT start, healthy_seconds, degraded_seconds, unhealthy_seconds, results, failures, latency_min, latency_sum, latency_max
        FROM rollups WHERE component = ? AND period = ? AND start >= ? AND start < ? ORDER BY start
        """

    private static func historyEntry(_ row: [SQLiteStatement.Value]) -> HistoryEntry? {
        guard row.count == 4, case .real(let at) = row[0], case .text(let status) = row[1], case .real(let latency) = row[2],
            case .text(let message) = row[3], let judgement = HealthStatus(rawValue: status)
        else { return nil }
        // Seconds as stored, to the microsecond a probe measures.
        let micros = Duration.microseconds(Int64((latency * 1_000_000).rounded()))
        return HistoryEntry(at: Date(timeIntervalSince1970: at), judgement: judgement, latency: micros, message: message)
    }

    private static func transition(_ row: [SQLiteStatement.Value]) -> StatusTransition? {
        guard row.count == 4, case .real(let at) = row[0], case .text(let from) = row[1], case .text(let to) = row[2],
            case .text(let message) = row[3], let f = HealthStatus(rawValue: from), let t = HealthStatus(rawValue: to)
        else { return nil }
        return StatusTransition(at: Date(timeIntervalSince1970: at), from: f, to: t, message: message)
    }

    private static func rollup(_ r: [SQLiteStatement.Value]) -> Rollup? {
        func real(_ v: SQLiteStatement.Value) -> Double? {
            switch v {
            case .real(let d): d
            case .integer(let i): Double(i)
            default: nil
            }
        }
        guard r.count == 9, let start = real(r[0]), let h = real(r[1]), let d = real(r[2]), let u = real(r[3]),
            case .integer(let n) = r[4], case .integer(let f) = r[5], let sum = real(r[7])
        else { return nil }
        return Rollup(
            start: Date(timeIntervalSince1970: start), healthy: h, degraded: d, unhealthy: u, results: Int(n), failures: Int(f),
            latencyMin: real(r[6]), latencySum: sum, latencyMax: real(r[8]))
    }

    private static func rollupRange(_ component: String, _ period: String, _ window: Duration, _ now: Date) -> [SQLiteStatement.Value] {
        [.text(component), .text(period), .real(now.timeIntervalSince1970 - window.seconds), .real(now.timeIntervalSince1970)]
    }

    /// Uptime and coverage over the `window` before `now`, from hourly roll-ups up to 7 days and
    /// daily ones beyond (spec section 4: time-weighted, gaps unknown).
    public func uptime(component: String, window: Duration, now: Date = Date()) async -> (uptime: Double?, coverage: Double) {
        StatusSeconds.uptime(await rollups(component: component, window: window, now: now), window: window)
    }

    /// Per bucket of the window (hourly up to 7 days, daily beyond), oldest first: its start,
    /// seconds healthy, degraded and unhealthy, results, failures, latency min, sum and max.
    public func rollups(component: String, window: Duration, now: Date = Date()) async -> [Rollup] {
        let period = window <= .seconds(7 * 86_400) ? "hour" : "day"
        return await read(Self.rollupsSQL, Self.rollupRange(component, period, window, now)).compactMap(Self.rollup)
    }

    public func all(namespace: String) async throws -> [String: Data] {
        let rows = await read("SELECT key, value FROM state WHERE namespace = ?", [.text(namespace)])
        var out: [String: Data] = [:]
        for row in rows {
            if row.count == 2, case .text(let key) = row[0], case .blob(let value) = row[1] { out[key] = Data(value) }
        }
        return out
    }

    /// One component's rows in `[since, until]`, newest first, at most `limit` (the index on
    /// component and time serves it); its parameters come from `range`.
    private static let newestInRange = "WHERE component = ? AND at >= ? AND at <= ? ORDER BY at DESC LIMIT ?"

    private static func range(_ component: String, _ since: Date?, _ until: Date?, _ limit: Int) -> [SQLiteStatement.Value] {
        [.text(component), .real(since?.timeIntervalSince1970 ?? 0), .real(until?.timeIntervalSince1970 ?? .greatestFiniteMagnitude),
         .integer(Int64(max(0, limit)))]
    }

    /// A query on the reader connection, on the blocking executor (file I/O).
    private func read(_ sql: String, _ values: [SQLiteStatement.Value]) async -> [[SQLiteStatement.Value]] {
        let reader = self.reader
        return await BlockingExecutor.shared.run {
            reader.withLock { db in (try? db.prepare(sql).rows(values)) ?? [] }
        }
    }

    // MARK: The writer

    private static func drain(_ queue: WriteQueue, into db: SQLiteDatabase, options: Options, counts: Locked<Counts>) {
        let batchSize = options.batchSize
        let statements: (result: SQLiteStatement, transition: SQLiteStatement, put: SQLiteStatement, remove: SQLiteStatement)
        do {
            statements = (
                try db.prepare("INSERT INTO results (component, at, status, latency, message, observations) VALUES (?, ?, ?, ?, ?, ?)"),
                try db.prepare("INSERT INTO transitions (component, at, from_status, to_status, message) VALUES (?, ?, ?, ?, ?)"),
                try db.prepare("INSERT INTO state (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value"),
                try db.prepare("DELETE FROM state WHERE namespace = ? AND key = ?")
            )
        } catch {
            // The schema was just migrated on this connection: this cannot fail short of a broken file.
            while let (batch, _) = queue.take(max: batchSize, waitingAtMost: options.pruneEvery) { fail(batch, error, counts) }
            return
        }
        var pruned = ContinuousClock.now
        var reported = (at: ContinuousClock.now, dropped: UInt64(0), failed: UInt64(0))
        func reportLosses(force: Bool = false) {
            guard let report = options.report, force || ContinuousClock.now - reported.at >= .seconds(60) else { return }
            let c = counts.withLock { $0 }
            if c.dropped > reported.dropped || c.failed > reported.failed { report(c.dropped - reported.dropped, c.failed - reported.failed) }
            reported = (.now, c.dropped, c.failed)
        }
        defer { reportLosses(force: true) }
        let prune = Pruner(db: db, options: options)
        var rollups = RollupBook()
        let upsert: SQLiteStatement
        do {
            upsert = try db.prepare(RollupBook.upsertSQL)
        } catch {
            while let (batch, _) = queue.take(max: batchSize, waitingAtMost: options.pruneEvery) { fail(batch, error, counts) }
            return
        }
        while let (batch, oldest) = queue.take(max: batchSize, waitingAtMost: options.pruneEvery) {
            if ContinuousClock.now - pruned >= options.pruneEvery {
                pruned = .now
                let n = prune.pass()
                if n > 0 { counts.withLock { $0.pruned += UInt64(n) } }
            }
            reportLosses()
            if batch.isEmpty { continue }
            do {
                try db.transaction { () throws(SQLiteError) in
                    for write in batch {
                        switch write {
                        case .result(let c, let e, let observations, let status, let staleAfter):
                            try statements.result.run([
                                .text(c), .real(e.at.timeIntervalSince1970), .text(e.judgement.rawValue), .real(e.latency.seconds), .text(e.message),
                                .text(Self.json(observations)),
                            ])
                            rollups.add(component: c, entry: e, status: status, staleAfter: staleAfter)
                        case .transition(let c, let t):
                            try statements.transition.run([.text(c), .real(t.at.timeIntervalSince1970), .text(t.from.rawValue), .text(t.to.rawValue), .text(t.message)])
                        case .put(let n, let k, let v, _):
                            try statements.put.run([.text(n), .text(k), .blob(Array(v))])
                        case .remove(let n, let k, _):
                            try statements.remove.run([.text(n), .text(k)])
                        }
                    }
                    try rollups.flush(into: upsert)
                }
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
                fail(batch, error, counts)
            }
            if batch.count < batchSize { queue.pause(options.flushInterval) }
        }
    }

    /// A stored observations object back as observations, in the order `json` wrote them
    /// (units are not stored: a restored last result shows none until the next result).
    static func observations(_ text: String) -> [Observation] {
        guard let data = text.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        // JSONSerialization forgets the order: take it from where each name stands in the text.
        func position(_ name: String) -> String.Index { text.range(of: JSONString.quoted(name) + ":")?.lowerBound ?? text.endIndex }
        return object.keys.sorted { position($0) < position($1) }.compactMap { name in
            switch object[name] {
            case let t as String: Observation(name, text: t)
            case let n as NSNumber: Observation(name, n.doubleValue)
            default: nil
            }
        }
    }

    /// A result's observations as one JSON object, name to number or text.
    static func json(_ observations: [Observation]) -> String {
        guard !observations.isEmpty else { return "{}" }
        var out = "{"
        for (i, o) in observations.enumerated() {
            if i > 0 { out += "," }
            out += JSONString.quoted(o.name) + ":"
            switch o.value {
            case .number(let v): out += v.isFinite ? "\(v)" : "null"
            case .text(let t): out += JSONString.quoted(t)
            }
        }
        return out + "}"
    }

    private static func fail(_ batch: [Write], _ error: SQLiteError, _ counts: Locked<Counts>) {
        counts.withLock { $0.failed += UInt64(batch.count) }
        for write in batch {
            switch write {
            case .put(_, _, _, let c), .remove(_, _, let c): c.resume(throwing: error)
            default: break
            }
        }
    }
}

/// A value behind a lock, shared by reference (a `Mutex` cannot be captured or passed along).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: consuming sending Value) { mutex = Mutex(value) }
    func withLock<T>(_ body: (inout sending Value) throws -> sending T) rethrows -> sending T { try mutex.withLock(body) }
}

/// The writer's queue. `@unchecked Sendable`: every field is read and written under `condition`'s
/// lock; producers are any task, the consumer is the one writer thread.
final class WriteQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [SQLiteStorage.Write] = []
    /// When each of `items` was queued.
    private var queuedAt: [ContinuousClock.Instant] = []
    private var results = 0
    private var closed = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Queues `write`; true when something was dropped instead (the oldest result when the
    /// queue is full of them, or `write` itself once the queue is closed).
    func push(_ write: SQLiteStorage.Write) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if closed { return true }
        var dropped = false
        if write.isResult {
            if results >= capacity, let oldest = items.firstIndex(where: \.isResult) {
                items.remove(at: oldest)
                queuedAt.remove(at: oldest)
                results -= 1
                dropped = true
            }
            results += 1
        }
        items.append(write)
        queuedAt.append(.now)
        // The writer waits on an empty queue, or in its pause between small batches, which ends
        // for a caller waiting on a commit or a queue half full: one wake-up per batch.
        if items.count == 1 || write.isAwaited || results == capacity / 2 { condition.signal() }
        return dropped
    }

    /// Up to `max` writes and when the oldest of them was queued, waiting at most `wait` for
    /// the first (an empty batch then); nil once closed and empty.
    func take(max: Int, waitingAtMost wait: Duration) -> ([SQLiteStorage.Write], ContinuousClock.Instant?)? {
        condition.lock()
        defer { condition.unlock() }
        let until = Date().addingTimeInterval(wait.seconds)
        while items.isEmpty && !closed {
            if !condition.wait(until: until) { return ([], nil) }
        }
        if items.isEmpty { return nil }
        let n = Swift.min(max, items.count)
        let batch = Array(items.prefix(n))
        let oldest = queuedAt.first
        items.removeFirst(n)
        queuedAt.removeFirst(n)
        results -= batch.filter(\.isResult).count
        return (batch, oldest)
    }

    /// The writer's wait between small batches; ends early when the queue closes or fills up
    /// to a batch's worth of results.
    func pause(_ d: Duration) {
        condition.lock()
        defer { condition.unlock() }
        let until = Date().addingTimeInterval(d.seconds)
        while !closed && results < capacity / 2 && !items.contains(where: \.isAwaited) {
            if !condition.wait(until: until) { return }
        }
    }

    /// Stops taking writes; the writer drains what is queued. False when already closed.
    func close() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if closed { return false }
        closed = true
        condition.broadcast()
        return true
    }
}

/// Retention: one pass deletes at most `pruneBatch` rows past their age, oldest first, each
/// table in its own short statement (the `at` indexes make them cheap).
struct Pruner {
    let db: SQLiteDatabase
    let options: SQLiteStorage.Options

    /// Rows deleted; a failure leaves them for the next pass.
    func pass() -> Int {
        let now = options.now().timeIntervalSince1970
        var deleted = 0
        for (table, age) in [("results", options.retention), ("transitions", options.transitionRetention)] {
            // Oldest first by rowid (rows arrive in time order): no index by time needed.
            let sql = "DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) WHERE at < ? ORDER BY rowid LIMIT ?)"
            guard (try? db.prepare(sql).run([.real(now - age.seconds), .integer(Int64(options.pruneBatch))])) != nil else { continue }
            deleted += db.changes
        }
        // Hourly roll-ups for 90 days, daily ones as long as transitions.
        for (period, age) in [("hour", Duration.seconds(90 * 86_400)), ("day", options.transitionRetention)] {
            let sql = "DELETE FROM rollups WHERE period = ? AND start < ?"
            guard (try? db.prepare(sql).run([.text(period), .real(now - age.seconds)])) != nil else { continue }
            deleted += db.changes
        }
        return deleted
    }
}

/// The writer's roll-ups: what each batch adds to the hourly and daily rows, and each
/// component's last result (its time, status and staleness), from which the time its status held
/// is counted. After a restart the gap to the first new result is simply not counted: unknown.
struct RollupBook {
    struct Key: Hashable {
        var component: String
        var period: String
        var start: Double
    }
    struct Delta {
        var seconds: [HealthStatus: Double] = [:]
        var results = 0
        var failures = 0
        var latencyMin: Double?
        var latencySum = 0.0
        var latencyMax: Double?
    }

    private var last: [String: (at: Date, status: HealthStatus, staleAfter: Duration)] = [:]
    private var pending: [Key: Delta] = [:]

    static func keys(_ component: String, _ t: Double) -> [Key] {
        [Key(component: component, period: "hour", start: (t / 3600).rounded(.down) * 3600),
         Key(component: component, period: "day", start: (t / 86_400).rounded(.down) * 86_400)]
    }

    mutating func add(component: String, entry: HistoryEntry, status: HealthStatus, staleAfter: Duration) {
        if let prev = last[component] {
            for span in StatusSeconds.spans(from: prev.at, to: entry.at, status: prev.status, staleAfter: prev.staleAfter) {
                for key in Self.keys(component, span.hour.timeIntervalSince1970) { pending[key, default: Delta()].seconds[span.status, default: 0] += span.seconds }
            }
        }
        last[component] = (entry.at, status, staleAfter)
        let latency = entry.latency.seconds
        for key in Self.keys(component, entry.at.timeIntervalSince1970) {
            var d = pending[key, default: Delta()]
            d.results += 1
            if entry.judgement == .unhealthy { d.failures += 1 }
            d.latencyMin = min(d.latencyMin ?? latency, latency)
            d.latencyMax = max(d.latencyMax ?? latency, latency)
            d.latencySum += latency
            pending[key] = d
        }
    }

    static let upsertSQL = """
        INSERT INTO rollups (component, period, start, healthy_seconds, degraded_seconds, unhealthy_seconds, unknown_seconds,
            results, failures, latency_min, latency_sum, latency_max) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (component, period, start) DO UPDATE SET
            healthy_seconds = healthy_seconds + excluded.healthy_seconds,
            degraded_seconds = degraded_seconds + excluded.degraded_seconds,
            unhealthy_seconds = unhealthy_seconds + excluded.unhealthy_seconds,
            unknown_seconds = unknown_seconds + excluded.unknown_seconds,
            results = results + excluded.results, failures = failures + excluded.failures,
            latency_min = min(coalesce(latency_min, excluded.latency_min), coalesce(excluded.latency_min, latency_min)),
            latency_sum = latency_sum + excluded.latency_sum,
            latency_max = max(coalesce(latency_max, excluded.latency_max), coalesce(excluded.latency_max, latency_max))
        """

    /// Writes what the batch added, in its transaction; forgets it once written (a failed batch
    /// throws before, and its roll-ups go with it, as its results do).
    mutating func flush(into upsert: SQLiteStatement) throws(SQLiteError) {
        for (key, d) in pending {
            func opt(_ v: Double?) -> SQLiteStatement.Value { v.map { .real($0) } ?? .null }
            try upsert.run([
                .text(key.component), .text(key.period), .real(key.start),
                .real(d.seconds[.healthy] ?? 0), .real(d.seconds[.degraded] ?? 0), .real(d.seconds[.unhealthy] ?? 0),
                .real(d.seconds[.unknown] ?? 0), .integer(Int64(d.results)), .integer(Int64(d.failures)),
                opt(d.latencyMin), .real(d.latencySum), opt(d.latencyMax),
            ])
        }
        pending.removeAll(keepingCapacity: true)
    }
}

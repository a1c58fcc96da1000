import Foundation
import Synchronization
import VitalsCore

/// One write for a persistent backend's writer: results and transitions are queued and
/// forgotten by their caller; `put` and `remove` of state are awaited until their batch commits.
enum StorageWrite: Sendable {
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
    private var items: [StorageWrite] = []
    /// When each of `items` was queued.
    private var queuedAt: [ContinuousClock.Instant] = []
    private var results = 0
    private var closed = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Queues `write`; true when something was dropped instead (the oldest result when the
    /// queue is full of them, or `write` itself once the queue is closed).
    func push(_ write: StorageWrite) -> Bool {
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
    func take(max: Int, waitingAtMost wait: Duration) -> ([StorageWrite], ContinuousClock.Instant?)? {
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

    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// The writer's wait before a retry; ends early when the queue closes.
    func sleep(_ d: Duration) {
        condition.lock()
        defer { condition.unlock() }
        let until = Date().addingTimeInterval(d.seconds)
        while !closed {
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


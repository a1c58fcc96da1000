import Foundation
import Synchronization

/// The one test clock: it moves only when a test says so (postgres-nio's MockClock is the
/// model). Sleepers wait until `advance` passes their deadline, so nothing in a test ever really
/// sleeps; `wallNow` is a wall time derived from it, so dates and schedules agree.
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol, CustomStringConvertible {
        public var offset: Duration
        public init(offset: Duration) { self.offset = offset }
        public func advanced(by d: Duration) -> Instant { Instant(offset: offset + d) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
        public var description: String { "T+\(offset)" }
    }

    private struct Sleeper {
        var id: UInt64
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        /// Deadlines of sleeps not yet reported by `nextSleep`.
        var scheduled: [Instant] = []
        var waiters: [CheckedContinuation<Instant, Never>] = []
    }

    private let state = Mutex(State())
    /// The wall time at `Instant(offset: .zero)`.
    public let epoch: Date

    public init(epoch: Date = Date(timeIntervalSince1970: 1_795_000_000)) { self.epoch = epoch }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }
    public var wallNow: Date {
        let (seconds, attoseconds) = now.offset.components
        return epoch.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                // A task cancelled before it got here (checked under the lock the cancellation
                // handler takes) has run its handler already, which found nothing to resume: it
                // must not park (ContinuousClock does not).
                enum Start { case parked, due, cancelled }
                let (start, waiter) = state.withLock { s -> (Start, CheckedContinuation<Instant, Never>?) in
                    if Task.isCancelled { return (.cancelled, nil) }
                    var waiter: CheckedContinuation<Instant, Never>?
                    if s.waiters.isEmpty { s.scheduled.append(deadline) } else { waiter = s.waiters.removeFirst() }
                    if deadline <= s.now { return (.due, waiter) }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
                    return (.parked, waiter)
                }
                switch start {
                case .parked: break
                case .due: c.resume()
                case .cancelled: c.resume(throwing: CancellationError())
                }
                waiter?.resume(returning: deadline)
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i).continuation
            }
            c?.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come, earliest first.
    public func advance(to instant: Instant) {
        let woken = state.withLock { s -> [Sleeper] in
            s.now = max(s.now, instant)
            let due = s.sleepers.filter { $0.deadline <= s.now }.sorted { $0.deadline < $1.deadline }
            s.sleepers.removeAll { $0.deadline <= s.now }
            return due
        }
        for s in woken { s.continuation.resume() }
    }

    public func advance(by d: Duration) { advance(to: now.advanced(by: d)) }

    /// The deadlines of the tasks sleeping now, earliest first.
    public var sleeperDeadlines: [Instant] { state.withLock { $0.sleepers.map(\.deadline).sorted() } }

    /// Waits until some task sleeps on this clock; returns that sleep's deadline (each sleep is
    /// reported once, in the order they began).
    @discardableResult
    public func nextSleep() async -> Instant {
        await withCheckedContinuation { (c: CheckedContinuation<Instant, Never>) in
            let ready = state.withLock { s -> Instant? in
                if !s.scheduled.isEmpty { return s.scheduled.removeFirst() }
                s.waiters.append(c)
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    /// Yields until a sleeper waits for exactly `deadline` (a loop has planned its next run).
    public func waitForSleeper(at deadline: Instant) async -> Bool {
        await eventually { self.sleeperDeadlines.contains(deadline) }
    }
}

/// Yields (never sleeps) until `condition` holds. Bounded by wall time, not by a count of
/// yields: on a starved machine the tasks a test waits for may not get a thread for a while.
public func eventually(_ condition: @Sendable () -> Bool) async -> Bool {
    let giveUp = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < giveUp {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}

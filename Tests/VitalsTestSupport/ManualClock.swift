import Foundation
import Synchronization

/// A clock that moves only when the test says so (after postgres-nio's MockClock), with a wall
/// time derived from it so dates and the retry schedule agree.
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration
        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Sleeper] = []
        /// Deadlines of sleeps not yet reported by `nextSleep`.
        var scheduled: [Instant] = []
        var waiters: [CheckedContinuation<Instant, Never>] = []
    }

    private let state = Mutex(State())
    public let epoch: Date

    public init(epoch: Date = Date(timeIntervalSince1970: 1_795_000_000)) { self.epoch = epoch }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .nanoseconds(1) }
    public var wallNow: Date {
        let (seconds, attoseconds) = now.offset.components
        return epoch.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                // Cancelled before it got here (checked under the lock the cancellation handler
                // takes): the handler has run already and found nothing to resume, so it must not
                // park (ContinuousClock does not).
                let (resume, waiter) = state.withLock { s -> (Bool?, CheckedContinuation<Instant, Never>?) in
                    if Task.isCancelled { return (nil, nil) }
                    var waiter: CheckedContinuation<Instant, Never>?
                    if s.waiters.isEmpty { s.scheduled.append(deadline) } else { waiter = s.waiters.removeFirst() }
                    if deadline <= s.now { return (true, waiter) }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
                    return (false, waiter)
                }
                switch resume {
                case nil: c.resume(throwing: CancellationError())
                case true?: c.resume()
                case false?: break
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

    /// Waits until some task sleeps on this clock; returns that sleep's deadline.
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

    public func advance(by d: Duration) { advance(to: now.advanced(by: d)) }

    public func advance(to t: Instant) {
        let due = state.withLock { s -> [Sleeper] in
            s.now = max(s.now, t)
            let due = s.sleepers.filter { $0.deadline <= s.now }
            s.sleepers.removeAll { $0.deadline <= s.now }
            return due
        }
        for s in due { s.continuation.resume() }
    }
}

/// Yields (never sleeps) until `condition` holds: for what another task does without sleeping
/// on the clock. Bounded by wall time, not by a count of yields: on a starved machine the tasks
/// a test waits for may not get a thread for a while.
public func eventually(_ condition: @Sendable () -> Bool) async -> Bool {
    let giveUp = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < giveUp {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}

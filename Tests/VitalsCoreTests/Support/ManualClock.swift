import Synchronization

/// A clock that moves only when a test says so (postgres-nio's MockClock is the model).
/// Sleepers wait until `advance` passes their deadline; nothing in a test ever really sleeps.
final class ManualClock: Clock {
    struct Instant: InstantProtocol, CustomStringConvertible {
        var offset: Duration
        func advanced(by d: Duration) -> Instant { Instant(offset: offset + d) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
        var description: String { "T+\(offset)" }
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
    }
    private let state = Mutex(State())

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                // A task cancelled before it got here has run its cancellation handler already,
                // which found nothing to resume: it must not park (ContinuousClock does not).
                enum Start { case parked, due, cancelled }
                let start = state.withLock { s -> Start in
                    if Task.isCancelled { return .cancelled }
                    if deadline <= s.now { return .due }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
                    return .parked
                }
                switch start {
                case .parked: break
                case .due: c.resume()
                case .cancelled: c.resume(throwing: CancellationError())
                }
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
    func advance(to instant: Instant) {
        let woken = state.withLock { s -> [Sleeper] in
            s.now = max(s.now, instant)
            let due = s.sleepers.filter { $0.deadline <= s.now }.sorted { $0.deadline < $1.deadline }
            s.sleepers.removeAll { $0.deadline <= s.now }
            return due
        }
        for s in woken { s.continuation.resume() }
    }

    func advance(by d: Duration) { advance(to: now.advanced(by: d)) }

    var sleeperDeadlines: [Instant] { state.withLock { $0.sleepers.map(\.deadline).sorted() } }

    /// Yields until a sleeper waits for exactly `deadline` (a loop has planned its next run).
    func waitForSleeper(at deadline: Instant) async -> Bool {
        await eventually { self.sleeperDeadlines.contains(deadline) }
    }
}

/// Yields (never sleeps) until `condition` holds. Bounded by wall time, not by a count of
/// yields: on a starved machine the tasks a test waits for may not get a thread for a while.
func eventually(_ condition: @Sendable () -> Bool) async -> Bool {
    let giveUp = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < giveUp {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}

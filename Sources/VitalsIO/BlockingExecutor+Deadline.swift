import Synchronization

extension BlockingExecutor {
    /// Runs `work` on the executor and waits for it no later than `deadline` and no longer than
    /// the calling task stays uncancelled.
    ///
    /// Returns the value, or nil when the deadline passed or the task was cancelled first. Some
    /// blocking calls have no native timeout that covers them (`getaddrinfo` inside
    /// `PQconnectStartParams` or `redisConnectWithTimeout`), so a probe cannot rely on the call
    /// coming back in time. When the caller stops waiting, the work still runs to its end on its
    /// executor thread, and `abandon` receives the value there, so whatever C resource it holds
    /// (a `PGconn`, a `redisContext`) is freed by the only party that still has it.
    /// Probes go through a `BlockingLane`, which holds one such job at a time. The storage
    /// readers call it directly: their reads may run side by side, and their `ReadGuard` starts
    /// none while one left behind at its deadline has not ended.
    package func run<T: Sendable>(
        abandoningAt deadline: ContinuousClock.Instant,
        onAbandon abandon: @escaping @Sendable (T) -> Void = { _ in },
        _ work: @escaping @Sendable () -> T
    ) async -> T? {
        let handoff = DeadlineHandoff<T>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
                guard handoff.install(continuation) else { return }
                let timer = Task {
                    // Cancelled when the work finished first: then the value is delivered, not nil.
                    guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
                    handoff.deliver(nil)
                }
                Task {
                    let value = await self.run(work)
                    let delivered = handoff.deliver(value)
                    timer.cancel()
                    if !delivered { abandon(value) }
                }
            }
        } onCancel: {
            handoff.cancel()
        }
    }
}

/// Who gets a deadline-bound job's value: the waiting caller (at most once), or nobody, in which
/// case the job's own thread cleans up. The lock orders the three events (value, deadline,
/// cancellation); the first one resumes the caller.
private final class DeadlineHandoff<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T?, Never>?
        var finished = false
    }
    private let state = Mutex(State())

    /// Stores the continuation; false (and the continuation resumed with nil) if the task was
    /// cancelled before it got here.
    func install(_ continuation: CheckedContinuation<T?, Never>) -> Bool {
        let alreadyFinished = state.withLock { s -> Bool in
            if s.finished { return true }
            s.continuation = continuation
            return false
        }
        if alreadyFinished { continuation.resume(returning: nil) }
        return !alreadyFinished
    }

    /// Resumes the caller with `value` unless it was resumed already; true if this call did it.
    @discardableResult
    func deliver(_ value: T?) -> Bool {
        let continuation = state.withLock { s -> CheckedContinuation<T?, Never>? in
            guard !s.finished else { return nil }
            s.finished = true
            defer { s.continuation = nil }
            return s.continuation
        }
        continuation?.resume(returning: value)
        return continuation != nil
    }

    func cancel() {
        deliver(nil)
    }
}

import Synchronization

/// Runs one probe against its timeout without ever waiting on a probe that misbehaves.
///
/// The probe runs in a task of its own and races a timer on the scheduler's clock. Whichever
/// finishes first decides the result: past the timeout the result is `timeout after <t>` at
/// once and the probe's task is cancelled. A probe that ends by its deadline on its own
/// (`Probe.returnsByDeadline`) gets no timer of its own: a scheduler's `Backstop` watches it
/// instead, so the common case costs no timer at all.
///
/// The caller gets the probe's task back, and whether it has ended, so that no new run of the
/// same component starts beside a hung one (a probe never overlaps with itself) while nothing
/// waits on it. A task group would not do: leaving a group awaits every child, hung ones included.
public enum ProbeRun {
    /// Whether a probe's task has really ended, readable without waiting for it.
    public final class Running: Sendable {
        private let ended = Atomic<Bool>(false)
        public let startedAt = ContinuousClock.now
        public var hasEnded: Bool { ended.load(ordering: .acquiring) }
        func markEnded() { ended.store(true, ordering: .releasing) }
    }

    public static func run<C: Clock>(
        _ probe: any Probe, timeout: Duration, clock: C, backstop: Backstop<C>? = nil
    ) async -> (result: ProbeResult, task: Task<ProbeResult, Never>, running: Running) where C.Duration == Duration {
        let deadline = ContinuousClock.now + timeout
        let running = Running()
        let outcome = Outcome()
        // The probe's task decides the outcome itself when it ends: no third task waits on it.
        let task = Task {
            let r = await probe.run(deadline: deadline)
            running.markEnded()
            outcome.decide(r)
            return r
        }
        let watched = probe.returnsByDeadline ? backstop : nil
        let watch = watched?.watch(until: clock.now.advanced(by: timeout), timeout: timeout, outcome: outcome)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ProbeResult, Never>) in
                guard watch == nil else { return outcome.start(continuation, timer: nil) }
                // The timer only stands in for a deadline the probe may miss: a few ms late is
                // fine, and lets the timers of many runs fire together.
                let timer = Task {
                    try? await clock.sleep(until: clock.now.advanced(by: timeout), tolerance: .milliseconds(10))
                    if !Task.isCancelled { outcome.decide(.timeout(after: timeout)) }
                }
                outcome.start(continuation, timer: timer)
            }
        } onCancel: {
            // Shutdown: answer at once; the probe's task is told to stop.
            task.cancel()
            outcome.decide(.failure("cancelled"))
        }
        if let watch { watched?.forget(watch) }
        return (result, task, running)
    }

    /// Once and only once: the first of the probe, the timer and cancellation to finish resumes
    /// the caller; the timer is stopped when it loses.
    final class Outcome: Sendable {
        private enum State {
            case waiting
            case started(CheckedContinuation<ProbeResult, Never>, timer: Task<Void, Never>?)
            case decidedEarly(ProbeResult)
            case done
        }
        private let state = Mutex(State.waiting)

        func start(_ continuation: CheckedContinuation<ProbeResult, Never>, timer: Task<Void, Never>?) {
            let early = state.withLock { s -> ProbeResult? in
                if case .decidedEarly(let r) = s {
                    s = .done
                    return r
                }
                s = .started(continuation, timer: timer)
                return nil
            }
            if let early {
                timer?.cancel()
                continuation.resume(returning: early)
            }
        }

        func decide(_ result: ProbeResult) {
            let toResume = state.withLock { s -> (CheckedContinuation<ProbeResult, Never>, Task<Void, Never>?)? in
                switch s {
                case .waiting:
                    s = .decidedEarly(result)
                    return nil
                case .started(let c, let timer):
                    s = .done
                    return (c, timer)
                case .decidedEarly, .done:
                    return nil
                }
            }
            if let (c, timer) = toResume {
                timer?.cancel()
                c.resume(returning: result)
            }
        }
    }
}

import Synchronization

/// Runs one probe against its timeout without ever waiting on a probe that misbehaves.
///
/// The probe runs in a task of its own and races a timer on the scheduler's clock. Whichever
/// finishes first decides the result: past the timeout the result is `timeout after <t>` at
/// once and the probe's task is cancelled. The caller gets the probe's task back so it can wait
/// for it to really end before the next run of the same component (a probe never overlaps with
/// itself), while nothing else waits on it. A task group would not do: leaving a group awaits
/// every child, hung ones included.
public enum ProbeRun {
    public static func run<C: Clock>(
        _ probe: any Probe, timeout: Duration, clock: C
    ) async -> (result: ProbeResult, task: Task<ProbeResult, Never>) where C.Duration == Duration {
        let deadline = ContinuousClock.now + timeout
        let task = Task { await probe.run(deadline: deadline) }
        let decided = Decided()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ProbeResult, Never>) in
                let timer = Task {
                    try? await clock.sleep(for: timeout)
                    if !Task.isCancelled, decided.claim() {
                        task.cancel()
                        continuation.resume(returning: .timeout(after: timeout))
                    }
                }
                Task {
                    let r = await task.value
                    if decided.claim() {
                        timer.cancel()
                        continuation.resume(returning: r)
                    }
                }
            }
        } onCancel: {
            task.cancel()
        }
        return (result, task)
    }

    /// Once and only once: the first of the probe and the timer to finish resumes the caller.
    private final class Decided: Sendable {
        private let done = Atomic<Bool>(false)
        func claim() -> Bool { done.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
    }
}

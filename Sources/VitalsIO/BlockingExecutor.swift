import Foundation
import Synchronization

/// Runs blocking C calls (hiredis, `waitpid`, `statvfs` on a hung NFS mount) on threads of its
/// own, never on the cooperative pool, so a stuck call costs one of these threads and nothing
/// else. Every call run here must carry its own native timeout: the executor cannot interrupt it.
///
/// The pool grows on demand up to `maxThreads` and idle threads beyond `minThreads` exit,
/// so a burst of hung dependencies does not starve the others for long.
public final class BlockingExecutor: Sendable {
    public static let shared = BlockingExecutor(maxThreads: 64)

    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var threads = 0
        var idle = 0
    }

    private let maxThreads: Int
    private let minThreads = 2
    private let condition = NSCondition()
    // Guarded by `condition`: the executor's threads and callers take it around every access.
    nonisolated(unsafe) private var state = State()

    public init(maxThreads: Int) {
        self.maxThreads = maxThreads
    }

    /// Runs `body` on a pool thread and returns its value.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: body()) }
        }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        state.jobs.append(job)
        let spawn = state.idle == 0 && state.threads < maxThreads
        if spawn { state.threads += 1 }
        condition.signal()
        condition.unlock()
        if spawn {
            let thread = Thread { [self] in work() }
            thread.name = "vitals-blocking"
            thread.start()
        }
    }

    private func work() {
        condition.lock()
        while true {
            while state.head == state.jobs.count {
                state.idle += 1
                let woke = condition.wait(until: Date(timeIntervalSinceNow: 30))
                state.idle -= 1
                if !woke && state.head == state.jobs.count && state.threads > minThreads {
                    state.threads -= 1
                    condition.unlock()
                    return
                }
            }
            let job = state.jobs[state.head]
            state.head += 1
            if state.head > 1024 && state.head * 2 > state.jobs.count {
                state.jobs.removeFirst(state.head)
                state.head = 0
            }
            condition.unlock()
            job()
            condition.lock()
        }
    }
}

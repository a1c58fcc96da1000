import Synchronization

/// A FIFO counting semaphore for tasks: caps probes in flight without blocking a thread.
/// A waiter whose task is cancelled leaves the queue and gets `false`.
public final class AsyncSemaphore: Sendable {
    private struct State {
        var permits: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextID: UInt64 = 0
    }
    private let state: Mutex<State>

    public init(permits: Int) { state = Mutex(State(permits: max(1, permits))) }

    /// Takes a permit, waiting in line for one; false when cancelled while waiting.
    public func acquire() async -> Bool {
        if state.withLock({ s in
            guard s.permits > 0, s.waiters.isEmpty else { return false }
            s.permits -= 1
            return true
        }) {
            return true
        }
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                // Checked under the lock the cancellation handler takes: a task cancelled before it
                // got here has run the handler already, found nothing, and must not wait in line.
                let granted = state.withLock { s -> Bool? in
                    if Task.isCancelled { return false }
                    if s.permits > 0 && s.waiters.isEmpty {
                        s.permits -= 1
                        return true
                    }
                    s.waiters.append((id, c))
                    return nil
                }
                if let granted { c.resume(returning: granted) }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i).continuation
            }
            c?.resume(returning: false)
        }
    }

    public func release() {
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            if s.waiters.isEmpty {
                s.permits += 1
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }

    public var available: Int { state.withLock { $0.permits } }
    public var waiting: Int { state.withLock { $0.waiters.count } }
}

import Synchronization

/// A sleep that another task can end early: the alert engine sleeps until the next deadline it
/// knows of, and an observation that may bring an earlier one pokes it awake to look again.
///
/// A poke that comes before the sleep starts is kept, so none is lost between reading the
/// deadline and going to sleep.
final class Wakeup: Sendable {
    private struct State {
        var poked = false
        var sleeper: Task<Void, Never>?
    }

    private let state = Mutex(State())

    func poke() {
        let sleeper = state.withLock { s -> Task<Void, Never>? in
            s.poked = true
            return s.sleeper
        }
        sleeper?.cancel()
    }

    /// Sleeps until `deadline` on `clock`, a poke or cancellation; returns whether it was poked
    /// (since the previous sleep ended).
    func sleep<C: Clock>(until deadline: C.Instant, clock: C) async -> Bool {
        let sleeper = Task<Void, Never> { _ = try? await clock.sleep(until: deadline, tolerance: nil) }
        let early = state.withLock { s -> Bool in
            if s.poked { return true }
            s.sleeper = sleeper
            return false
        }
        if early { sleeper.cancel() }
        await withTaskCancellationHandler { await sleeper.value } onCancel: { sleeper.cancel() }
        return state.withLock { s -> Bool in
            defer {
                s.poked = false
                s.sleeper = nil
            }
            return s.poked
        }
    }
}

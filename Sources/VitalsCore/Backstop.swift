import Synchronization

extension ProbeRun {
    /// The timeout of the runs whose probe ends by its deadline on its own, enforced by one
    /// periodic sweep instead of one timer per run.
    ///
    /// A per-run timer costs a timer registration, its firing and a task, about a third of what
    /// an HTTP probe of a local target costs in all, to guard a deadline that libcurl's
    /// `TIMEOUT_MS` (or the socket poller's deadline) already enforces. The backstop only has to
    /// catch a probe that breaks its promise: a run still going `grace` past its deadline is
    /// judged `timeout after <t>` at the next sweep, and the scheduler treats its task as hung.
    public final class Backstop<C: Clock>: Sendable where C.Duration == Duration {
        private struct Watched {
            var deadline: C.Instant
            var timeout: Duration
            var outcome: Outcome
        }
        private struct State {
            var runs: [UInt64: Watched] = [:]
            var nextID: UInt64 = 0
        }
        private let state = Mutex(State())
        /// How long past its deadline a run has to answer by itself before the sweep does.
        public let grace: Duration

        public init(grace: Duration = .milliseconds(250)) {
            self.grace = grace
        }

        func watch(until deadline: C.Instant, timeout: Duration, outcome: Outcome) -> UInt64 {
            state.withLock { s in
                s.nextID += 1
                s.runs[s.nextID] = Watched(deadline: deadline, timeout: timeout, outcome: outcome)
                return s.nextID
            }
        }

        func forget(_ id: UInt64) {
            _ = state.withLock { $0.runs.removeValue(forKey: id) }
        }

        /// Runs being watched.
        public var count: Int { state.withLock { $0.runs.count } }

        /// Judges every run still going `grace` past its deadline as timed out.
        public func sweep(now: C.Instant) {
            let late = state.withLock { s -> [Watched] in
                let ids = s.runs.filter { $0.value.deadline.advanced(by: grace) <= now }.map(\.key)
                return ids.compactMap { s.runs.removeValue(forKey: $0) }
            }
            for run in late { run.outcome.decide(.timeout(after: run.timeout)) }
        }
    }
}

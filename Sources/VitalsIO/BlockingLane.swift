import Synchronization

/// One probe's place on the blocking executor: at most one of its jobs holds an executor
/// thread at a time.
///
/// A run that stops waiting at its deadline leaves its job running (`getaddrinfo` with no
/// timeout of its own, a hiredis read, a multi-host `PQconnectPoll`). Without a lane every
/// later run would take another thread beside it, and one bad target would fill the executor
/// within a minute, starving every other component's disk and exec checks. Through a lane, a
/// run whose predecessor's job has not returned is refused at once, without taking a thread:
/// the scheduler reads `busySince` (as `Probe.blockedSince`) and skips the run, and the lane
/// refuses it anyway for callers that do not ask first.
///
/// Each probe instance holds one lane (a reference: copies of the probe share it); so does a
/// storage connection. The lane is left when the job returns on its thread, not when its
/// caller stops waiting.
public final class BlockingLane: Sendable {
    /// The lane's bookkeeping as a plain value, so its rules are tested without threads.
    public struct State: Sendable, Equatable {
        /// When the job holding the lane was started; nil while the lane is free.
        public private(set) var busySince: ContinuousClock.Instant?

        public init() {}

        /// Takes the lane at `now`. Nil when taken; else the start of the job that holds it.
        public mutating func enter(at now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
            if let busySince { return busySince }
            busySince = now
            return nil
        }

        /// The job returned: the lane is free.
        public mutating func leave() {
            busySince = nil
        }
    }

    /// Why a job was not run: an earlier one, started at `since`, still holds the lane.
    public struct Busy: Error, Sendable, Equatable {
        public let since: ContinuousClock.Instant
        public init(since: ContinuousClock.Instant) { self.since = since }
    }

    /// What a deadline-bound job came to.
    public enum Outcome<T: Sendable>: Sendable {
        case value(T)
        /// The deadline passed, or the caller was cancelled, first; the job runs on, holding
        /// the lane until it returns.
        case gaveUp
        case busy(Busy)
    }

    private let state = Mutex(State())
    private let executor: BlockingExecutor

    public init(executor: BlockingExecutor = .shared) {
        self.executor = executor
    }

    /// When the job holding the lane started; nil while it is free.
    public var busySince: ContinuousClock.Instant? { state.withLock { $0.busySince } }

    /// `BlockingExecutor.run(abandoningAt:onAbandon:_:)` through the lane: refused at once
    /// while an earlier job holds it.
    public func run<T: Sendable>(
        abandoningAt deadline: ContinuousClock.Instant,
        onAbandon abandon: @escaping @Sendable (T) -> Void = { _ in },
        _ work: @escaping @Sendable () -> T
    ) async -> Outcome<T> {
        if let since = state.withLock({ $0.enter(at: .now) }) { return .busy(Busy(since: since)) }
        let value = await executor.run(abandoningAt: deadline, onAbandon: abandon) { [self] in
            defer { state.withLock { $0.leave() } }
            return work()
        }
        return value.map(Outcome.value) ?? .gaveUp
    }

    /// `BlockingExecutor.run(_:)` through the lane: waits for the job however long it takes,
    /// so the caller's own task shows a hang; refused at once while an earlier job holds it.
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> Result<T, Busy> {
        if let since = state.withLock({ $0.enter(at: .now) }) { return .failure(Busy(since: since)) }
        return .success(
            await executor.run { [self] in
                defer { state.withLock { $0.leave() } }
                return work()
            })
    }
}

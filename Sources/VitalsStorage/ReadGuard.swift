import Foundation
import Synchronization
import VitalsCore

/// The endpoints' reads of one backend: each under `deadline`, through one `ReadBreaker`, so a
/// database that stopped answering costs a request at most `deadline`, later requests a fast
/// 503 with the reason, and never more than one read (one thread, one connection) stuck on it.
final class ReadGuard: Sendable {
    /// How long an endpoint waits for storage before answering 503: a few seconds, well under
    /// a client's or a proxy's patience, and longer than any healthy read (the status page's
    /// history of 1,000 components reads in about 150 ms).
    static let deadline: Duration = .seconds(5)
    /// After a failed read, how long the next ones fail fast before one tries again.
    static let cooldown: Duration = .seconds(5)

    private let breaker = Mutex(ReadBreaker<ContinuousClock.Instant>(cooldown: cooldown))
    let name: String

    init(name: String) { self.name = name }

    /// Runs `body` unless the breaker refuses. `body` gets the deadline and must call `ended`
    /// once when its work has ended, even after the caller stopped waiting; it returns nil when
    /// it gave up at the deadline.
    func read<T: Sendable>(
        _ body: (_ deadline: ContinuousClock.Instant, _ ended: @escaping @Sendable () -> Void) async -> Result<T, StorageFailure>?
    ) async -> StorageRead<T> {
        if let refused = breaker.withLock({ $0.admit(at: .now) }) { return .unavailable(reason: refused) }
        let deadline = ContinuousClock.now + Self.deadline
        let outcome = await body(deadline) { [self] in breaker.withLock { $0.ended() } }
        let reason: String?
        switch outcome {
        case .success: reason = nil
        case .failure(let f): reason = "\(name) storage: \(f.message)"
        case nil: reason = "\(name) storage did not answer within \(Int(Self.deadline.seconds)) s"
        }
        breaker.withLock { $0.answered(failure: reason, at: .now) }
        switch outcome {
        case .success(let v): return .value(v)
        default: return .unavailable(reason: reason ?? "unavailable")
        }
    }
}

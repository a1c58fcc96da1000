import Foundation
import Synchronization
import VitalsConfig

/// What the push endpoint needs of the daemon: each push component's token, and a place for
/// the pushes it lets in.
public protocol PushReceiver: Sendable {
    /// The token of the push component `name`, whichever replica owns it; nil when there is no
    /// push component of that name.
    func token(of name: String) -> Secret?
    /// Records a push whose token was checked.
    func receive(_ name: String, _ result: ProbeResult) async -> PushReceipt
}

public enum PushReceipt: Sendable, Equatable {
    /// Recorded as this replica's result.
    case recorded
    /// Written to the shared store for the replica that owns the component.
    case forwarded
    /// Too soon after the last one let in; try again after this long.
    case tooSoon(retryAfter: Duration)
    /// Not a push component (any more: a reload may have removed it).
    case unknown
    /// The shared store did not take it (the reason, without a secret).
    case failed(String)
}

/// What the lock decides about one push: answered there, or to be handed on (outside the lock).
private enum PushDecision { case done(PushReceipt), forward }

/// Turns pushes into results, and silence into failed ones, for the push components this
/// replica owns (`PushDeadlines` says when).
///
/// Its loop wakes at the earliest deadline, or after `poll` at most (so a reload that adds a
/// component with an earlier deadline needs no wake-up of its own), on the injected clock: unit
/// tests drive it with a manual clock. A push and a missed deadline of one component are
/// decided and recorded under one lock, so a push that arrives as the deadline passes is never
/// followed by a `no push since` older than it.
public final class PushWatch<C: Clock>: PushReceiver, Sendable where C.Duration == Duration, C.Instant: Sendable {
    /// Hands a push for a component another replica owns to the shared store; nil unless sharded
    /// on one. Returns the failure's reason, or nil once it is written.
    public typealias Forward = @Sendable (_ name: String, _ result: ProbeResult, _ at: Date) async -> String?

    private struct State {
        var deadlines: PushDeadlines<C.Instant>
        var tokens: [String: Secret] = [:]
        var owned: Set<String> = []
    }

    private let clock: C
    private let store: HealthStore
    private let wallNow: @Sendable () -> Date
    private let forward: Forward?
    private let poll: Duration
    private let state: Mutex<State>

    public init(
        clock: C, store: HealthStore, minimumSpacing: Duration = .seconds(1), poll: Duration = .seconds(1),
        wallNow: @escaping @Sendable () -> Date = { Date() }, forward: Forward? = nil
    ) {
        self.clock = clock
        self.store = store
        self.wallNow = wallNow
        self.forward = forward
        self.poll = poll
        state = Mutex(State(deadlines: PushDeadlines(minimumSpacing: minimumSpacing)))
    }

    /// The config's components (all of them: a sharded replica takes pushes for every push
    /// component and hands the others' on); `owns` says which this replica judges.
    public func update(_ specs: [ComponentSpec], owns: (ComponentSpec) -> Bool = { _ in true }) {
        let pushed = specs.filter { $0.probe.kind.isPushed }
        let now = clock.now
        let wall = wallNow()
        state.withLock { s in
            s.tokens = Dictionary(pushed.compactMap { spec in
                if case .push(let p) = spec.probe { (spec.name, p.token) } else { nil }
            }, uniquingKeysWith: { a, _ in a })
            s.owned = Set(pushed.filter(owns).map(\.name))
            s.deadlines.set(pushed.filter { s.owned.contains($0.name) }, now: now, wallNow: wall)
            s.deadlines.keepRates(of: Set(s.tokens.keys))
        }
    }

    public func token(of name: String) -> Secret? { state.withLock { $0.tokens[name] } }

    public func receive(_ name: String, _ result: ProbeResult) async -> PushReceipt {
        let now = clock.now
        let wall = wallNow()
        let decision = state.withLock { s -> PushDecision in
            guard s.tokens[name] != nil else { return .done(.unknown) }
            if let wait = s.deadlines.admit(name, now: now) { return .done(.tooSoon(retryAfter: wait)) }
            guard s.owned.contains(name) else { return .forward }
            s.deadlines.pushed(name, now: now, wallNow: wall)
            store.record(component: name, result: result)
            return .done(.recorded)
        }
        switch decision {
        case .done(let receipt): return receipt
        case .forward:
            guard let forward else { return .failed("no replica owns this component") }
            if let failure = await forward(name, result, wall) { return .failed(failure) }
            return .forwarded
        }
    }

    /// A push another replica took for a component this one owns (read from the shared store):
    /// recorded as if it had come here, its token and rate checked where it landed.
    public func takeOver(_ name: String, _ result: ProbeResult, pushedAt: Date) {
        let now = clock.now
        state.withLock { s in
            guard s.owned.contains(name) else { return }
            s.deadlines.pushed(name, now: now, wallNow: pushedAt)
            store.record(component: name, result: result)
        }
    }

    /// The components this replica judges, for the shared store's read of forwarded pushes.
    public var owned: Set<String> { state.withLock { $0.owned } }

    /// Records a failed result for each deadline passed by now.
    public func checkDeadlines() {
        let now = clock.now
        state.withLock { s in
            for miss in s.deadlines.takeMissed(now: now) {
                store.record(component: miss.name, result: .failure(miss.message))
            }
        }
    }

    /// Until cancelled.
    public func run() async {
        while !Task.isCancelled {
            checkDeadlines()
            let now = clock.now
            let next = state.withLock { $0.deadlines.earliest }.map { min($0, now.advanced(by: poll)) } ?? now.advanced(by: poll)
            do { try await clock.sleep(until: next, tolerance: .milliseconds(10)) } catch { return }
        }
    }
}

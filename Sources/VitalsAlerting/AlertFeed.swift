import Synchronization
import VitalsConfig
import VitalsCore

/// Feeds alerting from the store: what alerting is shown (`input`), and the loop that shows it
/// whenever something it may care about changed.
///
/// Status events only mark the state changed; at most once a `period` (four times a second) the
/// engine observes one snapshot. With ten thousand components a snapshot per event (every first
/// result is one) would cost O(components) each time. Generic over the clock, so the loop's
/// timing is tested with a manual one.
public final class AlertFeed<C: Clock>: Sendable where C.Duration == Duration {
    let store: HealthStore
    let clock: C
    /// The current config's rules: without any there is nothing to evaluate and no snapshot is
    /// built; threshold rules read every result, not only status changes.
    let rules: @Sendable () -> [AlertRuleSpec]
    /// Who evaluates `on: service` rules now (the service lock may move at any time).
    let scope: @Sendable () -> AlertInput.ServiceScope
    /// Where each input goes (the engine's `observe`).
    let observer: @Sendable (AlertInput) -> Void
    /// The latest status changes from the store's events: when each status began and what it
    /// was before, for alerting's `for` and `previous_status`.
    let changes = Mutex(AlertInput.StatusChanges())

    /// How often the loop looks for changes.
    public static var period: Duration { .milliseconds(250) }
    /// How often a sharded replica looks again without any change seen here: the other shards'
    /// components change without events on this replica.
    public static var peerLook: Duration { .seconds(1) }

    public init(
        store: HealthStore, clock: C, rules: @escaping @Sendable () -> [AlertRuleSpec],
        scope: @escaping @Sendable () -> AlertInput.ServiceScope, observe: @escaping @Sendable (AlertInput) -> Void
    ) {
        self.store = store
        self.clock = clock
        self.rules = rules
        self.scope = scope
        self.observer = observe
    }

    /// What alerting is shown now: the snapshot, the thresholds its rules watch, the changes.
    public func input() -> AlertInput {
        let thresholds = Set(rules().compactMap(\.threshold))
        return AlertInput(snapshot: store.snapshot(), service: scope(), thresholds: thresholds, changes: changes.withLock { $0 })
    }

    /// Shows alerting the current input at once (after a reload).
    public func observe() { observer(input()) }

    final class Dirty: Sendable {
        let flag = Atomic<Bool>(true)
        func mark() { flag.store(true, ordering: .releasing) }
        func take() -> Bool { flag.exchange(false, ordering: .acquiringAndReleasing) }
    }

    /// Takes in the store's events and observes when due, until the task is cancelled (the
    /// event stream ends then too).
    public func run() async {
        let events = store.events()
        let dirty = Dirty()
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await event in events {
                    // Marked under the same lock: whoever sees the change recorded also sees
                    // the state dirty, so a look cannot come after the record yet miss the mark.
                    self.changes.withLock {
                        $0.record(event)
                        dirty.mark()
                    }
                }
            }
            group.addTask { await self.look(dirty) }
        }
    }

    private func look(_ dirty: Dirty) async {
        var last = AlertInput.ServiceScope.own
        var looked = clock.now
        var generation = store.resultGeneration
        var statusGeneration = store.statusGeneration
        while !Task.isCancelled {
            let rules = rules()
            // Threshold rules read every result, not only status changes.
            if rules.contains(where: { $0.threshold != nil }), store.resultGeneration != generation {
                generation = store.resultGeneration
                dirty.mark()
            }
            // Changes no event tells of: startup completing, a component restored from storage
            // (stale, so unknown) getting its first fresh result.
            if store.statusGeneration != statusGeneration {
                statusGeneration = store.statusGeneration
                dirty.mark()
            }
            // Sharded, the other shards' components change without events here: every second a
            // fresh look, and at once when the service lock moves.
            let scope = scope()
            if scope != last { dirty.mark() }
            if scope != .own, looked.duration(to: clock.now) >= Self.peerLook { dirty.mark() }
            last = scope
            if !rules.isEmpty, dirty.take() {
                looked = clock.now
                observe()
            }
            try? await clock.sleep(for: Self.period)
        }
    }
}

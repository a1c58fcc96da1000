import Foundation
import VitalsConfig

/// When each push component's next push is due, and how often pushes are let in: a plain value,
/// so the dead man's switch and the rate limit are tested on instants without a clock or a server.
///
/// - Watching starts when the component is first set (the daemon's start, or the reload that
///   added it): a job that never reports turns unhealthy `interval + grace` later, with
///   `no push since <that time>`; until then it is `unknown`.
/// - A push moves the deadline to `interval + grace` after it.
/// - A missed deadline is reported once, and again every `interval` while the silence lasts, so
///   the component stays unhealthy instead of going stale (`ComponentSpec.staleAfter`).
public struct PushDeadlines<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    struct Watch: Sendable {
        var interval: Duration
        var grace: Duration
        var deadline: Instant
        /// The last push, or when watching began: what `no push since` names.
        var since: Date
    }

    /// One missed deadline: the component and the time it has been silent since.
    public struct Miss: Sendable, Equatable {
        public var name: String
        public var since: Date
        public var message: String { "no push since \(RFC3339.string(since))" }
    }

    private(set) var watches: [String: Watch] = [:]
    /// When each push component last had a push let in, watched here or not (a sharded
    /// replica takes pushes for the others' components too). Only names of push components
    /// of the config ever get here (the caller checks the token first), so it is bounded.
    private var lastAdmitted: [String: Instant] = [:]
    /// The least time between two pushes let in for one component (more get 429).
    public let minimumSpacing: Duration

    public init(minimumSpacing: Duration = .seconds(1)) { self.minimumSpacing = minimumSpacing }

    /// The push components to watch: new ones start watching at `now`, kept ones keep their
    /// deadline unless their interval or grace changed, the others are dropped.
    public mutating func set(_ specs: [ComponentSpec], now: Instant, wallNow: Date) {
        var next: [String: Watch] = [:]
        for spec in specs {
            guard let d = spec.pushDeadline else { continue }
            if var kept = watches[spec.name] {
                if kept.interval != d.interval || kept.grace != d.grace {
                    kept.deadline = kept.deadline.advanced(by: (d.interval + d.grace) - (kept.interval + kept.grace))
                    (kept.interval, kept.grace) = (d.interval, d.grace)
                }
                next[spec.name] = kept
            } else {
                next[spec.name] = Watch(interval: d.interval, grace: d.grace, deadline: now.advanced(by: d.interval + d.grace), since: wallNow)
            }
        }
        watches = next
    }

    public var names: Set<String> { Set(watches.keys) }

    /// Whether a push for `name` is let in at `now`: nil when it is, else how long until the
    /// next one is (the 429's `Retry-After`). A push let in counts against the next.
    public mutating func admit(_ name: String, now: Instant) -> Duration? {
        if let last = lastAdmitted[name], last.duration(to: now) < minimumSpacing {
            return minimumSpacing - last.duration(to: now)
        }
        lastAdmitted[name] = now
        return nil
    }

    /// Forgets the rate of components no longer in the config.
    public mutating func keepRates(of names: Set<String>) {
        lastAdmitted = lastAdmitted.filter { names.contains($0.key) }
    }

    /// A push arrived (or was taken over from another replica): the next is due
    /// `interval + grace` from now.
    public mutating func pushed(_ name: String, now: Instant, wallNow: Date) {
        guard var w = watches[name] else { return }
        w.deadline = now.advanced(by: w.interval + w.grace)
        w.since = wallNow
        watches[name] = w
    }

    /// The deadlines passed by `now`, each re-armed one interval later.
    public mutating func takeMissed(now: Instant) -> [Miss] {
        var missed: [Miss] = []
        for name in watches.keys.sorted() {
            guard var w = watches[name], w.deadline <= now else { continue }
            missed.append(Miss(name: name, since: w.since))
            while w.deadline <= now { w.deadline = w.deadline.advanced(by: w.interval) }
            watches[name] = w
        }
        return missed
    }

    /// The earliest deadline, for the watcher's sleep.
    public var earliest: Instant? { watches.values.map(\.deadline).min() }
}

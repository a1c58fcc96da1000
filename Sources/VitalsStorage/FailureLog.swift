import Foundation

/// Which storage failures the writer logs as they happen: the first of each kind at once, in the
/// database's own words ("database or disk is full", "database disk image is malformed"), so an
/// operator reads the reason, not only a count a minute later. A kind is logged again only after
/// a write succeeded in between, and then at most once per `every`: a disk that keeps filling
/// and draining costs a line a minute, not one per batch. The counts go on in the minute's
/// summary (`storage writes lost`).
struct FailureLog {
    let every: Duration
    /// Kinds seen since the last success: not logged again until one.
    private var active: Set<String> = []
    /// When each kind was last logged (a few dozen kinds at most; bounded anyway).
    private var lastLogged: [String: ContinuousClock.Instant] = [:]
    static let maxKinds = 64

    init(every: Duration = .seconds(60)) { self.every = every }

    /// Whether to log a failure of `kind` seen at `now`.
    mutating func shouldLog(_ kind: String, at now: ContinuousClock.Instant) -> Bool {
        guard active.insert(kind).inserted else { return false }
        if active.count > Self.maxKinds { active = [kind] }
        if let last = lastLogged[kind], now - last < every { return false }
        if lastLogged.count >= Self.maxKinds, let oldest = lastLogged.min(by: { $0.value < $1.value })?.key { lastLogged[oldest] = nil }
        lastLogged[kind] = now
        return true
    }

    /// A write went through: the next failure of any kind is news again.
    mutating func succeeded() { active.removeAll() }
}

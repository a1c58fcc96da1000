import Foundation

/// Time-weighted uptime over the last hour and day (spec section 4), from 10-minute buckets in
/// a ring: the seconds the component's status was up (healthy or degraded) and known, each
/// status held from one result to the next for at most its staleness (2 x interval + timeout).
/// About 1.7 KB per component, so ten thousand components stay small. The same rule as the
/// storage roll-ups (`StatusSeconds`), kept in memory for `/health/detailed`.
public struct UptimeWindow: Sendable, Equatable {
    static let bucketSeconds = 600.0
    /// 24 hours and the bucket a 24-hour window starts in (windows count whole buckets).
    static let bucketCount = 145

    private var epochs: [Int32] = []
    private var up: [Float] = []
    private var known: [Float] = []
    /// The last result: when, the status it left, and how long that may be taken to hold.
    private var last: (at: Date, status: HealthStatus, staleAfter: Duration)?

    public init() {}

    public static func == (a: UptimeWindow, b: UptimeWindow) -> Bool {
        a.epochs == b.epochs && a.up == b.up && a.known == b.known && a.last?.at == b.last?.at && a.last?.status == b.last?.status
    }

    /// A result at `date` left the component in `status`: the time since the previous result
    /// is counted with the previous status.
    public mutating func record(at date: Date, status: HealthStatus, staleAfter: Duration) {
        if epochs.isEmpty { allocate() }
        if let last {
            for piece in Self.pieces(from: last.at, to: date, staleAfter: last.staleAfter) {
                add(piece.epoch, piece.seconds, status: last.status)
            }
        }
        last = (date, status, staleAfter)
    }

    /// Takes up what storage kept (after a restart): each hour's known and up seconds, spread
    /// over its 10-minute buckets up to `until` (the newest stored result), so the 1h and 24h
    /// windows count the time before the restart to the hour's resolution. The gap from `until`
    /// to the first new result stays unknown, as the roll-ups count it.
    public mutating func seed(hourly: [Rollup], until: Date) {
        guard last == nil else { return }
        if epochs.isEmpty { allocate() }
        for r in hourly {
            let end = min(r.start.timeIntervalSince1970 + 3600, until.timeIntervalSince1970)
            let span = end - r.start.timeIntervalSince1970
            guard span > 0 else { continue }
            for piece in Self.pieces(from: r.start, to: Date(timeIntervalSince1970: end), staleAfter: .seconds(3600)) {
                let share = piece.seconds / span
                add(piece.epoch, share * (r.healthy + r.degraded), status: .healthy)
                add(piece.epoch, share * r.unhealthy, status: .unhealthy)
            }
        }
    }

    private mutating func allocate() {
        epochs = Array(repeating: -1, count: Self.bucketCount)
        up = Array(repeating: 0, count: Self.bucketCount)
        known = Array(repeating: 0, count: Self.bucketCount)
    }

    private mutating func add(_ epoch: Int32, _ seconds: Double, status: HealthStatus) {
        guard status != .unknown else { return }
        let i = Int(epoch) % Self.bucketCount
        if epochs[i] != epoch {
            epochs[i] = epoch
            up[i] = 0
            known[i] = 0
        }
        known[i] += Float(seconds)
        if status != .unhealthy { up[i] += Float(seconds) }
    }

    /// The seconds from `from` to `to`, capped at `staleAfter`, by 10-minute bucket.
    static func pieces(from: Date, to: Date, staleAfter: Duration) -> [(epoch: Int32, seconds: Double)] {
        StatusSeconds.pieces(from: from, to: to, staleAfter: staleAfter, bucketSeconds: bucketSeconds).map {
            (Int32($0.start / bucketSeconds), $0.seconds)
        }
    }

    /// Up seconds over known seconds in the window ending at `date`, the last status counted up
    /// to `date` (within its staleness); nil when nothing in the window was known.
    public func ratio(over seconds: Double, at date: Date) -> Double? { report(over: seconds, at: date).uptime }

    /// Uptime and its coverage (known seconds over the window) for a window ending at `date`,
    /// in whole buckets as the roll-ups count it (`RollupWindow`): from the start of the bucket
    /// holding `date - seconds`. Only the last 24 hours are kept: for a longer window the rest
    /// is unknown.
    public func report(over seconds: Double, at date: Date) -> (uptime: Double?, coverage: Double) {
        guard !epochs.isEmpty else { return (nil, 0) }
        let now = Int32(date.timeIntervalSince1970 / Self.bucketSeconds)
        let oldest = Int32(((date.timeIntervalSince1970 - seconds) / Self.bucketSeconds).rounded(.down))
        let span = date.timeIntervalSince1970 - Double(oldest) * Self.bucketSeconds
        var u = 0.0
        var k = 0.0
        for i in 0..<Self.bucketCount where epochs[i] >= oldest && epochs[i] <= now {
            u += Double(up[i])
            k += Double(known[i])
        }
        if let last, last.status != .unknown {
            for piece in Self.pieces(from: last.at, to: date, staleAfter: last.staleAfter) where piece.epoch >= oldest {
                k += piece.seconds
                if last.status != .unhealthy { u += piece.seconds }
            }
        }
        return StatusSeconds.uptime(healthy: u, degraded: 0, unhealthy: k - u, windowSeconds: span)
    }

    public func windows(at date: Date) -> [(window: String, ratio: Double)] {
        [("1h", 3600.0), ("24h", 86_400.0)].compactMap { label, seconds in
            ratio(over: seconds, at: date).map { (label, $0) }
        }
    }
}

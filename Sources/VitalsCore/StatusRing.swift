import Foundation

/// Seconds per status in fixed buckets over a recent span, in a ring: the in-memory tally both
/// the 1h/24h uptime (`UptimeWindow`, 10-minute buckets) and the SLO burn rates over short
/// windows (`SLOWindow`, 1-minute buckets) read. The same rule as the storage roll-ups
/// (`StatusSeconds`): a status holds from one result to the next for at most its staleness;
/// unknown time is not counted at all.
///
/// Memory: `bucketCount` x 16 bytes (an epoch and three `Float` tallies), allocated at the first
/// result.
public struct StatusRing: Sendable, Equatable {
    public let bucketSeconds: Double
    public let bucketCount: Int

    private var epochs: [Int32] = []
    private var healthy: [Float] = []
    private var degraded: [Float] = []
    private var unhealthy: [Float] = []
    /// The last result: when, the status it left, and how long that may be taken to hold.
    private var last: (at: Date, status: HealthStatus, staleAfter: Duration)?

    public init(bucketSeconds: Double, bucketCount: Int) {
        self.bucketSeconds = bucketSeconds
        self.bucketCount = bucketCount
    }

    public static func == (a: StatusRing, b: StatusRing) -> Bool {
        a.bucketSeconds == b.bucketSeconds && a.epochs == b.epochs && a.healthy == b.healthy && a.degraded == b.degraded
            && a.unhealthy == b.unhealthy && a.last?.at == b.last?.at && a.last?.status == b.last?.status
    }

    /// Whether nothing was recorded or seeded yet.
    public var isEmpty: Bool { epochs.isEmpty }

    /// A result at `date` left the component in `status`: the time since the previous result
    /// is counted with the previous status.
    public mutating func record(at date: Date, status: HealthStatus, staleAfter: Duration) {
        if epochs.isEmpty { allocate() }
        if let last {
            for piece in pieces(from: last.at, to: date, staleAfter: last.staleAfter) {
                add(piece.epoch, piece.seconds, status: last.status)
            }
        }
        last = (date, status, staleAfter)
    }

    /// Takes up what storage kept (after a restart): each hour's seconds per status, spread
    /// evenly over its buckets up to `until` (the newest stored result), so windows count the
    /// time before the restart to the hour's resolution. The gap from `until` to the first new
    /// result stays unknown, as the roll-ups count it.
    public mutating func seed(hourly: [Rollup], until: Date) {
        guard last == nil else { return }
        if epochs.isEmpty { allocate() }
        for r in hourly {
            let end = min(r.start.timeIntervalSince1970 + 3600, until.timeIntervalSince1970)
            let span = end - r.start.timeIntervalSince1970
            guard span > 0 else { continue }
            for piece in pieces(from: r.start, to: Date(timeIntervalSince1970: end), staleAfter: .seconds(3600)) {
                let share = piece.seconds / span
                add(piece.epoch, share * r.healthy, status: .healthy)
                add(piece.epoch, share * r.degraded, status: .degraded)
                add(piece.epoch, share * r.unhealthy, status: .unhealthy)
            }
        }
    }

    /// Seconds per status in the window ending at `date`, in whole buckets as the roll-ups
    /// count it (`RollupWindow`): from the start of the bucket holding `date - seconds`, the
    /// last status counted up to `date` (within its staleness). `span` is the seconds those
    /// buckets cover, which coverage is counted against. Only `bucketCount` buckets are kept:
    /// for a longer window the rest is unknown.
    public func seconds(over seconds: Double, at date: Date) -> (healthy: Double, degraded: Double, unhealthy: Double, span: Double) {
        let oldest = Int32(((date.timeIntervalSince1970 - seconds) / bucketSeconds).rounded(.down))
        let span = date.timeIntervalSince1970 - Double(oldest) * bucketSeconds
        guard !epochs.isEmpty else { return (0, 0, 0, span) }
        let now = Int32(date.timeIntervalSince1970 / bucketSeconds)
        var h = 0.0, d = 0.0, u = 0.0
        for i in 0..<bucketCount where epochs[i] >= oldest && epochs[i] <= now {
            h += Double(healthy[i])
            d += Double(degraded[i])
            u += Double(unhealthy[i])
        }
        if let last {
            let held = pieces(from: last.at, to: date, staleAfter: last.staleAfter).filter { $0.epoch >= oldest }.reduce(0) { $0 + $1.seconds }
            switch last.status {
            case .healthy: h += held
            case .degraded: d += held
            case .unhealthy: u += held
            case .unknown: break
            }
        }
        return (h, d, u, span)
    }

    private mutating func allocate() {
        epochs = Array(repeating: -1, count: bucketCount)
        healthy = Array(repeating: 0, count: bucketCount)
        degraded = Array(repeating: 0, count: bucketCount)
        unhealthy = Array(repeating: 0, count: bucketCount)
    }

    private mutating func add(_ epoch: Int32, _ seconds: Double, status: HealthStatus) {
        guard status != .unknown, seconds > 0 else { return }
        let i = Int(epoch) % bucketCount
        if epochs[i] != epoch {
            epochs[i] = epoch
            healthy[i] = 0
            degraded[i] = 0
            unhealthy[i] = 0
        }
        switch status {
        case .healthy: healthy[i] += Float(seconds)
        case .degraded: degraded[i] += Float(seconds)
        case .unhealthy: unhealthy[i] += Float(seconds)
        case .unknown: break
        }
    }

    /// The seconds from `from` to `to`, capped at `staleAfter`, by bucket.
    private func pieces(from: Date, to: Date, staleAfter: Duration) -> [(epoch: Int32, seconds: Double)] {
        StatusSeconds.pieces(from: from, to: to, staleAfter: staleAfter, bucketSeconds: bucketSeconds).map {
            (Int32($0.start / bucketSeconds), $0.seconds)
        }
    }
}

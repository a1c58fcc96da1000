import Foundation
import VitalsConfig

/// A component's most recent results as its windowed thresholds need them: when each came,
/// whether it succeeded, and its latency. A plain value, judged at explicit times.
///
/// Memory: kept only for components with a windowed threshold, at most `capacity` results
/// (the longest window at the component's interval, `WindowedThresholds.capacity`), 8 bytes
/// each: milliseconds since `base` as `UInt32` and the latency in microseconds as `UInt32`
/// (`failed` for a failed probe, whose latency no percentile counts). 10,000 components with
/// a 5-minute window at 10 s keep 31 results each, about 2.5 MB in all.
public struct ResultWindow: Sendable, Equatable {
    public let capacity: Int
    /// Seconds since 1970 that `offsets` count from; moved forward when offsets would overflow.
    private var base: Double
    /// A ring, oldest at `head` once full.
    private var offsets: [UInt32] = []
    private var micros: [UInt32] = []
    private var head = 0

    /// The latency slot of a failed probe.
    private static let failed = UInt32.max
    /// Offsets past this (about 24.8 days) move the base forward; windows are at most 7 days.
    private static let rebaseAfter = UInt32(Int32.max)

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        base = 0
    }

    public var count: Int { offsets.count }

    /// Adds one result; the oldest goes once `capacity` are kept.
    public mutating func add(at date: Date, success: Bool, latency: Duration) {
        let t = date.timeIntervalSince1970
        if offsets.isEmpty { base = t }
        var ms = ((t - base) * 1000).rounded()
        if ms >= Double(Self.rebaseAfter) {
            rebase(to: t - WindowedThresholds.longestWindow.seconds - 86_400)
            ms = ((t - base) * 1000).rounded()
        }
        // A wall clock stepped back: the result counts from the base (its order is lost, not it).
        let offset = UInt32(max(0, ms))
        let us = success ? UInt32(min(max(0, (latency.seconds * 1_000_000).rounded()), Double(Self.failed - 1))) : Self.failed
        if offsets.count < capacity {
            offsets.append(offset)
            micros.append(us)
        } else {
            offsets[head] = offset
            micros[head] = us
            head = (head + 1) % capacity
        }
    }

    /// What the window shows of each windowed threshold in `thresholds` at `date`: each over its
    /// own window, the results in `(date - window, date]`.
    public func readings(_ thresholds: Thresholds, at date: Date) -> [WindowReading] {
        var sorted: [Duration: (successes: [UInt32], results: Int)] = [:]
        return thresholds.windowed.map { name, _, window in
            // Thresholds over the same window share one pass (and one sort).
            let w = sorted[window] ?? successes(over: window, at: date)
            sorted[window] = w
            let enough = WindowedThresholds.minimumResults
            if let p = WindowedThresholds.percentile(name) {
                let value = w.successes.count >= enough ? Double(Self.nearestRank(p, of: w.successes)) / 1_000_000 : nil
                return WindowReading(name: name, window: window, results: w.successes.count, value: value)
            }
            let value = w.results >= enough ? Double(w.successes.count) * 100 / Double(w.results) : nil
            return WindowReading(name: name, window: window, results: w.results, value: value)
        }
    }

    /// The latencies (microseconds) of the successful results in the window, sorted, and how
    /// many results it holds in all.
    private func successes(over window: Duration, at date: Date) -> (successes: [UInt32], results: Int) {
        // Rounded as `add` rounds: a result read at its own time is in its window.
        let now = ((date.timeIntervalSince1970 - base) * 1000).rounded()
        let from = now - window.seconds * 1000
        var latencies: [UInt32] = []
        var results = 0
        for i in offsets.indices {
            let t = Double(offsets[i])
            guard t > from, t <= now else { continue }
            results += 1
            if micros[i] != Self.failed { latencies.append(micros[i]) }
        }
        latencies.sort()
        return (latencies, results)
    }

    /// The nearest-rank percentile: the smallest value with at least `p` percent of the values
    /// at or below it, i.e. the ⌈p/100 × n⌉-th smallest. Always one of the values measured,
    /// never an interpolation between two.
    static func nearestRank(_ p: Double, of sorted: [UInt32]) -> UInt32 {
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }

    /// Moves the base to `t` (seconds since 1970); results from before it count from it, which
    /// puts them outside every window (they are older than the longest).
    private mutating func rebase(to t: Double) {
        let shift = (t - base) * 1000
        for i in offsets.indices { offsets[i] = UInt32(max(0, (Double(offsets[i]) - shift).rounded())) }
        base = t
    }

    /// The same results, oldest first, in a window of another capacity (a reload changed a
    /// window): the newest `capacity` of them are kept.
    public func resized(to capacity: Int) -> ResultWindow {
        var out = ResultWindow(capacity: capacity)
        let order = Array(offsets.indices[head...]) + Array(offsets.indices[..<head])
        for i in order.suffix(capacity) {
            let success = micros[i] != Self.failed
            out.add(
                at: Date(timeIntervalSince1970: base + Double(offsets[i]) / 1000), success: success,
                latency: .microseconds(Int64(success ? micros[i] : 0)))
        }
        return out
    }
}

/// One windowed threshold's measurement at a result: its value, or nil while the window holds
/// fewer than `WindowedThresholds.minimumResults` results (successful ones for a latency
/// percentile), when it is not judged yet.
public struct WindowReading: Sendable, Equatable {
    /// `success_rate`, `latency_p95`...
    public var name: String
    public var window: Duration
    /// The results the value is computed from: all of the window's for `success_rate`, the
    /// successful ones for a latency percentile.
    public var results: Int
    /// Percent for `success_rate`, seconds for a latency percentile.
    public var value: Double?

    public init(name: String, window: Duration, results: Int, value: Double?) {
        self.name = name
        self.window = window
        self.results = results
        self.value = value
    }

    public var judged: Bool { value != nil }

    /// The reading as an observation of the result it was taken at, judged and shown like any
    /// other (`/health/detailed`, `vitals_probe_observation{name="success_rate"}`).
    public var observation: Observation? {
        value.map { Observation(name, $0, unit: WindowedThresholds.percentile(name) == nil ? "percent" : "seconds") }
    }
}

extension ProbeResult {
    /// This result with the judged window readings among its observations, in place of any
    /// observation of the same name the probe reported (an exec plugin's `success_rate` label).
    public func adding(_ readings: [WindowReading]) -> ProbeResult {
        let names = Set(readings.map(\.name))
        var out = self
        out.observations.removeAll { names.contains($0.name) }
        out.observations += readings.compactMap(\.observation)
        return out
    }
}

/// Thresholds over a sliding window of a component's own recent results, for every probe type:
/// `success_rate` (percent of probes that succeeded, lower is worse) and `latency_p50`,
/// `latency_p95`, `latency_p99` (nearest-rank percentiles of the latency of the probes that
/// succeeded: a refused connection fails in microseconds and a timeout takes the whole
/// timeout, so neither says how fast the dependency answers; `success_rate` counts them).
///
/// The rules live here, in one place, because the config refuses what the window could not
/// honour and the core's window sizes itself by the same arithmetic.
public enum WindowedThresholds {
    /// The measurements judged over a window; reserved names for every type (an exec plugin's
    /// perfdata label of the same name is replaced by the window's value).
    public static let names = Set(ordered)
    /// In the order messages list them.
    static let ordered = ["success_rate", "latency_p50", "latency_p95", "latency_p99"]

    /// "Fewer than a handful": a window holding fewer results than this (fewer successful ones
    /// for a latency percentile) is not judged yet. Five keeps one early failure from reading
    /// as a 0 % success rate, and one slow answer from being a p95 on its own.
    public static let minimumResults = 5

    /// The most results one component's window keeps (about 80 KB), so that a long window at a
    /// short interval cannot take the daemon's memory: a longer one is a config error.
    public static let maximumResults = 10_000

    /// The longest window: results older than a week say little about now, and the window
    /// stores times as milliseconds from a base it moves forward every few weeks.
    public static let longestWindow: Duration = .seconds(7 * 86_400)

    /// The percentile a `latency_pNN` measurement asks for (50, 95, 99); nil for the others.
    public static func percentile(_ name: String) -> Double? {
        switch name {
        case "latency_p50": 50
        case "latency_p95": 95
        case "latency_p99": 99
        default: nil
        }
    }

    /// How many results a window of `window` holds at `interval`: one per interval, plus one
    /// for a result that lands early at the window's edge.
    public static func capacity(window: Duration, interval: Duration) -> Int {
        Int((window.seconds / max(interval.seconds, 0.001)).rounded(.up)) + 1
    }

    /// Why `window` cannot be judged at `interval`, or nil when it can.
    static func problem(window: Duration, interval: Duration) -> String? {
        let w = DurationFormat.short(window), i = DurationFormat.short(interval)
        if window > longestWindow { return "window \(w) is longer than \(DurationFormat.short(longestWindow)), the longest a window keeps" }
        if window < interval * minimumResults {
            let held = Int(window.seconds / interval.seconds)
            return "window \(w) holds \(held) result\(held == 1 ? "" : "s") at interval \(i), and a window is judged from \(minimumResults): "
                + "make it at least \(DurationFormat.short(interval * minimumResults))"
        }
        let n = capacity(window: window, interval: interval)
        if n > maximumResults {
            return "window \(w) at interval \(i) would keep \(n) results, more than the \(maximumResults) a window keeps: "
                + "shorten the window or lengthen the interval"
        }
        return nil
    }
}

extension Thresholds {
    /// The thresholds judged over a window, by name.
    public var windowed: [(name: String, threshold: Threshold, window: Duration)] {
        byName.keys.sorted().compactMap { name in byName[name]!.window.map { (name, byName[name]!, $0) } }
    }
}

extension ComponentSpec {
    /// How many recent results this component's windowed thresholds need kept (its longest
    /// window at its interval); nil when it has none, so that only those components pay for one.
    public var windowCapacity: Int? {
        thresholds.windowed.map { WindowedThresholds.capacity(window: $0.window, interval: interval) }.max()
    }

    /// How many of its newest stored results a start reads back: its `history`, or its window
    /// when that is longer (the first result after a restart is judged over the whole window).
    public var resultsToRestore: Int { max(history, windowCapacity ?? 0) }
}

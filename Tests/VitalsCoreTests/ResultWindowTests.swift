import Foundation
import Testing
import VitalsConfig
@testable import VitalsCore

/// The sliding window of a component's results, at explicit times: what share succeeded, the
/// nearest-rank latency percentiles of those that did, nothing judged from fewer than five,
/// and never more kept than its capacity.
struct ResultWindowTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    static func thresholds(_ window: Duration = .seconds(300), _ names: String...) -> Thresholds {
        var t = Thresholds()
        for name in names {
            let known = Threshold.known[name]!
            t[name] = Threshold(degraded: known.unit == .percent ? 99 : 0.25, direction: known.direction, unit: known.unit, window: window)
        }
        return t
    }

    static func reading(_ w: ResultWindow, _ name: String, window: Duration = .seconds(300), at: Date) -> WindowReading {
        w.readings(thresholds(window, name), at: at)[0]
    }

    /// Four of five succeed: 80 %, from the fifth result on; before it, not judged.
    @Test func successRateIsTheShareOfProbesThatSucceededFromTheFifthResult() {
        var w = ResultWindow(capacity: 31)
        for i in 0..<4 { w.add(at: Self.at(Double(i) * 10), success: true, latency: .milliseconds(5)) }
        let early = Self.reading(w, "success_rate", at: Self.at(30))
        #expect(early == WindowReading(name: "success_rate", window: .seconds(300), results: 4, value: nil))
        #expect(!early.judged)
        #expect(early.observation == nil)
        w.add(at: Self.at(40), success: false, latency: .seconds(2))
        let judged = Self.reading(w, "success_rate", at: Self.at(40))
        #expect(judged.value == 80)
        #expect(judged.results == 5)
        #expect(judged.observation == Observation("success_rate", 80, unit: "percent"))
    }

    /// Times are kept to the millisecond, and read to it: a result read at its own time is in
    /// the window even when its time rounded up (a restart reads the window at its newest
    /// stored result's time; the first of a run sets the base at any fraction of a millisecond).
    @Test func aResultIsInTheWindowAtItsOwnTime() {
        var w = ResultWindow(capacity: 10)
        w.add(at: Self.at(0), success: true, latency: .milliseconds(5))
        for i in 1..<5 { w.add(at: Self.at(Double(i) * 10 + 0.0006), success: true, latency: .milliseconds(5)) }
        #expect(Self.reading(w, "success_rate", at: Self.at(40.0006)).results == 5, "stored as 40.001 s, read at 40.0006 s")
    }

    /// Results older than the window drop out of it as time goes on: (at - window, at].
    @Test func resultsOlderThanTheWindowDoNotCount() {
        var w = ResultWindow(capacity: 100)
        // Two failures first, then eight successes, 10 s apart.
        for i in 0..<10 { w.add(at: Self.at(Double(i) * 10), success: i >= 2, latency: .milliseconds(5)) }
        #expect(Self.reading(w, "success_rate", window: .seconds(100), at: Self.at(90)).value == 80)
        // At 100 s the first (at 0 s) is exactly a window old: out.
        #expect(Self.reading(w, "success_rate", window: .seconds(100), at: Self.at(100)).results == 9)
        #expect(abs(Self.reading(w, "success_rate", window: .seconds(100), at: Self.at(100)).value! - 800.0 / 9) < 1e-9)
        #expect(Self.reading(w, "success_rate", window: .seconds(100), at: Self.at(110)).value == 100)
        // Long after: nothing in the window, nothing judged.
        let later = Self.reading(w, "success_rate", window: .seconds(100), at: Self.at(500))
        #expect(later.results == 0 && later.value == nil)
    }

    /// Nearest rank: the ⌈p/100 × n⌉-th smallest latency of the successful probes; failed
    /// probes' latencies (a timeout's 2 s here) are not among them.
    @Test func latencyPercentilesAreNearestRankOverSuccessfulProbes() {
        var w = ResultWindow(capacity: 100)
        // 1 ms ... 20 ms, shuffled, and three timeouts.
        for (i, ms) in [7, 3, 20, 1, 15, 9, 12, 5, 18, 2, 11, 19, 4, 16, 8, 13, 6, 17, 10, 14].enumerated() {
            w.add(at: Self.at(Double(i)), success: true, latency: .milliseconds(ms))
            if i % 7 == 0 { w.add(at: Self.at(Double(i) + 0.5), success: false, latency: .seconds(2)) }
        }
        let r = w.readings(Self.thresholds(.seconds(300), "latency_p50", "latency_p95", "latency_p99", "success_rate"), at: Self.at(30))
        let byName = Dictionary(uniqueKeysWithValues: r.map { ($0.name, $0) })
        #expect(byName["latency_p50"]?.value == 0.010, "10th of 20")
        #expect(byName["latency_p95"]?.value == 0.019, "19th of 20")
        #expect(byName["latency_p99"]?.value == 0.020, "20th of 20")
        #expect(byName["latency_p95"]?.results == 20)
        #expect(byName["success_rate"]?.results == 23)
        #expect(byName["latency_p95"]?.observation == Observation("latency_p95", 0.019, unit: "seconds"))
        #expect(ResultWindow.nearestRank(95, of: [1, 2, 3, 4, 5]) == 5)
        #expect(ResultWindow.nearestRank(50, of: [1, 2, 3, 4, 5]) == 3)
        #expect(ResultWindow.nearestRank(99, of: Array(1...100)) == 99)
    }

    /// A window of failures has a success rate but no latency percentile: fewer than five
    /// successful probes are not judged.
    @Test func fewerThanFiveSuccessesLeaveTheLatencyUnjudged() {
        var w = ResultWindow(capacity: 100)
        for i in 0..<14 { w.add(at: Self.at(Double(i)), success: i < 4, latency: .milliseconds(900)) }
        let r = w.readings(Self.thresholds(.seconds(300), "latency_p95", "success_rate"), at: Self.at(14))
        #expect(r.first { $0.name == "latency_p95" } == WindowReading(name: "latency_p95", window: .seconds(300), results: 4, value: nil))
        #expect(abs((r.first { $0.name == "success_rate" }?.value ?? -1) - 400.0 / 14) < 1e-9)
    }

    /// Each threshold is read over its own window.
    @Test func eachThresholdHasItsOwnWindow() {
        var w = ResultWindow(capacity: 100)
        for i in 0..<60 { w.add(at: Self.at(Double(i)), success: i >= 50, latency: .milliseconds(5)) }
        var t = Self.thresholds(.seconds(10), "success_rate")
        t["latency_p99"] = Threshold(degraded: 1, unit: .seconds, window: .seconds(60))
        let r = w.readings(t, at: Self.at(59))
        #expect(r.map(\.name) == ["latency_p99", "success_rate"])
        #expect(r[1].value == 100 && r[1].results == 10)
        #expect(r[0].results == 10, "only the ten successful probes of the minute have a latency")
    }

    /// Memory is bounded: a window keeps its capacity and no more, the newest results.
    @Test func theWindowKeepsAtMostItsCapacity() {
        var w = ResultWindow(capacity: 10)
        for i in 0..<1_000 { w.add(at: Self.at(Double(i)), success: i >= 995, latency: .milliseconds(i)) }
        #expect(w.count == 10)
        let r = Self.reading(w, "success_rate", window: .seconds(100_000), at: Self.at(999))
        #expect(r.results == 10 && r.value == 50)
        let smaller = w.resized(to: 5)
        #expect(smaller.count == 5)
        #expect(Self.reading(smaller, "success_rate", window: .seconds(100_000), at: Self.at(999)).value == 100)
        #expect(Self.reading(smaller, "latency_p50", window: .seconds(100_000), at: Self.at(999)).value == 0.997)
    }

    /// Times are milliseconds from a base that moves forward after about 25 days: a daemon
    /// running for months still judges its last minutes right.
    @Test func monthsOfResultsKeepTheirTimes() {
        var w = ResultWindow(capacity: 20)
        for day in 0..<90 {
            for i in 0..<5 { w.add(at: Self.at(Double(day) * 86_400 + Double(i)), success: day % 2 == 0 || i == 0, latency: .milliseconds(day)) }
        }
        // Day 89 (odd): one success of five in its own last minute; day 88's are a day old.
        let r = Self.reading(w, "success_rate", window: .seconds(60), at: Self.at(89 * 86_400 + 4))
        #expect(r.results == 5 && r.value == 20)
        let two = Self.reading(w, "success_rate", window: .seconds(86_400 + 10), at: Self.at(89 * 86_400 + 4))
        #expect(two.results == 10 && two.value == 60)
    }

    /// A reading joins the result's observations, in place of a probe's own of that name.
    @Test func readingsBecomeObservationsOfTheResult() {
        let result = ProbeResult(
            success: true, latency: .milliseconds(3), message: "ok", observations: [Observation("success_rate", 1), Observation("depth", 4)])
        let readings = [
            WindowReading(name: "success_rate", window: .seconds(60), results: 3, value: nil),
            WindowReading(name: "latency_p95", window: .seconds(60), results: 9, value: 0.004),
        ]
        #expect(result.adding(readings).observations == [Observation("depth", 4), Observation("latency_p95", 0.004, unit: "seconds")])
    }
}

import Foundation
import Testing
@testable import VitalsCore

/// Time-weighted uptime: status time between results, capped at staleness, split by hour.
struct StatusSecondsTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 3600))

    @Test func aGapWithinAnHourIsOneSpan() {
        let spans = StatusSeconds.spans(from: Self.base.addingTimeInterval(10), to: Self.base.addingTimeInterval(20), status: .healthy, staleAfter: .seconds(25))
        #expect(spans == [.init(hour: Self.base, status: .healthy, seconds: 10)])
    }

    @Test func aGapAcrossAnHourIsSplitAtIt() {
        let spans = StatusSeconds.spans(from: Self.base.addingTimeInterval(3590), to: Self.base.addingTimeInterval(3620), status: .unhealthy, staleAfter: .seconds(60))
        #expect(spans == [.init(hour: Self.base, status: .unhealthy, seconds: 10), .init(hour: Self.base.addingTimeInterval(3600), status: .unhealthy, seconds: 20)])
    }

    /// Vitals was down (or the probe silent) for longer than staleness: only the first
    /// `staleAfter` seconds count; the rest is unknown, never up.
    @Test func aGapPastStalenessCountsOnlyUpToIt() {
        let spans = StatusSeconds.spans(from: Self.base, to: Self.base.addingTimeInterval(7200), status: .healthy, staleAfter: .seconds(25))
        #expect(spans == [.init(hour: Self.base, status: .healthy, seconds: 25)])
        #expect(StatusSeconds.spans(from: Self.base.addingTimeInterval(5), to: Self.base, status: .healthy, staleAfter: .seconds(25)).isEmpty)
    }

    @Test func uptimeIsOverKnownTimeAndCoverageOverTheWindow() {
        let r = StatusSeconds.uptime(healthy: 40_000, degraded: 3_200, unhealthy: 10_000 - 3_200, windowSeconds: 86_400)
        #expect(abs(r.uptime! - 43_200.0 / 50_000) < 1e-12)
        #expect(abs(r.coverage - 50_000.0 / 86_400) < 1e-12)
        let nothing = StatusSeconds.uptime(healthy: 0, degraded: 0, unhealthy: 0, windowSeconds: 86_400)
        #expect(nothing.uptime == nil && nothing.coverage == 0)
    }

    /// A window is read in whole buckets, from the one holding its start: hourly up to 7 days,
    /// daily beyond.
    @Test func aRollupWindowStartsAtTheBucketHoldingItsStart() {
        let now = Date(timeIntervalSince1970: 1_795_000_000 + 1_234)  // 20 min 34 s into an hour
        let day = RollupWindow(.seconds(86_400), now: now)
        #expect(day.period == .hour)
        #expect(day.from.timeIntervalSince1970 == ((now.timeIntervalSince1970 - 86_400) / 3600).rounded(.down) * 3600)
        #expect(day.seconds > 86_400 && day.seconds < 86_400 + 3600)
        let month = RollupWindow(.seconds(30 * 86_400), now: now)
        #expect(month.period == .day)
        #expect(month.from.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) == 0)
        #expect(RollupWindow(.seconds(7 * 86_400), now: now).period == .hour)
    }

    /// A component probed the whole time covers its window fully, wherever in the hour the
    /// window ends: its hourly roll-ups (the current one as far as it has gone) over the span
    /// of the buckets. Cutting the window at `now - 24h` and leaving out the hour holding that
    /// instant counted up to an hour as unknown (coverage 0.958 at best).
    @Test func aFullyProbedDayIsFullyCovered() {
        for offset in [0.0, 1.0, 1_234, 3_599] {
            let now = Date(timeIntervalSince1970: 1_795_000_000 - 1_795_000_000.truncatingRemainder(dividingBy: 3600) + offset)
            let w = RollupWindow(.seconds(86_400), now: now)
            var rollups: [Rollup] = []
            var start = w.from
            while start < now {
                let seconds = min(3600, now.timeIntervalSince(start))
                rollups.append(Rollup(start: start, healthy: seconds, degraded: 0, unhealthy: 0, results: 1, failures: 0, latencyMin: nil, latencySum: 0, latencyMax: nil))
                start += 3600
            }
            let r = w.uptime(rollups)
            #expect(abs(r.coverage - 1) < 1e-9, "ending \(offset) s into the hour: \(r.coverage)")
            #expect(r.uptime == 1)
        }
    }

    /// The in-memory window (10-minute buckets) counts whole buckets the same way: probed the
    /// whole hour, covered.
    @Test func theInMemoryWindowCoversAFullyProbedHour() {
        var w = UptimeWindow()
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        for i in 0...400 { w.record(at: start.addingTimeInterval(Double(i) * 10), status: .healthy, staleAfter: .seconds(25)) }
        let end = start.addingTimeInterval(4000)
        let r = w.report(over: 3600, at: end)
        #expect(abs(r.coverage - 1) < 1e-6, "\(r.coverage)")
        #expect(r.uptime == 1)
    }
}

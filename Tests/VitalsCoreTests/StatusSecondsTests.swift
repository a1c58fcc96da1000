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
        let day = Duration.seconds(86_400)
        let r = StatusSeconds.uptime(healthy: 40_000, degraded: 3_200, unhealthy: 10_000 - 3_200, window: day)
        #expect(abs(r.uptime! - 43_200.0 / 50_000) < 1e-12)
        #expect(abs(r.coverage - 50_000.0 / 86_400) < 1e-12)
        let nothing = StatusSeconds.uptime(healthy: 0, degraded: 0, unhealthy: 0, window: day)
        #expect(nothing.uptime == nil && nothing.coverage == 0)
    }
}

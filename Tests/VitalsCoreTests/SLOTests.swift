import Foundation
import Testing
import VitalsConfig
import VitalsTestSupport
@testable import VitalsCore

/// SLO arithmetic (spec section 15) against figures worked out by hand, and the burn-rate
/// pairs firing and resolving at the minute they should, on an injected clock.
struct SLOTests {
    static let day = 86_400.0
    static let slo = SLOSpec(objective: 0.999, period: .rolling(.seconds(30 * 86_400)))
    /// Midnight UTC, so the 30-day window's daily buckets start exactly 30 days back.
    static let now = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 86_400))

    static func daily(_ days: Int, unhealthyOnDay: (Int) -> Double = { _ in 0 }, gapOnDay: (Int) -> Double = { _ in 0 }) -> [Rollup] {
        (0..<days).map { i in
            let bad = unhealthyOnDay(i)
            let gap = gapOnDay(i)
            return Rollup(
                start: now.addingTimeInterval(-Double(days - i) * day), healthy: day - bad - gap, degraded: 0, unhealthy: bad, results: 8640,
                failures: 0, latencyMin: nil, latencySum: 0, latencyMax: nil)
        }
    }

    /// 99.9% over 30 days is 2,592 s of budget; a 10-minute outage consumes 600 s of it; a
    /// 1-hour gap is neither good nor bad: it only lowers coverage.
    @Test func budgetArithmeticByHand() {
        let clean = SLOCalculator.status(component: "api", spec: Self.slo, now: Self.now, window: Self.daily(30), hourly: [], ring: nil, processOnly: false)
        #expect(clean.budgetSeconds.isApprox(2592))
        #expect(clean.consumedSeconds == 0)
        #expect(clean.remainingRatio == 1)
        #expect(clean.sli == 1)
        #expect(clean.tally.coverage == 1)

        let outage = SLOCalculator.status(
            component: "api", spec: Self.slo, now: Self.now, window: Self.daily(30, unhealthyOnDay: { $0 == 12 ? 600 : 0 }), hourly: [], ring: nil,
            processOnly: false)
        #expect(outage.consumedSeconds == 600)
        #expect(outage.remainingSeconds.isApprox(1992))
        #expect(outage.consumedRatio.isApprox(600 / 2592))
        #expect(outage.sli!.isApprox(1 - 600 / (30 * Self.day)))
        #expect(outage.met == true)

        let gap = SLOCalculator.status(
            component: "api", spec: Self.slo, now: Self.now, window: Self.daily(30, unhealthyOnDay: { $0 == 12 ? 600 : 0 }, gapOnDay: { $0 == 3 ? 3600 : 0 }),
            hourly: [], ring: nil, processOnly: false)
        #expect(gap.consumedSeconds == 600, "a gap consumes nothing")
        #expect(gap.tally.coverage.isApprox(1 - 3600 / (30 * Self.day)))
        #expect(gap.sli!.isApprox(1 - 600 / (30 * Self.day - 3600)))

        // Three hours down: 10,800 s against 2,592: overspent, not met.
        let over = SLOCalculator.status(
            component: "api", spec: Self.slo, now: Self.now, window: Self.daily(30, unhealthyOnDay: { $0 == 29 ? 10_800 : 0 }), hourly: [], ring: nil,
            processOnly: false)
        #expect(over.remainingSeconds.isApprox(2592 - 10_800))
        #expect(over.met == false)
    }

    /// `good: [healthy]` counts degraded time against the budget; by default it is good.
    @Test func goodStatusesDecideWhatDegradedTimeIs() {
        let tally = SLOTally(healthy: 100, degraded: 50, unhealthy: 10, span: 200, good: [.healthy])
        #expect(tally.good == 100 && tally.bad == 60)
        let lenient = SLOTally(healthy: 100, degraded: 50, unhealthy: 10, span: 200, good: [.healthy, .degraded])
        #expect(lenient.good == 150 && lenient.bad == 10)
        #expect(lenient.coverage == 0.8)
    }

    /// The calendar month's budget is the whole month's (31 days in December), its SLI what
    /// the month has seen so far.
    @Test func calendarMonthBudgetIsTheWholeMonths() {
        let spec = SLOSpec(objective: 0.999, period: .calendarMonth)
        let dec10 = Date(timeIntervalSince1970: 1_796_860_800)  // 2026-12-10T00:00:00Z
        let (start, end) = SLOCalculator.month(of: dec10)
        #expect(start == Date(timeIntervalSince1970: 1_796_083_200))  // 2026-12-01
        #expect(end.timeIntervalSince(start) == 31 * Self.day)
        let s = SLOCalculator.status(component: "api", spec: spec, now: dec10, window: [], hourly: [], ring: nil, processOnly: false)
        #expect(s.budgetSeconds.isApprox(31 * Self.day * 0.001))
        #expect(s.sli == nil, "nothing known yet")
    }

    /// A store on a manual clock, one result every 10 s: healthy for seven hours, then down from
    /// T. The page pair (1h and 5m over 14.4x at 99.9%, an error ratio of 1.44%) fires once the
    /// hour holds more than about 52 s of failure; after recovery it resolves once the 5-minute
    /// window (whole minutes: 5 to 6) no longer holds the outage.
    @Test func pagePairFiresAndResolvesAtTheRightMinute() {
        let clock = ManualClock(epoch: Self.now)
        var spec = ComponentSpec(name: "api", failureThreshold: 1, probe: .tcp(TCPSettings(address: "127.0.0.1:1")))
        spec.interval = .seconds(10)
        spec.slo = Self.slo
        let store = HealthStore(components: [spec], now: { clock.wallNow })
        let ok = ProbeResult(success: true, latency: .milliseconds(1), message: "ok")
        func run(_ seconds: Int, _ result: ProbeResult) {
            for _ in 0..<(seconds / 10) {
                store.record(component: "api", result: result)
                clock.advance(by: .seconds(10))
            }
        }
        func page() -> BurnRatePolicy.Pair? {
            let ring = store.sloComponents()[0].ring
            let s = SLOCalculator.status(component: "api", spec: Self.slo, now: clock.wallNow, window: [], hourly: [], ring: ring, processOnly: false)
            return BurnRatePolicy.workbook.firing(s.burnRates)
        }
        run(7 * 3600, ok)
        #expect(page() == nil)
        run(40, .failure("connection refused"))
        #expect(page() == nil, "40 s of an hour is 1.1%: below 1.44%")
        run(30, .failure("connection refused"))
        #expect(page()?.long == .h1, "70 s of the hour: the 1h and 5m pair fires")
        #expect(page()?.severity == "page")
        run(240, ok)
        #expect(page()?.long == .h1, "the 5-minute window still holds the outage")
        run(120, ok)
        #expect(page() == nil, "6 minutes on: the short window is clean, the pair resolves")
    }

    /// No known time, no burn rate: a fresh component does not page.
    @Test func nothingKnownMeansNoRate() {
        let s = SLOCalculator.status(component: "api", spec: Self.slo, now: Self.now, window: [], hourly: [], ring: SLOWindow(), processOnly: true)
        #expect(s.burnRates.isEmpty)
        #expect(BurnRatePolicy.workbook.firing(s.burnRates) == nil)
        #expect(s.burnCoverage[.m5] == 0)
    }

    /// 1d and 3d windows come from the hourly roll-ups, in whole hours.
    @Test func longBurnWindowsReadHourlyRollups() {
        let hourly = (0..<72).map { i in
            Rollup(
                start: Self.now.addingTimeInterval(-Double(72 - i) * 3600), healthy: i >= 60 ? 3000 : 3600, degraded: 0, unhealthy: i >= 60 ? 600 : 0,
                results: 360, failures: 0, latencyMin: nil, latencySum: 0, latencyMax: nil)
        }
        let s = SLOCalculator.status(component: "api", spec: Self.slo, now: Self.now, window: [], hourly: hourly, ring: nil, processOnly: false)
        // The last 12 hourly buckets hold 600 s of failure each.
        #expect(s.burnRates[.d1]!.isApprox((7200.0 / (24 * 3600)) / 0.001))
        #expect(s.burnRates[.d3]!.isApprox((7200.0 / (72 * 3600)) / 0.001))
    }
}

extension Double {
    fileprivate func isApprox(_ other: Double, tolerance: Double = 1e-9) -> Bool { abs(self - other) <= tolerance * max(1, abs(other)) }
}

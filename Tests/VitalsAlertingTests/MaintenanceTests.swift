import Foundation
import Testing
import VitalsConfig
import VitalsCore

@testable import VitalsAlerting

@Suite struct MaintenanceTests {
    func date(_ s: String) -> Date { RFC3339.date(s)! }

    @Test func weeklyWindowInItsTimeZone() {
        // Sun 02:00 Europe/Berlin for 2h. 2026-11-22 is a Sunday; Berlin is UTC+1 in November.
        let w = MaintenanceWindow(
            MaintenanceWindowSpec(components: ["orders-db"], weekday: 1, hour: 2, minute: 0, duration: .seconds(7200), timezone: "Europe/Berlin"))
        #expect(!w.isActive(at: date("2026-11-22T00:59:59Z")))
        #expect(w.isActive(at: date("2026-11-22T01:00:00Z")))
        #expect(w.isActive(at: date("2026-11-22T02:59:59Z")))
        #expect(!w.isActive(at: date("2026-11-22T03:00:00Z")))
        // Same local time on a Monday: not active.
        #expect(!w.isActive(at: date("2026-11-23T01:30:00Z")))
        // Summer time: UTC+2.
        #expect(w.isActive(at: date("2026-07-05T00:30:00Z")))
        #expect(!w.isActive(at: date("2026-07-05T02:30:00Z")))
        #expect(w.covers(component: "orders-db"))
        #expect(!w.covers(component: "cache"))
        #expect(w.reason.contains("Sun 02:00 for 2h Europe/Berlin"))
    }

    /// The status page's "upcoming": the next start within the horizon, in the window's zone.
    @Test func nextStartWithinAHorizon() {
        // Sun 02:00 Europe/Berlin: 2026-11-22T01:00Z; the one after, a week later.
        let w = MaintenanceWindow(
            MaintenanceWindowSpec(components: ["orders-db"], weekday: 1, hour: 2, minute: 0, duration: .seconds(7200), timezone: "Europe/Berlin"))
        #expect(w.nextStart(after: date("2026-11-20T12:00:00Z"), within: .seconds(7 * 86_400)) == date("2026-11-22T01:00:00Z"))
        #expect(w.nextStart(after: date("2026-11-20T12:00:00Z"), within: .seconds(86_400)) == nil)
        // While it runs, the next is next week's.
        #expect(w.nextStart(after: date("2026-11-22T01:30:00Z"), within: .seconds(7 * 86_400)) == date("2026-11-29T01:00:00Z"))
        let daily = MaintenanceWindow(MaintenanceWindowSpec(components: [], weekday: nil, hour: 4, minute: 0, duration: .seconds(600)))
        #expect(daily.nextStart(after: date("2026-11-24T04:00:00Z"), within: .seconds(86_400)) == date("2026-11-25T04:00:00Z"))
        #expect(daily.nextStart(after: date("2026-11-24T03:00:00Z"), within: .seconds(3600)) == date("2026-11-24T04:00:00Z"))
    }

    /// `start: "2026-12-24 02:00"`: once, on that day in its zone; never again a year or a day later.
    @Test func aOneOffWindowRunsOnceOnItsDate() {
        var spec = MaintenanceWindowSpec(components: [], weekday: nil, hour: 23, minute: 0, duration: .seconds(3 * 3600), timezone: "Europe/Berlin")
        spec.date = CivilDate(year: 2026, month: 12, day: 24)
        let w = MaintenanceWindow(spec)
        // 23:00 Berlin is 22:00 UTC; three hours, over midnight.
        #expect(!w.isActive(at: date("2026-12-24T21:59:59Z")))
        #expect(w.isActive(at: date("2026-12-24T22:00:00Z")))
        #expect(w.isActive(at: date("2026-12-25T00:59:59Z")))
        #expect(!w.isActive(at: date("2026-12-25T01:00:00Z")))
        #expect(!w.isActive(at: date("2026-12-25T22:30:00Z")), "ran again the next day")
        #expect(!w.isActive(at: date("2027-12-24T22:30:00Z")), "ran again a year later")
        #expect(w.nextStart(after: date("2026-12-20T00:00:00Z"), within: .seconds(7 * 86_400)) == date("2026-12-24T22:00:00Z"))
        #expect(w.nextStart(after: date("2026-12-24T22:30:00Z"), within: .seconds(400 * 86_400)) == nil)
        #expect(w.schedule == "2026-12-24 23:00 for 3h Europe/Berlin")
    }

    @Test func windowSpanningMidnightAndDailyWindows() {
        let sat = MaintenanceWindow(MaintenanceWindowSpec(components: [], weekday: 7, hour: 23, minute: 30, duration: .seconds(3600), timezone: "UTC"))
        #expect(sat.isActive(at: date("2026-11-22T00:15:00Z")))  // Sunday 00:15, started Saturday
        #expect(!sat.isActive(at: date("2026-11-22T00:30:00Z")))
        let daily = MaintenanceWindow(MaintenanceWindowSpec(components: [], weekday: nil, hour: 4, minute: 0, duration: .seconds(600)))
        #expect(daily.isActive(at: date("2026-11-24T04:05:00Z")))
        #expect(!daily.isActive(at: date("2026-11-24T04:10:00Z")))
        #expect(daily.coversEverything)
    }

    @Test func unknownZoneFallsBackToUTCAndSaysSo() {
        let w = MaintenanceWindow(MaintenanceWindowSpec(components: [], weekday: nil, hour: 1, minute: 0, duration: .seconds(60), timezone: "Mars/Olympus"))
        #expect(w.unknownTimeZone)
        #expect(w.isActive(at: date("2026-11-24T01:00:30Z")))
        #expect(w.reason.contains("unknown time zone"))
    }

    @Test func serviceIsMutedWhenEveryFailingComponentIsInMaintenance() {
        let windows = [MaintenanceWindow(MaintenanceWindowSpec(components: ["db"], weekday: nil, hour: 0, minute: 0, duration: .seconds(86_400)))]
        let now = date("2026-11-24T12:00:00Z")
        let dbOnly = [FailingComponent(component: "db", status: .unhealthy, message: "")]
        let dbAndCache = dbOnly + [FailingComponent(component: "cache", status: .degraded, message: "")]
        #expect(windows.muteReason(subject: "service", isService: true, failing: dbOnly, at: now) != nil)
        #expect(windows.muteReason(subject: "service", isService: true, failing: dbAndCache, at: now) == nil)
        #expect(windows.muteReason(subject: "db", isService: false, failing: [], at: now) != nil)
        #expect(windows.muteReason(subject: "cache", isService: false, failing: [], at: now) == nil)
    }
}

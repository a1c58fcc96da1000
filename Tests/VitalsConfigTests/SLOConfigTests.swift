import Testing
@testable import VitalsConfig

/// `slo:` on a component: what it reads, its defaults, and each mistake at its line.
struct SLOConfigTests {
    static func c(_ slo: String, storage: String = "") -> String {
        "components:\n  - name: api\n    type: tcp\n    address: 127.0.0.1:1\n    slo:\n" + slo + storage
    }

    @Test func readsEveryKeyAndDefaults() throws {
        let config = try parsed(Self.c("      objective: 99.9\n      window: 7d\n      good: [healthy]\n"))
        let slo = try #require(config.components[0].slo)
        #expect(abs(slo.objective - 0.999) < 1e-12)
        #expect(slo.period == .rolling(.seconds(7 * 86_400)))
        #expect(slo.good == [.healthy])
        let defaults = try #require(try parsed(Self.c("      objective: 99.5\n")).components[0].slo)
        #expect(defaults.period == .rolling(.seconds(30 * 86_400)))
        #expect(defaults.good == [.healthy, .degraded])
        let month = try #require(try parsed(Self.c("      objective: 99\n      calendar: month\n")).components[0].slo)
        #expect(month.period == .calendarMonth)
    }

    /// The list: 100, 0, 150, `99.9%`, a window shorter than the interval or longer
    /// than `rollup_retention`, `good: []`; each at its own line and column.
    @Test(arguments: [
        ("      objective: 100\n", "c.yaml:6:18: components[api].slo.objective: must be between 0 and 100, exclusive (100% leaves no error budget: any failure breaks it), got \"100\""),
        ("      objective: 0\n", "c.yaml:6:18: components[api].slo.objective: must be between 0 and 100, exclusive (must be more than 0), got \"0\""),
        ("      objective: 150\n", "c.yaml:6:18: components[api].slo.objective: must be between 0 and 100, exclusive (100% leaves no error budget: any failure breaks it), got \"150\""),
        ("      objective: 99.9%\n", "c.yaml:6:18: components[api].slo.objective: expected a percent as a number such as 99.9 (no % sign), got \"99.9%\""),
        ("      objective: 99.9\n      window: 5s\n", "c.yaml:7:15: components[api].slo.window: the window (5s) must be at least the interval (10s)"),
        ("      objective: 99.9\n      good: []\n", "c.yaml:7:13: components[api].slo.good: name at least one good status (healthy, degraded)"),
        ("      objective: 99.9\n      good: [healthy, unhealthy]\n", "c.yaml:7:23: components[api].slo.good[1]: \"unhealthy\": unhealthy time is never good"),
        ("      objective: 99.9\n      calendar: week\n", "c.yaml:7:17: components[api].slo.calendar: expected month, got \"week\""),
        ("      window: 30d\n", "c.yaml:6:7: components[api].slo: missing required key objective"),
    ])
    func mistakes(slo: String, expected: String) {
        #expect(errors(Self.c(slo)) == [expected])
    }

    @Test func aWindowLongerThanTheRollupsKeptIsRefused() {
        let yaml = Self.c("      objective: 99.9\n      window: 90d\n", storage: "storage:\n  type: sqlite\n  path: v.db\n  retention: 7d\n  rollup_retention: 60d\n")
        #expect(
            errors(yaml) == [
                "c.yaml:7:15: components[api].slo: the SLO window (90d) is longer than storage.rollup_retention (60d): its oldest part would be pruned"
            ])
    }
}
